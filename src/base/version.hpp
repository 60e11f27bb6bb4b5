#pragma once
#include <string>

namespace awmg::base {

// "<version>[, commit: <sha7>][, built: <date>]": the CLI --version text, the MCP serverInfo.version,
// the clientInfo.version sent to backends and gatewayVersion in /health.
const std::string& version_string();

// The spec version the gateway implements (reported by /health).
inline constexpr const char* kSpecVersion = "1.14.0";

}  // namespace awmg::base
