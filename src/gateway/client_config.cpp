#include "gateway/client_config.hpp"

#include <rapidjson/document.h>

#include "json/json.hpp"

namespace awmg::gateway {
namespace {

// Splits "host:port" / "[v6]:port"; false when there is no port.
bool split_host_port(const std::string& listen, std::string& host, std::string& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) return false;
  host = listen.substr(0, colon);
  port = listen.substr(colon + 1);
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string client_host_port(const std::string& listen) {
  std::string host, port;
  if (!split_host_port(listen, host, port)) return "127.0.0.1:3000";
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") host = "127.0.0.1";
  return host + ":" + port;
}

std::string client_config_document(const config::Config& config, const std::string& listen, bool tls,
                                   bool unified) {
  std::string base = std::string(tls ? "https" : "http") + "://" + client_host_port(listen) + "/mcp";
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  rapidjson::Value servers(rapidjson::kObjectType);
  for (const auto& s : config.servers) {
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("type", "http", a);
    entry.AddMember("url", rapidjson::Value((unified ? base : base + "/" + s.id).c_str(), a), a);
    rapidjson::Value headers(rapidjson::kObjectType);
    // With several agent ids, the first (the primary agent's): the others' holders are configured elsewhere.
    headers.AddMember("Authorization", rapidjson::Value(config.gateway.keys().front().c_str(), a), a);
    entry.AddMember("headers", headers, a);
    if (!s.tools.empty()) {
      rapidjson::Value tools(rapidjson::kArrayType);
      for (const auto& t : s.tools) tools.PushBack(rapidjson::Value(t.c_str(), a), a);
      entry.AddMember("tools", tools, a);
    }
    servers.AddMember(rapidjson::Value(s.id.c_str(), a), entry, a);
  }
  doc.AddMember("mcpServers", servers, a);
  return json::to_pretty_string(doc) + "\n";
}

}  // namespace awmg::gateway
