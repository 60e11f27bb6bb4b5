#include "backend/rpc_connection.hpp"

#include "base/version.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::backend {

namespace asio = boost::asio;

std::string progress_token(const std::string& params) {
  if (params.find("progressToken") == std::string::npos) return "";
  auto doc = json::parse(params);
  if (!doc) return "";
  const json::Value* meta = json::member(*doc, "_meta");
  const json::Value* token = meta ? json::member(*meta, "progressToken") : nullptr;
  return token ? json::to_string(*token) : "";
}

RpcConnection::RpcConnection(asio::io_context& io, std::string server_id, TagSource tags)
    : server_id_(std::move(server_id)), strand_(asio::make_strand(io)), tags_(std::move(tags)) {}

void RpcConnection::record(const char* direction, const std::string& method,
                           const std::string& payload) const {
  log::write_rpc_record({direction, server_id_, method, payload, "", tags_ ? tags_() : std::nullopt});
}

asio::awaitable<Status> RpcConnection::handshake(const Deadline& deadline) {
  const std::string method = "initialize";
  const std::string params = R"({"protocolVersion":")" + std::string(mcp::kLatestProtocolVersion) +
                             R"(","capabilities":)" + kRelayedClientCapabilities +
                             R"(,"clientInfo":{"name":"awmg","version":)" +
                             json::quote(base::version_string()) + "}}";
  const std::shared_ptr<EventBox> no_events;
  const std::string no_trace;
  auto reply = co_await call(method, params, deadline, no_events, no_trace);
  if (!reply) co_return reply.error();
  if (reply->error_code) co_return Error{"initialize failed: " + reply->error_message};
  {
    std::lock_guard lock(calls_mutex_);
    initialize_result_ = reply->result;
  }
  co_await initialized();
  co_return ok_status();
}

asio::awaitable<void> RpcConnection::initialized() {
  notify("notifications/initialized", "");
  co_return;
}

std::string RpcConnection::initialize_result() const {
  std::lock_guard lock(calls_mutex_);
  return initialize_result_;
}

asio::awaitable<Result<RpcReply>> RpcConnection::call(const std::string& method, const std::string& params,
                                                      Deadline deadline,
                                                      const std::shared_ptr<EventBox>& events,
                                                      const std::string& traceparent) {
  auto executor = co_await asio::this_coro::executor;
  auto reply = async::Mailbox<Result<RpcReply>>::create(executor);
  int64_t id = ++next_id_;
  std::string token = events ? progress_token(params) : "";
  record("OUT", method, mcp::notification_message(method, params));
  {
    std::lock_guard lock(calls_mutex_);
    if (!alive_) co_return Error{exit_reason_};
    pending_[id] = Pending{reply, events, token, deadline, traceparent};
  }
  const std::string request = mcp::request_message(std::to_string(id), method, params);
  co_await send_request(request, id, executor, deadline);
  auto answer = co_await reply->receive(deadline);
  if (answer) co_return std::move(*answer);
  give_up(id);
  notify("notifications/cancelled", R"({"requestId":)" + std::to_string(id) + R"(,"reason":"timeout"})");
  co_return Error{"backend " + server_id_ + " did not answer " + method + " in time"};
}

asio::awaitable<void> RpcConnection::send_request(const std::string& message, const int64_t& id,
                                                  const asio::any_io_executor& caller, const Deadline&) {
  transmit(message, id, caller);
  co_return;
}

std::optional<RpcConnection::Pending> RpcConnection::take(int64_t id) {
  std::lock_guard lock(calls_mutex_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  Pending p = std::move(it->second);
  pending_.erase(it);
  return p;
}

void RpcConnection::notify(std::string method, std::string params) {
  record("OUT", method, mcp::notification_message(method, params));
  if (alive_) transmit(mcp::notification_message(method, params), std::nullopt, {});
}

void RpcConnection::respond(std::string message) {
  record("OUT", "", message);
  if (alive_) transmit(std::move(message), std::nullopt, {});
}

void RpcConnection::cancel(const EventBox* events, const std::string& reason) {
  std::optional<int64_t> id;
  {
    std::lock_guard lock(calls_mutex_);
    for (const auto& [pending_id, p] : pending_)
      if (p.events.get() == events) id = pending_id;
  }
  auto pending = id ? take(*id) : std::nullopt;
  if (!pending) return;
  pending->reply->push(Error{"the request was cancelled: " + reason});
  abandoned(*id);
  notify("notifications/cancelled",
         R"({"requestId":)" + std::to_string(*id) + R"(,"reason":)" + json::quote(reason) + "}");
}

void RpcConnection::set_listener(std::function<void(Event)> listener) {
  std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

void RpcConnection::to_listener(Event event) {
  std::function<void(Event)> listener;
  {
    std::lock_guard lock(listener_mutex_);
    listener = listener_;
  }
  if (listener) {
    listener(std::move(event));
  } else if (event.kind == Event::Kind::kRequest) {
    auto doc = json::parse(event.json);
    transmit(mcp::error_message(doc ? mcp::exact_id(*doc, event.json) : "null", mcp::kMethodNotFound,
                                "no client session can take this request"),
             std::nullopt, {});
  }
}

void RpcConnection::receive(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) {
    log::Logger::instance().server(
        server_id_, log::Level::kWarn, "backend",
        "ignoring a message that is not JSON: " + std::string(text.substr(0, 200)));
    return;
  }
  dispatch(*doc, text);
}

void RpcConnection::dispatch(const json::Document& doc, std::string_view text, std::optional<int64_t> via) {
  switch (mcp::classify(doc)) {
    case mcp::MessageKind::kResponse:
      handle_response(doc, text);
      break;
    case mcp::MessageKind::kNotification:
      handle_notification(doc, text, via);
      break;
    case mcp::MessageKind::kRequest:
      handle_request(doc, text, via);
      break;
    case mcp::MessageKind::kInvalid:
      log::Logger::instance().server(
          server_id_, log::Level::kWarn, "backend",
          "ignoring invalid JSON-RPC message: " + std::string(text.substr(0, 200)));
  }
}

void RpcConnection::handle_response(const json::Value& message, std::string_view text) {
  const json::Value& id = message["id"];
  record("IN", "", std::string(text));
  auto pending = id.IsInt64() ? take(id.GetInt64()) : std::nullopt;
  if (!pending) return;  // a late answer to a call that timed out, or an id we never sent
  RpcReply reply;
  if (const json::Value* error = json::member(message, "error")) {
    const json::Value* code = json::member(*error, "code");
    reply.error_code = code && code->IsInt() ? code->GetInt() : mcp::kInternalError;
    reply.error_message = json::string_or(*error, "message", "unknown error");
    if (const json::Value* data = json::member(*error, "data")) reply.error_data = json::to_string(*data);
  } else {
    reply.result = json::to_string(message["result"]);
  }
  pending->reply->push(std::move(reply));
}

std::shared_ptr<EventBox> RpcConnection::latest_call_events() const {
  std::lock_guard lock(calls_mutex_);
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it)
    if (it->second.events) return it->second.events;
  return nullptr;
}

std::vector<std::shared_ptr<EventBox>> RpcConnection::call_events(std::optional<int64_t> via) const {
  std::vector<std::shared_ptr<EventBox>> out;
  std::lock_guard lock(calls_mutex_);
  for (const auto& [id, p] : pending_)
    if (p.events && (!via || *via == id)) out.push_back(p.events);
  return out;
}

void RpcConnection::handle_notification(const json::Value& message, std::string_view text,
                                        std::optional<int64_t> via) {
  std::string method = json::string_or(message, "method");
  if (method == "notifications/progress") {
    const json::Value* params = json::member(message, "params");
    const json::Value* token = params ? json::member(*params, "progressToken") : nullptr;
    std::string token_json = token ? json::to_string(*token) : "";
    std::lock_guard lock(calls_mutex_);
    for (auto& [id, p] : pending_) {
      if (p.events && !token_json.empty() && p.progress_token == token_json)
        p.events->push(Event{std::string(text), Event::Kind::kNotification, {}});
    }
    return;
  }
  if (method == "notifications/message") {  // a log line: to the call whose stream carried it, else to all
    auto boxes = call_events(via);
    for (auto& box : boxes) box->push(Event{std::string(text), Event::Kind::kNotification, {}});
    if (!boxes.empty()) return;
  }
  to_listener(Event{std::string(text), Event::Kind::kNotification, {}});
}

// A backend's request: ping is answered here; anything else goes to the call whose stream carried it (stdio
// cannot say: the latest call in flight), else to the listener.
void RpcConnection::handle_request(const json::Value& message, std::string_view text,
                                   std::optional<int64_t> via) {
  record("IN", "", std::string(text));
  if (json::string_or(message, "method") == "ping") {
    respond(mcp::result_message(mcp::exact_id(message, text), "{}"));
    return;
  }
  Event event{std::string(text), Event::Kind::kRequest, weak_from_this()};
  auto boxes = via ? call_events(via) : std::vector<std::shared_ptr<EventBox>>{};
  auto events = !boxes.empty() ? boxes.front() : via ? nullptr : latest_call_events();
  if (events) {
    events->push(std::move(event));
  } else {
    to_listener(std::move(event));
  }
}

bool RpcConnection::waiting(int64_t id) const {
  std::lock_guard lock(calls_mutex_);
  return pending_.count(id) > 0;
}

bool RpcConnection::give_up(int64_t id) {
  if (!take(id)) return false;
  abandoned(id);
  return true;
}

std::optional<Deadline> RpcConnection::deadline_of(int64_t id) const {
  std::lock_guard lock(calls_mutex_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  return it->second.deadline;
}

std::string RpcConnection::traceparent_of(int64_t id) const {
  std::lock_guard lock(calls_mutex_);
  auto it = pending_.find(id);
  return it == pending_.end() ? "" : it->second.traceparent;
}

void RpcConnection::fail_call(int64_t id, const std::string& reason) {
  if (auto pending = take(id)) pending->reply->push(Error{reason});
}

void RpcConnection::fail_all(const std::string& reason) {
  std::map<int64_t, Pending> failed;
  {
    std::lock_guard lock(calls_mutex_);
    if (!stopped_) exit_reason_ = reason;  // the first reason is the one later callers hear
    stopped_ = true;
    failed.swap(pending_);
  }
  for (auto& [id, p] : failed) p.reply->push(Error{reason});
}

}  // namespace awmg::backend
