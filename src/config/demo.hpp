#pragma once
#include <string>

namespace awmg::config {

// The embedded demo config (TOML): one local stdio MCP server, `awmg-demo-server`, run as a plain executable
// so the demo needs no Docker and no network. `demo_server` is the path of that executable.
std::string demo_config_toml(const std::string& demo_server);

}  // namespace awmg::config
