#pragma once
#include <string>

#include "base/result.hpp"

namespace awmg::config {

// Compiles a tool_response_filters expression with libjq to prove it is valid jq. `$ENV` and `env` are not
// available to filters (they would leak the gateway's secrets into tool results).
Status check_jq_expression(const std::string& expression);

}  // namespace awmg::config
