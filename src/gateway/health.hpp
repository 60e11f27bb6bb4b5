#pragma once
#include <map>
#include <string>

#include "backend/server_status.hpp"

namespace awmg::gateway {

// The /health body: `unhealthy` iff any server is in error.
// `circuits`: each server's rate-limit circuit breaker state ("closed", "open", "half-open").
std::string health_document(const std::map<std::string, backend::ServerHealth>& servers,
                            const std::map<std::string, std::string>& circuits = {});

}  // namespace awmg::gateway
