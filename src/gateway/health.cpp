#include "gateway/health.hpp"

#include <rapidjson/document.h>

#include "base/version.hpp"
#include "json/json.hpp"

namespace awmg::gateway {

std::string health_document(const std::map<std::string, backend::ServerHealth>& servers,
                            const std::map<std::string, std::string>& circuits) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  bool healthy = true;
  rapidjson::Value list(rapidjson::kObjectType);
  for (const auto& [id, h] : servers) {
    healthy = healthy && (h.status == "running" || h.status == "stopped");
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("status", rapidjson::Value(h.status.c_str(), a), a);
    entry.AddMember("uptime", h.uptime_seconds, a);
    if (!h.error.empty()) entry.AddMember("error", rapidjson::Value(h.error.c_str(), a), a);
    if (h.retries > 0) entry.AddMember("retries", h.retries, a);
    if (h.restarts > 0) entry.AddMember("restarts", h.restarts, a);
    if (auto circuit = circuits.find(id); circuit != circuits.end())
      entry.AddMember("circuit", rapidjson::Value(circuit->second.c_str(), a), a);
    list.AddMember(rapidjson::Value(id.c_str(), a), entry, a);
  }
  doc.AddMember("status", rapidjson::StringRef(healthy ? "healthy" : "unhealthy"), a);
  doc.AddMember("specVersion", rapidjson::StringRef(base::kSpecVersion), a);
  doc.AddMember("gatewayVersion", rapidjson::Value(base::version_string().c_str(), a), a);
  doc.AddMember("servers", list, a);
  return json::to_string(doc);
}

}  // namespace awmg::gateway
