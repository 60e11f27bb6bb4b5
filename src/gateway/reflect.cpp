#include "gateway/reflect.hpp"

#include <chrono>

#include "json/json.hpp"
#include "log/logger.hpp"

namespace awmg::gateway {
namespace {

std::string tags(const difc::Label& label) {
  std::string out = "[";
  for (const auto& tag : label.tags()) out += (out.size() > 1 ? "," : "") + json::quote(tag);
  return out + "]";
}

}  // namespace

std::string reflect_document(Guards& guards) {
  std::string agents;
  for (const auto& [id, labels] : guards.agents().snapshot()) {
    agents += (agents.empty() ? "" : ",") + json::quote(id) + R"(:{"secrecy":)" + tags(labels.secrecy) +
              R"(,"integrity":)" + tags(labels.integrity) + "}";
  }
  std::string now = log::timestamp(std::chrono::system_clock::now());
  return R"({"agents":{)" + agents + R"(},"mode":)" + json::quote(difc::mode_name(guards.default_mode())) +
         R"(,"timestamp":)" + json::quote(now.substr(0, 19) + "Z") + "}";
}

}  // namespace awmg::gateway
