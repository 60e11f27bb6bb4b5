#include "gateway/relay.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <set>

#include "base/strings.hpp"
#include "frontend/backend_requests.hpp"
#include "log/debug.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;

namespace {

// logging/setLevel is not relayed: the gateway owns each session's log level (frontend::Session::log_level).
constexpr std::array<std::string_view, 8> kRelayed = {"resources/list",        "resources/templates/list",
                                                      "resources/read",        "resources/subscribe",
                                                      "resources/unsubscribe", "prompts/list",
                                                      "prompts/get",           "completion/complete"};

int timeout_seconds(const config::Config& config, const std::string& server) {
  const config::ServerConfig* s = config.find_server(server);
  return s && s->tool_timeout > 0 ? s->tool_timeout : config.gateway.tool_timeout;
}

}  // namespace

std::string response_for(const std::string& id, const backend::RpcReply& reply) {
  if (!reply.error_code) return mcp::result_message(id, reply.result);
  if (reply.error_data.empty()) return mcp::error_message(id, *reply.error_code, reply.error_message);
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"error":{"code":)" + std::to_string(*reply.error_code) +
         R"(,"message":)" + json::quote(reply.error_message) + R"(,"data":)" + reply.error_data + "}}";
}

namespace {

bool reads_data(std::string_view method) {
  return method != "resources/unsubscribe";
}

// The sessions that use the connection (server, connection_session): routed to that server, of that gateway
// session, or of every gateway session for the gateway's own connection (list changes only).
std::vector<std::shared_ptr<frontend::Session>> listeners(frontend::SessionStore& sessions,
                                                          const std::string& server,
                                                          const std::string& connection_session) {
  std::vector<std::shared_ptr<frontend::Session>> out;
  for (auto& s : sessions.all()) {
    if (s->route == server && s->initialized &&
        (connection_session.empty() || s->agent == connection_session))
      out.push_back(s);
  }
  return out;
}

}  // namespace

asio::awaitable<Result<std::vector<std::string>>> list_all(backend::Connection& conn,
                                                           const std::string& method, const char* field,
                                                           backend::Deadline deadline) {
  std::vector<std::string> items;
  std::set<std::string> cursors;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string params = cursor.empty() ? "{}" : R"({"cursor":)" + json::quote(cursor) + "}";
    const std::shared_ptr<backend::EventBox> no_events;  // (named arguments only: see mcp_endpoint.cpp)
    const std::string no_trace;
    auto reply = co_await conn.call(method, params, deadline, no_events, no_trace);
    if (!reply) co_return reply.error();
    if (reply->error_code) co_return Error{method + " failed: " + reply->error_message};
    auto doc = json::parse(reply->result);
    if (!doc) co_return Error{method + " returned invalid JSON: " + doc.error().message};
    const json::Value* list = json::member(*doc, field);
    if (list && list->IsArray()) {
      for (const auto& item : list->GetArray()) items.push_back(json::to_string(item));
    }
    cursor = json::string_or(*doc, "nextCursor");
    if (cursor.empty()) co_return items;
    if (!cursors.insert(cursor).second) co_return Error{method + " repeated cursor " + base::quote(cursor)};
  }
  co_return Error{method + " returned more than 100 pages"};
}

bool relayed_method(std::string_view method) {
  for (auto m : kRelayed)
    if (m == method) return true;
  return false;
}

bool relays_beyond_tools(const Guards& guards, const std::string& server) {
  return !guards.enabled() || guards.for_server(server).guard->is_noop();
}

asio::awaitable<std::string> forward_text(const Backends& backends, frontend::Session& session,
                                          const std::string& server, const std::string& id,
                                          const std::string& method, const std::string& params,
                                          const std::shared_ptr<backend::EventBox>& events,
                                          const telemetry::SpanContext& trace) {
  if (reads_data(method) && !relays_beyond_tools(backends.guards, server)) {
    co_return mcp::error_message(id, mcp::kInvalidRequest,
                                 method + " is not relayed for server " + server +
                                     ": its DIFC guard labels tool calls only, so nothing else may pass");
  }
  auto conn = co_await backends.launcher.connection(server, session.agent);
  if (!conn) co_return mcp::error_message(id, mcp::kInternalError, conn.error().message);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds(backends.config, server));
  const std::string traceparent = trace.valid() ? trace.traceparent() : "";
  auto reply = co_await (*conn)->call(method, params, deadline, events, traceparent);
  if (!reply) co_return mcp::error_message(id, mcp::kInternalError, reply.error().message);
  co_return response_for(id, *reply);
}

asio::awaitable<std::string> forward(const Backends& backends, frontend::Session& session,
                                     const std::string& server, const std::string& id,
                                     const std::string& method, const json::Value* params,
                                     const std::shared_ptr<backend::EventBox>& events,
                                     const telemetry::SpanContext& trace) {
  const std::string body = params && params->IsObject() ? json::to_string(*params) : "{}";
  std::string reply = co_await forward_text(backends, session, server, id, method, body, events, trace);
  bool subscription = method == "resources/subscribe" || method == "resources/unsubscribe";
  if (subscription) {
    auto answer = json::parse(reply);
    if (answer && json::member(*answer, "result"))
      session.subscribe(params ? json::string_or(*params, "uri") : "", method == "resources/subscribe");
  }
  co_return reply;
}

void client_notification(backend::Launcher& launcher, frontend::Session& session, const json::Value& message,
                         std::string_view raw) {
  std::string method = json::string_or(message, "method");
  const json::Value* params = json::member(message, "params");
  if (method == "notifications/cancelled" && params) {
    const json::Value* request_id = json::member(*params, "requestId");
    // Keyed as the request's id was: digit for digit.
    const backend::EventBox* events =
        request_id ? session.in_flight(mcp::exact_member(message, raw, {"params", "requestId"})) : nullptr;
    if (!events) return;
    std::string reason = json::string_or(*params, "reason", "cancelled by the client");
    for (auto& conn : launcher.connections_of(session.agent)) conn->cancel(events, reason);
  } else if (method == "notifications/roots/list_changed" && !session.route.empty()) {
    for (auto& conn : launcher.connections_of(session.agent, session.route)) conn->notify(method, "");
  }
}

void deliver(const Guards& guards, frontend::SessionStore& sessions,
             const std::function<void(const std::string&)>& refresh_tools, const std::string& server,
             const std::string& connection_session, const backend::Event& event) {
  auto doc = json::parse(event.json);
  if (!doc) return;
  std::string method = json::string_or(*doc, "method");
  // The gateway's own connection (tool registration) belongs to no agent: only list changes from it matter.
  bool own = connection_session.empty();
  bool list_change = method == "notifications/tools/list_changed" ||
                     method == "notifications/prompts/list_changed" ||
                     method == "notifications/resources/list_changed";
  // A guarded server's data reaches clients only as tool results its guard labelled: its log lines, progress
  // messages and requests to the client (which carry what the backend chooses) are not relayed.
  bool unlabeled = !list_change && !relays_beyond_tools(guards, server);
  if ((own && !list_change) || unlabeled) {
    if (event.kind == backend::Event::Kind::kRequest) {
      frontend::refuse(event,
                       own ? "the gateway's own connection to " + server + " takes no requests"
                           : "requests from " + server + " would reach the client unlabeled by its guard");
    } else {
      static const log::Debug debug("backend:relay");
      if (debug.enabled()) debug.print("dropped " + method + " from " + server);
    }
    return;
  }
  if (event.kind == backend::Event::Kind::kRequest) {
    for (auto& s : listeners(sessions, server, connection_session)) {
      if (!s->takes(method)) continue;
      auto message = frontend::to_client(*s, event);
      if (!message) return;
      if (s->push_to_stream(*message)) return;
      if (auto sent = json::parse(*message)) s->take_outbound(json::to_string((*sent)["id"]));
    }
    frontend::refuse(event, "no client session of the gateway is listening for requests from " + server);
    return;
  }
  if (method == "notifications/tools/list_changed") {
    refresh_tools(server);
    return;
  }
  std::string uri;
  if (method == "notifications/resources/updated") {
    const json::Value* params = json::member(*doc, "params");
    uri = params ? json::string_or(*params, "uri") : "";
  }
  for (auto& s : listeners(sessions, server, connection_session)) {
    if (!uri.empty() && !s->subscribed(uri)) continue;
    if (s->shows(event)) s->push_to_stream(event.json);
  }
  if (list_change) log::Logger::instance().server(server, log::Level::kInfo, "backend", "relayed " + method);
}

}  // namespace awmg::gateway
