#pragma once
#include "base/result.hpp"

namespace awmg::cli {

// `--validate-env`: the Docker daemon must be reachable and MCP_GATEWAY_PORT,
// MCP_GATEWAY_DOMAIN and MCP_GATEWAY_AGENT_ID (or MCP_GATEWAY_API_KEY) set. All problems are reported
// together.
Status validate_environment();

}  // namespace awmg::cli
