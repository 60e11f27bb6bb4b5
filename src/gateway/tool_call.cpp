#include "gateway/tool_call.hpp"

#include <rapidjson/document.h>

#include <algorithm>

#include "log/logger.hpp"
#include "log/sanitizer.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;

namespace {

int tool_timeout_seconds(const Gateway& gw, const config::ServerConfig& server) {
  return server.tool_timeout > 0 ? server.tool_timeout : gw.config().gateway.tool_timeout;
}

bool allowed(const config::ServerConfig& server, const std::string& tool) {
  return server.allows_all_tools() ||
         std::find(server.tools.begin(), server.tools.end(), tool) != server.tools.end();
}

// `{"name":..,"arguments":..[,"_meta":..]}` for the backend.
std::string backend_params(const std::string& tool, const json::Value& params) {
  const json::Value* args = json::member(params, "arguments");
  std::string out = R"({"name":)" + json::quote(tool) + R"(,"arguments":)" +
                    (args && args->IsObject() ? json::to_string(*args) : "{}");
  if (const json::Value* meta = json::member(params, "_meta")) out += R"(,"_meta":)" + json::to_string(*meta);
  return out + "}";
}

}  // namespace

std::string convert_tool_result(const std::string& backend_result) {
  auto doc = json::parse(backend_result);
  if (doc && doc->IsObject()) {
    auto content = doc->FindMember("content");
    if (content != doc->MemberEnd() && content->value.IsArray()) return backend_result;
    if (content != doc->MemberEnd() && content->value.IsNull()) {
      content->value.SetArray();
      return json::to_string(*doc);
    }
  }
  return R"({"content":[{"type":"text","text":)" + json::quote(backend_result) + "}]}";
}

asio::awaitable<std::string> call_tool(Gateway& gw, const Session& session, const std::string& server_id,
                                       const std::string& tool, const json::Value& params,
                                       const std::shared_ptr<backend::EventBox>& events) {
  const config::ServerConfig* server = gw.config().find_server(server_id);
  std::string args = backend_params(tool, params);
  log::info("client", "MCP tool call request, session=" + log::short_session_id(session.id) +
                          ", tool=" + server_id + "/" + tool + ", args=" + args);
  if (!server) co_return mcp::tool_error_result("unknown server " + server_id);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(tool_timeout_seconds(gw, *server));
  if (!allowed(*server, tool)) {
    co_return mcp::tool_error_result("tool \"" + tool +
                                     "\" is not in the allowed-tools list for this server");
  }
  auto conn = co_await gw.launcher().connection(server_id, session.agent);
  if (!conn) co_return mcp::tool_error_result(conn.error().message);
  const std::string method = "tools/call";
  auto reply = co_await (*conn)->call(method, args, deadline, events);
  std::string result;
  if (!reply) {
    result = mcp::tool_error_result("backend error server=" + server_id +
                                    " method=tools/call: " + reply.error().message);
  } else if (reply->error_code) {
    result = mcp::tool_error_result("backend error server=" + server_id + " method=tools/call: code=" +
                                    std::to_string(*reply->error_code) + ", message=" + reply->error_message);
  } else {
    result = convert_tool_result(reply->result);
  }
  log::info("client", "MCP tool call response, session=" + log::short_session_id(session.id) +
                          ", tool=" + server_id + "/" + tool + ", bytes=" + std::to_string(result.size()));
  co_return result;
}

}  // namespace awmg::gateway
