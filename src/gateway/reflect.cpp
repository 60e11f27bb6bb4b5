#include "gateway/reflect.hpp"

#include <chrono>

#include "difc/snapshot.hpp"
#include "log/logger.hpp"

namespace awmg::gateway {

std::string reflect_document(Guards& guards) {
  std::string now = log::timestamp(std::chrono::system_clock::now());
  return difc::snapshot_document(guards.agents(), guards.default_mode(), now.substr(0, 19) + "Z");
}

}  // namespace awmg::gateway
