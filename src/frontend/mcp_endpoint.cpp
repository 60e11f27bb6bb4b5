#include "frontend/mcp_endpoint.hpp"

#include "base/strings.hpp"
#include "frontend/backend_requests.hpp"
#include "frontend/framing.hpp"
#include "frontend/streaming_exchange.hpp"
#include "http/host_check.hpp"
#include "http/sse.hpp"
#include "log/logger.hpp"
#include "log/sanitizer.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::frontend {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

using http::header;

http::Response plain(const http::Request& req, unsigned status, const std::string& text) {
  return http::make_response(req, status, text + "\n");
}

http::Response rpc_failure(const http::Request& req, unsigned status, int code, const std::string& message) {
  return http::make_response(req, status, mcp::error_message("null", code, message), "application/json");
}

// The session a request names, when it exists on this route and belongs to the request's agent: a session id
// alone never lets another agent act in a session (and an agent cannot tell others' sessions from unknown
// ids).
std::shared_ptr<Session> own_session(const FrontDoor& door, const http::Request& req, std::string_view id,
                                     const std::string& route) {
  auto session = door.sessions.find(std::string(id));
  if (!session || session->route != route) return nullptr;
  auto agent =
      agent_identity(header(req, "X-Agent-ID"), header(req, "Authorization"), door.agents_scoped_by_key);
  if (!agent || *agent != session->agent) return nullptr;
  session->touch();  // only the owner keeps a session alive
  return session;
}

// The session a POST belongs to, creating one at initialize (and, for a bare tools/call, the
// Gemini-compatible automatic initialize). Returns an error response when there is none.
std::variant<std::shared_ptr<Session>, http::Response> session_for_post(const FrontDoor& door,
                                                                        const http::Request& req,
                                                                        const std::string& route,
                                                                        const std::string& method) {
  if (auto id = header(req, "Mcp-Session-Id")) {
    auto session = own_session(door, req, *id, route);
    if (!session) return plain(req, 404, "session not found");
    return session;
  }
  if (method != "initialize" && method != "tools/call") {
    return plain(req, 400, "Bad Request: Mcp-Session-Id header is required");
  }
  auto agent =
      agent_identity(header(req, "X-Agent-ID"), header(req, "Authorization"), door.agents_scoped_by_key);
  if (!agent) return plain(req, 400, "no server available");
  auto session = door.sessions.create(*agent, route);
  if (method == "tools/call") {
    session->initialized = true;
    log::warn("client", "Gemini-compat: tools/call without a session; initialized session " +
                            log::short_session_id(session->id) + " automatically");
  }
  return session;
}

// What a POST asks for, decided without waiting: either a response already, or a request to answer.
struct PostPlan {
  std::optional<http::Response> response;
  std::shared_ptr<Session> session;
  std::shared_ptr<json::Document> message;
  std::string id;  // the request's, exactly as the client wrote it
  Accepts accepts;
  bool stream = false;
};

std::string base_content_type(const http::Request& req) {
  std::string_view value = header(req, "Content-Type").value_or("");
  return base::to_lower(base::trim(value.substr(0, value.find(';'))));
}

PostPlan plan_post(const FrontDoor& door, const http::Request& req, const std::string& route) {
  PostPlan plan;
  if (base_content_type(req) != "application/json") {
    plan.response = plain(req, 415, "Content-Type must be 'application/json'");
    return plan;
  }
  plan.accepts = parse_accept(header(req, "Accept"));
  if (!plan.accepts.json && !plan.accepts.sse) {
    plan.response =
        plain(req, 406, "Not Acceptable: Accept must include application/json or text/event-stream");
    return plan;
  }
  if (auto version = header(req, "MCP-Protocol-Version");
      version && !mcp::supported_protocol_version(*version)) {
    plan.response = plain(req, 400,
                          std::string("Bad Request: Unsupported protocol version (supported versions: ") +
                              mcp::kSupportedVersionsText + ")");
    return plan;
  }
  auto doc = json::parse(req.body(), 128);
  if (!doc) {
    plan.response = rpc_failure(req, 400, mcp::kParseError, "Parse error: " + doc.error().message);
    return plan;
  }
  if (doc->IsArray()) {
    plan.response = rpc_failure(req, 400, mcp::kInvalidRequest, "batch requests are not supported");
    return plan;
  }
  auto kind = mcp::classify(*doc);
  if (kind == mcp::MessageKind::kInvalid) {
    plan.response = rpc_failure(req, 400, mcp::kInvalidRequest, "Invalid Request");
    return plan;
  }
  std::string method = json::string_or(*doc, "method");
  auto found = session_for_post(door, req, route, kind == mcp::MessageKind::kRequest ? method : "");
  if (auto* error = std::get_if<http::Response>(&found)) {
    plan.response = std::move(*error);
    return plan;
  }
  plan.session = std::get<std::shared_ptr<Session>>(found);
  if (kind == mcp::MessageKind::kResponse) {
    from_client(*plan.session, *doc);  // an answer to no pending request is dropped
  } else if (kind == mcp::MessageKind::kNotification) {
    door.dispatcher.notified(*plan.session, *doc, req.body());
  }
  if (kind != mcp::MessageKind::kRequest) {
    plan.response = http::make_response(req, 202, "", "application/json");
    return plan;
  }
  plan.stream = door.dispatcher.may_stream(method);
  plan.id = mcp::exact_id(*doc, req.body());
  plan.message = std::make_shared<json::Document>(std::move(*doc));
  return plan;
}

// Coroutines below follow one rule: no temporaries inside a co_await expression and no `co_return co_await`.
// GCC 12 mishandles both in places (lost or doubly resumed frames); named locals are always safe.

asio::awaitable<void> post(const FrontDoor& door, const http::Request& req, http::Responder& responder,
                           const std::string& route, const telemetry::SpanContext& trace) {
  PostPlan plan = plan_post(door, req, route);
  if (plan.response) {
    http::Response response = std::move(*plan.response);
    co_await responder.send(std::move(response));
    co_return;
  }
  if (plan.stream) {
    co_await answer_streaming(door, plan.session, plan.message, plan.id, req, responder, plan.accepts, trace);
    co_return;
  }
  std::shared_ptr<backend::EventBox> no_events;
  std::string reply =
      co_await door.dispatcher.answer(*plan.session, *plan.message, plan.id, no_events, trace);
  http::Response response = framed(req, plan.accepts, reply, plan.session->id);
  co_await responder.send(std::move(response));
}

// The GET stream's session, or the response that refuses it.
std::variant<std::shared_ptr<Session>, http::Response> session_for_get(const FrontDoor& door,
                                                                       const http::Request& req,
                                                                       const std::string& route) {
  if (!parse_accept(header(req, "Accept")).sse) {
    return plain(req, 406, "Not Acceptable: Accept must include text/event-stream");
  }
  auto id = header(req, "Mcp-Session-Id");
  if (!id) return plain(req, 400, "Bad Request: Mcp-Session-Id header is required");
  auto session = own_session(door, req, *id, route);
  if (!session) return plain(req, 404, "session not found");
  return session;
}

asio::awaitable<void> get_stream(const FrontDoor& door, const http::Request& req, http::Responder& responder,
                                 const std::string& route) {
  auto found = session_for_get(door, req, route);
  if (auto* error = std::get_if<http::Response>(&found)) {
    http::Response response = std::move(*error);
    co_await responder.send(std::move(response));
    co_return;
  }
  auto session = std::get<std::shared_ptr<Session>>(found);
  if (auto last = header(req, "Last-Event-ID")) {
    const std::string last_event_id(*last);
    bool resumed = co_await resume_stream(door, session, last_event_id, req, responder);
    if (resumed) co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  auto box = async::Mailbox<std::string>::create(executor);
  {
    std::lock_guard lock(session->stream_mutex);
    if (session->stream) session->stream->close();  // one standalone stream per session
    session->stream = box;
  }
  http::StreamHead head{bhttp::status::ok, req.version()};
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::cache_control, "no-cache");
  head.set("Mcp-Session-Id", session->id);
  bool open = co_await responder.begin_stream(std::move(head));
  while (open && !responder.stopping() && !door.shutting_down) {
    auto deadline = std::chrono::steady_clock::now() + kStreamPing;
    auto message = co_await box->receive(deadline);
    if (!message && box->closed()) break;  // replaced by a newer stream, or the session ended
    std::string chunk = message ? http::sse_event(*message) : ": ping\n\n";
    open = co_await responder.write_chunk(chunk);
  }
  {
    std::lock_guard lock(session->stream_mutex);
    if (session->stream == box) session->stream.reset();
  }
  if (open) co_await responder.end_stream();
}

http::Response delete_session(const FrontDoor& door, const http::Request& req, const std::string& route) {
  auto id = header(req, "Mcp-Session-Id");
  if (!id) return plain(req, 400, "Bad Request: Mcp-Session-Id header is required");
  auto session = own_session(door, req, *id, route);
  if (!session || !door.sessions.remove(session->id)) return plain(req, 404, "session not found");
  door.dispatcher.ended(*session);
  return http::make_response(req, 204, "");
}

// A response decided before any method-specific work: shutdown, Host/Origin, DELETE, unknown methods.
std::optional<http::Response> precheck(const FrontDoor& door, const http::Request& req,
                                       const http::Responder& responder, const std::string& route) {
  if (door.shutting_down)
    return http::make_response(req, 503, R"({"error":"Gateway is shutting down"})", "application/json");
  if (auto denied = http::check_host_and_origin(req, responder)) return denied;
  if (req.method() == bhttp::verb::delete_) return delete_session(door, req, route);
  if (req.method() != bhttp::verb::post && req.method() != bhttp::verb::get) {
    auto res = plain(req, 405, "Method Not Allowed");
    res.set(bhttp::field::allow, "GET, POST, DELETE");
    return res;
  }
  return std::nullopt;
}

}  // namespace

asio::awaitable<void> serve_mcp(const FrontDoor& door, const http::Request& req, http::Responder& responder,
                                const std::string& route, const telemetry::SpanContext& trace) {
  if (auto early = precheck(door, req, responder, route)) {
    http::Response response = std::move(*early);
    co_await responder.send(std::move(response));
  } else if (req.method() == bhttp::verb::post) {
    co_await post(door, req, responder, route, trace);
  } else {
    co_await get_stream(door, req, responder, route);
  }
}

}  // namespace awmg::frontend
