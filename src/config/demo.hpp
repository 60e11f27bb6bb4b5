#pragma once
#include <string>

namespace awmg::config {

// The embedded demo config (TOML): one local stdio MCP server, `awmg-demo-server`, run as a plain executable
// so the demo needs no Docker and no network. `demo_server` is the path of that executable. With `guard` (the
// example repository guard's .wasm), the server is guarded by it under an allow-only policy for public
// repositories, so the demo shows DIFC filtering and denials.
std::string demo_config_toml(const std::string& demo_server, const std::string& guard = "");

}  // namespace awmg::config
