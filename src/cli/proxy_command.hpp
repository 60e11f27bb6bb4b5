#pragma once
#include "cli/proxy_options.hpp"

namespace awmg::cli {

// `awmg proxy`: loads the guard, runs label_agent with the policy, optionally makes its TLS certificates,
// serves until SIGINT or SIGTERM. Returns the exit code.
int run_proxy(const ProxyOptions& options);

}  // namespace awmg::cli
