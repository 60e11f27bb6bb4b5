#include "gateway/mcp_methods.hpp"

#include "base/version.hpp"
#include "gateway/relay.hpp"
#include "gateway/tool_call.hpp"
#include "gateway/unified_resources.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;

namespace {

constexpr size_t kPageSize = 1000;

struct Target {
  std::string server;
  std::string name;
};

// A client-facing tool or prompt name: unified `<server>___<name>`, routed the plain name on the route's
// server.
std::optional<Target> resolve(const frontend::Session& session, const std::string& exposed) {
  if (!session.route.empty()) return Target{session.route, exposed};
  auto sep = exposed.find(kUnifiedSeparator);
  if (sep == std::string::npos) return std::nullopt;
  return Target{exposed.substr(0, sep), exposed.substr(sep + 3)};
}

// One page of a list: items [offset, offset + kPageSize) and the next cursor.
std::string page(const std::vector<std::string>& items, size_t offset, const char* field) {
  std::string out = "{\"" + std::string(field) + "\":[";
  size_t end = std::min(items.size(), offset + kPageSize);
  for (size_t i = offset; i < end; ++i) out += (i > offset ? "," : "") + items[i];
  out += "]";
  if (end < items.size()) out += R"(,"nextCursor":)" + json::quote(std::to_string(end));
  return out + "}";
}

std::optional<size_t> cursor_offset(const json::Value* params) {
  std::string cursor = params ? json::string_or(*params, "cursor") : "";
  if (cursor.empty()) return 0;
  char* end = nullptr;
  unsigned long long n = std::strtoull(cursor.c_str(), &end, 10);
  if (*end) return std::nullopt;
  return static_cast<size_t>(n);
}

std::string list_tools(const Backends& backends, const frontend::Session& session, const std::string& id,
                       const json::Value* params) {
  auto offset = cursor_offset(params);
  if (!offset) return mcp::error_message(id, mcp::kInvalidParams, "invalid cursor");
  std::vector<std::string> items;
  for (const auto& t : backends.registry.tools(session.route))
    items.push_back(exposed_tool(t, session.route.empty()));
  return mcp::result_message(id, page(items, *offset, "tools"));
}

std::string list_prompts(const Backends& backends, const std::string& id, const json::Value* params) {
  auto offset = cursor_offset(params);
  if (!offset) return mcp::error_message(id, mcp::kInvalidParams, "invalid cursor");
  std::vector<std::string> items;
  for (const auto& p : backends.registry.prompts()) {
    if (!relays_beyond_tools(backends.guards, p.server_id)) continue;  // its prompts/get would be refused
    auto doc = json::parse(p.definition);
    if (!doc) continue;
    auto& a = doc->GetAllocator();
    std::string name = p.server_id + kUnifiedSeparator + p.name;
    std::string description = "[" + p.server_id + "] " + json::string_or(*doc, "description");
    doc->RemoveMember("name");
    doc->RemoveMember("description");
    doc->AddMember("name", rapidjson::Value(name.c_str(), a), a);
    doc->AddMember("description", rapidjson::Value(description.c_str(), a), a);
    items.push_back(json::to_string(*doc));
  }
  return mcp::result_message(id, page(items, *offset, "prompts"));
}

asio::awaitable<std::string> call(const Backends& backends, frontend::Session& session, const std::string& id,
                                  const json::Value* params, const std::shared_ptr<backend::EventBox>& events,
                                  const telemetry::SpanContext& trace) {
  std::string name = params ? json::string_or(*params, "name") : "";
  auto target = resolve(session, name);
  if (!target || !backends.registry.find_tool(target->server, target->name)) {
    co_return mcp::error_message(id, mcp::kInvalidParams, "unknown tool \"" + name + "\"");
  }
  static const json::Value empty(rapidjson::kObjectType);
  const json::Value& call_params = params ? *params : empty;
  std::string result =
      co_await call_tool(backends, session, target->server, target->name, call_params, events, trace);
  co_return mcp::result_message(id, result);
}

asio::awaitable<std::string> get_prompt(const Backends& backends, frontend::Session& session,
                                        const std::string& id, const json::Value* params,
                                        const std::shared_ptr<backend::EventBox>& events,
                                        const telemetry::SpanContext& trace) {
  std::string name = params ? json::string_or(*params, "name") : "";
  auto target = session.route.empty() ? resolve(session, name) : std::nullopt;
  if (!target || !backends.registry.find_prompt(target->server, target->name)) {
    co_return mcp::error_message(id, mcp::kInvalidParams, "unknown prompt \"" + name + "\"");
  }
  const json::Value* args = params ? json::member(*params, "arguments") : nullptr;
  const std::string backend_params = R"({"name":)" + json::quote(target->name) + R"(,"arguments":)" +
                                     (args && args->IsObject() ? json::to_string(*args) : "{}") + "}";
  const std::string method = "prompts/get";
  std::string reply =
      co_await forward_text(backends, session, target->server, id, method, backend_params, events, trace);
  co_return reply;
}

std::string unified_capabilities(const Backends& backends) {
  std::string capabilities = R"({"logging":{},"tools":{"listChanged":true})";
  if (backends.registry.has_prompts()) capabilities += R"(,"prompts":{"listChanged":true})";
  if (any_unified_resources(backends)) capabilities += R"(,"resources":{})";
  return capabilities + "}";
}

// A routed endpoint offers what its backend offers (it relays all of it), with the gateway's own tools list.
std::string routed_capabilities(const Backends& backends, const std::string& server) {
  auto doc = json::parse(backends.registry.capabilities(server));
  if (!doc || !doc->IsObject()) return unified_capabilities(backends);
  auto& a = doc->GetAllocator();
  doc->RemoveMember("tools");
  json::Value tools(rapidjson::kObjectType);
  tools.AddMember("listChanged", true, a);
  doc->AddMember("tools", tools, a);
  if (!json::member(*doc, "logging")) doc->AddMember("logging", json::Value(rapidjson::kObjectType), a);
  return json::to_string(*doc);
}

// The gateway serves the logging capability it advertises itself, whatever the backend implements.
std::string set_log_level(frontend::Session& session, const std::string& id, const json::Value* params) {
  std::string level = params ? json::string_or(*params, "level") : "";
  auto severity = mcp::log_severity(level);
  if (!severity)
    return mcp::error_message(id, mcp::kInvalidParams,
                              "invalid log level " + json::quote(level) +
                                  ": one of debug, info, notice, warning, error, critical, alert, emergency");
  session.log_level = *severity;
  return mcp::result_message(id, "{}");
}

frontend::Session::Capabilities client_capabilities(const json::Value* params) {
  const json::Value* caps = params ? json::member(*params, "capabilities") : nullptr;
  frontend::Session::Capabilities out;
  if (!caps || !caps->IsObject()) return out;
  out.sampling = json::member(*caps, "sampling") != nullptr;
  out.elicitation = json::member(*caps, "elicitation") != nullptr;
  out.roots = json::member(*caps, "roots") != nullptr;
  return out;
}

}  // namespace

std::string initialize_result(const Backends& backends, const frontend::Session& session,
                              const std::string& client_version) {
  std::string version =
      mcp::supported_protocol_version(client_version) ? client_version : mcp::kLatestProtocolVersion;
  std::string name = session.route.empty() ? "awmg-unified" : "awmg-" + session.route;
  std::string capabilities =
      session.route.empty() ? unified_capabilities(backends) : routed_capabilities(backends, session.route);
  return R"({"protocolVersion":)" + json::quote(version) + R"(,"capabilities":)" + capabilities +
         R"(,"serverInfo":{"name":)" + json::quote(name) + R"(,"version":)" +
         json::quote(base::version_string()) + "}}";
}

asio::awaitable<std::string> answer_request(const Backends& backends, frontend::Session& session,
                                            const json::Value& request, const std::string& id,
                                            const std::shared_ptr<backend::EventBox>& events,
                                            const telemetry::SpanContext& trace) {
  std::string method = json::string_or(request, "method");
  const json::Value* params = json::member(request, "params");
  if (method == "initialize") {
    session.protocol_version = params ? json::string_or(*params, "protocolVersion") : "";
    session.set_capabilities(client_capabilities(params));
    std::string result = initialize_result(backends, session, session.protocol_version);
    session.initialized = true;
    co_return mcp::result_message(id, result);
  }
  if (method == "ping") co_return mcp::result_message(id, "{}");
  if (!session.initialized) {
    co_return mcp::error_message(id, mcp::kInvalidRequest,
                                 "method \"" + method + "\" is invalid during session initialization");
  }
  if (method == "tools/list") co_return list_tools(backends, session, id, params);
  if (method == "logging/setLevel") co_return set_log_level(session, id, params);
  if (method == "tools/call") {
    std::string reply =
        co_await call(backends, session, id, params, events, trace);  // (no `co_return co_await`: GCC 12)
    co_return reply;
  }
  if (!session.route.empty() && relayed_method(method)) {
    std::string reply = co_await forward(backends, session, session.route, id, method, params, events, trace);
    co_return reply;
  }
  if (method == "prompts/list") co_return list_prompts(backends, id, params);
  if (method == "prompts/get") {
    std::string reply = co_await get_prompt(backends, session, id, params, events, trace);
    co_return reply;
  }
  if (method == "resources/list" || method == "resources/templates/list") {
    std::string reply = co_await list_unified_resources(backends, session, id, method);
    co_return reply;
  }
  if (method == "resources/read") {
    std::string reply = co_await read_unified_resource(backends, session, id, params);
    co_return reply;
  }
  if (relayed_method(method)) {
    co_return mcp::error_message(
        id, mcp::kMethodNotFound,
        method + " is not available on the unified endpoint /mcp: use /mcp/<server>");
  }
  co_return mcp::error_message(id, mcp::kMethodNotFound, "Method not found");
}

}  // namespace awmg::gateway
