#include "difc/snapshot.hpp"

#include "json/json.hpp"

namespace awmg::difc {
namespace {

std::string tags(const Label& label) {
  std::string out = "[";
  for (const auto& tag : label.tags()) out += (out.size() > 1 ? "," : "") + json::quote(tag);
  return out + "]";
}

}  // namespace

std::string snapshot_document(const AgentRegistry& agents, Mode mode, const std::string& utc_time) {
  std::string body;
  for (const auto& [id, labels] : agents.snapshot()) {
    body += (body.empty() ? "" : ",") + json::quote(id) + R"(:{"secrecy":)" + tags(labels.secrecy) +
            R"(,"integrity":)" + tags(labels.integrity) + "}";
  }
  return R"({"agents":{)" + body + R"(},"mode":)" + json::quote(mode_name(mode)) + R"(,"timestamp":)" +
         json::quote(utc_time) + "}";
}

}  // namespace awmg::difc
