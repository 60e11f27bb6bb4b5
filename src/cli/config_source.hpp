#pragma once
#include "base/result.hpp"
#include "cli/gateway_options.hpp"
#include "config/model.hpp"

namespace awmg::cli {

inline constexpr size_t kMaxConfigBytes = 16u << 20;

// Loads the config the flags name: --config-stdin > --config > --demo. Errors are the text after
// "failed to load config: ".
Result<config::Config> load_config(const GatewayOptions& options);

// The demo MCP server installed next to the awmg binary.
std::string demo_server_path();

}  // namespace awmg::cli
