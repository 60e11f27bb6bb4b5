#include "gateway/unified_resources.hpp"

#include <cstring>

#include "gateway/relay.hpp"
#include "gateway/tool_registry.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;

namespace {

bool offers_resources(const Backends& backends, const std::string& server) {
  if (!relays_beyond_tools(backends.guards, server)) return false;
  auto caps = json::parse(backends.registry.capabilities(server));
  return caps && json::member(*caps, "resources");
}

// Prefixes string member `field` of `item` with `<server>___`.
void prefix(json::Value& item, const char* field, const std::string& server,
            json::Document::AllocatorType& a) {
  auto it = item.FindMember(field);
  if (it == item.MemberEnd() || !it->value.IsString()) return;
  std::string value = server + kUnifiedSeparator + it->value.GetString();
  it->value.SetString(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), a);
}

std::chrono::steady_clock::time_point deadline(const Backends& backends) {
  return std::chrono::steady_clock::now() + std::chrono::seconds(backends.config.gateway.tool_timeout);
}

}  // namespace

bool any_unified_resources(const Backends& backends) {
  for (const auto& server : backends.config.servers)
    if (offers_resources(backends, server.id)) return true;
  return false;
}

asio::awaitable<std::string> list_unified_resources(const Backends& backends, frontend::Session& session,
                                                    const std::string& id, const std::string& method) {
  bool templates = method == "resources/templates/list";
  const char* field = templates ? "resourceTemplates" : "resources";
  const char* uri_field = templates ? "uriTemplate" : "uri";
  std::string out;
  for (const auto& server : backends.config.servers) {
    if (!offers_resources(backends, server.id)) continue;
    auto conn = co_await backends.launcher.connection(server.id, session.agent);
    if (!conn) continue;
    auto items = co_await list_all(**conn, method, field, deadline(backends));
    if (!items) continue;  // one backend's failure hides its resources, not everyone's
    for (const auto& text : *items) {
      auto item = json::parse(text);
      if (!item || !item->IsObject()) continue;
      prefix(*item, "name", server.id, item->GetAllocator());
      prefix(*item, uri_field, server.id, item->GetAllocator());
      out += (out.empty() ? "" : ",") + json::to_string(*item);
    }
  }
  co_return mcp::result_message(id, "{\"" + std::string(field) + "\":[" + out + "]}");
}

asio::awaitable<std::string> read_unified_resource(const Backends& backends, frontend::Session& session,
                                                   const std::string& id, const json::Value* params) {
  std::string uri = params ? json::string_or(*params, "uri") : "";
  const size_t prefix_length = std::strlen(kUnifiedSeparator);
  auto sep = uri.find(kUnifiedSeparator);
  std::string server = sep == std::string::npos ? "" : uri.substr(0, sep);
  if (server.empty() || !backends.config.find_server(server) || !offers_resources(backends, server))
    co_return mcp::error_message(id, mcp::kResourceNotFound, "Resource not found: " + uri);
  auto conn = co_await backends.launcher.connection(server, session.agent);
  if (!conn) co_return mcp::error_message(id, mcp::kInternalError, conn.error().message);
  const std::string method = "resources/read";
  const std::string body = R"({"uri":)" + json::quote(uri.substr(sep + prefix_length)) + "}";
  const std::shared_ptr<backend::EventBox> no_events;
  const std::string no_trace;
  const auto until = deadline(backends);
  auto reply = co_await (*conn)->call(method, body, until, no_events, no_trace);
  if (!reply) co_return mcp::error_message(id, mcp::kInternalError, reply.error().message);
  if (reply->error_code) co_return response_for(id, *reply);
  auto result = json::parse(reply->result);
  if (!result || !result->IsObject()) co_return mcp::result_message(id, reply->result);
  if (auto contents = result->FindMember("contents");
      contents != result->MemberEnd() && contents->value.IsArray()) {
    for (auto& item : contents->value.GetArray())
      if (item.IsObject()) prefix(item, "uri", server, result->GetAllocator());
  }
  co_return mcp::result_message(id, json::to_string(*result));
}

}  // namespace awmg::gateway
