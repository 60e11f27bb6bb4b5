#pragma once
#include "cli/gateway_options.hpp"

namespace awmg::cli {

// Runs the gateway in the upstream startup order until SIGINT/SIGTERM or POST /close.
// Returns the process exit code; errors are printed to stderr verbatim.
int run_gateway(const GatewayOptions& options);

}  // namespace awmg::cli
