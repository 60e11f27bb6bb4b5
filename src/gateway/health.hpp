#pragma once
#include <map>
#include <string>

#include "backend/server_status.hpp"

namespace awmg::gateway {

// The /health body: `unhealthy` iff any server is in error.
std::string health_document(const std::map<std::string, backend::ServerHealth>& servers);

}  // namespace awmg::gateway
