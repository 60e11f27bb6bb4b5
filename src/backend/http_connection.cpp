#include "backend/http_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "async/deadlines.hpp"
#include "async/sleep.hpp"
#include "base/strings.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::backend {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using async::sleep_for;

namespace {

constexpr size_t kMaxBody = 64u << 20;  // the same bound as a stdio line
constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr int kResumeAttempts = 5;
constexpr std::chrono::milliseconds kRenewPoll(10);
const std::string kNoBody;

asio::awaitable<void> end_session(const std::shared_ptr<http::Client>& client,
                                  const std::map<std::string, std::string>& headers,
                                  const std::string& target) {
  const std::shared_ptr<http::Abort> no_abort;
  auto done = co_await client->send(bhttp::verb::delete_, target, headers, kNoBody, no_abort);
  client->close_idle();
}

bool success(unsigned status) {
  return status >= 200 && status < 300;
}

std::string snippet(const std::string& body) {
  std::string s = body.substr(0, 200);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

HttpConnection::HttpConnection(asio::io_context& io, Options options, http::Url url, Mode mode)
    : RpcConnection(io, options.server_id, options.tags),
      io_(io),
      options_(std::move(options)),
      url_(url),
      post_url_(url),
      client_(std::make_shared<http::Client>(url, options_.connect_timeout)),
      mode_(mode),
      stream_abort_(std::make_shared<http::Abort>(strand_)) {}

HttpConnection::~HttpConnection() {
  client_->close_idle();
}

asio::awaitable<Result<std::shared_ptr<HttpConnection>>> HttpConnection::start(asio::io_context& io,
                                                                               const Options& options,
                                                                               Deadline deadline) {
  auto url = http::Url::parse(options.url);
  if (!url) co_return Error{"server " + options.server_id + ": " + url.error().message};
  std::string errors;
  static constexpr Mode kModes[] = {Mode::kStreamable, Mode::kSse};  // (plain JSON: a lenient streamable)
  static constexpr const char* kNames[] = {"streamable", "SSE"};
  for (size_t i = 0; i < std::size(kModes); ++i) {
    Mode mode = kModes[i];
    auto conn = std::make_shared<HttpConnection>(io, options, *url, mode);
    auto attempt_deadline = std::min(deadline, std::chrono::steady_clock::now() + options.connect_timeout);
    // The connection's coroutines run on its strand, its start too. (A callback and a mailbox, not
    // use_awaitable: GCC 12 releases the lambda's captures twice on that path.)
    auto done = async::Mailbox<std::string>::create(co_await asio::this_coro::executor);
    asio::co_spawn(
        conn->strand_, [conn, attempt_deadline] { return conn->connect(attempt_deadline); },
        [done](std::exception_ptr failure, std::string error) {
          done->push(failure ? "the connection attempt failed" : std::move(error));
        });
    auto result = co_await done->receive(std::chrono::steady_clock::time_point::max());
    std::string error = result.value_or("the connection attempt was abandoned");
    if (error.empty()) co_return conn;
    conn->close();
    errors += std::string(errors.empty() ? "" : "; ") + kNames[i] + ": " + error;
  }
  co_return Error{"failed to connect using any HTTP transport (tried streamable, SSE, and plain JSON-RPC): " +
                  errors};
}

asio::awaitable<std::string> HttpConnection::connect(const Deadline& deadline) {
  auto& logger = log::Logger::instance();
  if (mode_ == Mode::kSse) {
    auto opened = co_await open_legacy_stream(deadline);
    if (!opened) co_return opened.error().message;
    logger.server(
        server_id_, log::Level::kWarn, "backend",
        "connected over the deprecated HTTP+SSE transport (2024-11-05); Streamable HTTP is recommended");
  }
  auto ready = co_await handshake(deadline);
  if (!ready) co_return ready.error().message;
  if (auto doc = json::parse(initialize_result())) {
    std::lock_guard lock(mutex_);
    protocol_version_ = json::string_or(*doc, "protocolVersion");
  }
  if (mode_ == Mode::kStreamable && !session_id().empty()) {
    auto me = self();
    asio::co_spawn(
        strand_, [me] { return me->reopen_stream(); }, asio::detached);
  }
  if (options_.keepalive.count() > 0) {
    std::weak_ptr<HttpConnection> weak = self();
    asio::co_spawn(
        strand_, [weak, interval = options_.keepalive] { return keepalive(weak, interval); }, asio::detached);
  }
  co_return std::string();
}

asio::awaitable<Result<std::map<std::string, std::string>>> HttpConnection::authorized_headers(
    const bool& with_session) {
  auto h = headers(with_session);
  if (!options_.oidc) co_return h;
  auto token = co_await options_.oidc->token(options_.audience);
  if (!token) co_return token.error();
  h["Authorization"] = "Bearer " + *token;
  co_return h;
}

asio::awaitable<Result<std::map<std::string, std::string>>> HttpConnection::event_stream_headers(
    const bool& with_session) {
  auto h = co_await authorized_headers(with_session);
  if (!h) co_return h;
  h->erase("Content-Type");
  (*h)["Accept"] = "text/event-stream";
  co_return h;
}

std::map<std::string, std::string> HttpConnection::headers(bool with_session) const {
  std::map<std::string, std::string> h{{"Content-Type", "application/json"},
                                       {"Accept", "application/json, text/event-stream"}};
  std::lock_guard lock(mutex_);
  if (with_session && !session_id_.empty()) h["Mcp-Session-Id"] = session_id_;
  if (!protocol_version_.empty()) h["MCP-Protocol-Version"] = protocol_version_;
  for (const auto& [name, value] : options_.headers) h[name] = value;
  return h;
}

// Messages that answer nothing (notifications, responses to the backend) go out in the background, each in a
// coroutine of its own on a strand of its own, bounded by the connect timeout.
void HttpConnection::transmit(std::string message, std::optional<int64_t> id, const asio::any_io_executor&) {
  if (mode_ == Mode::kPlainJson && !id && is_notification(message)) return;  // it takes none
  asio::co_spawn(
      asio::make_strand(io_),
      [me = self(), message = std::move(message), id] { return me->post(message, id, false); },
      asio::detached);
}

asio::awaitable<void> HttpConnection::send_request(const std::string& message, const int64_t& id,
                                                   const asio::any_io_executor&, const Deadline& deadline) {
  // At the deadline the caller gives up on the call, which aborts its exchange, so this returns; the caller's
  // own timeout answers then.
  async::ScopedDeadline limit;
  if (deadline != Deadline::max()) {
    std::weak_ptr<HttpConnection> weak = self();
    limit = async::ScopedDeadline(io_, deadline, [weak, id] {
      if (auto me = weak.lock()) me->give_up(id);
    });
  }
  const std::optional<int64_t> request = id;
  co_await post(message, request, false);
}

std::string HttpConnection::session_id() const {
  std::lock_guard lock(mutex_);
  return session_id_;
}

std::shared_ptr<http::Abort> HttpConnection::track(int64_t id, asio::any_io_executor executor) {
  auto abort = std::make_shared<http::Abort>(std::move(executor), deadline_of(id).value_or(Deadline::max()));
  std::lock_guard lock(mutex_);
  in_flight_[id] = abort;
  return abort;
}

void HttpConnection::untrack(int64_t id, const std::shared_ptr<http::Abort>& abort) {
  std::lock_guard lock(mutex_);
  auto it = in_flight_.find(id);
  if (it != in_flight_.end() && it->second == abort) in_flight_.erase(it);
}

bool HttpConnection::renewing() const {
  std::lock_guard lock(mutex_);
  return renewing_;
}

bool HttpConnection::is_notification(const std::string& message) {
  auto doc = json::parse(message);
  return doc && mcp::classify(*doc) == mcp::MessageKind::kNotification;
}

bool HttpConnection::deliver(const std::string& text, const std::optional<int64_t>& id) {
  auto doc = json::parse(text);
  if (!doc) {
    receive(text);  // (it logs what is wrong)
    return false;
  }
  if (doc->IsArray()) {  // a batch
    bool answered = false;
    for (const auto& item : doc->GetArray()) answered = deliver(json::to_string(item), id) || answered;
    return answered;
  }
  const json::Value* message_id =
      doc->IsObject() && !json::member(*doc, "method") ? json::member(*doc, "id") : nullptr;
  bool answers = id && message_id && message_id->IsInt64() && message_id->GetInt64() == *id;
  dispatch(*doc, text, id);
  return answers;
}

// Streamable HTTP servers may refuse requests that overtake notifications/initialized: wait for it to land.
asio::awaitable<void> HttpConnection::initialized() {
  const std::string message = mcp::notification_message("notifications/initialized", "");
  const std::optional<int64_t> none;
  record("OUT", "notifications/initialized", message);
  co_await post(message, none, false);
}

void HttpConnection::fail(std::optional<int64_t> id, const std::string& reason) {
  if (id) {
    fail_call(*id, "backend " + server_id_ + ": " + reason);
  } else {
    log::Logger::instance().server(server_id_, log::Level::kWarn, "backend",
                                   "a message was not delivered: " + reason);
  }
}

asio::awaitable<void> HttpConnection::post(const std::string& message, const std::optional<int64_t>& id,
                                           bool retried) {
  auto me = self();
  auto executor = co_await asio::this_coro::executor;
  bool handshake = message.find(R"("method":"initialize")") != std::string::npos ||
                   message.find(R"("method":"notifications/initialized")") != std::string::npos;
  // A request whose caller gave up meanwhile (its deadline passed) is not sent: a write it asked for must not
  // happen after the caller was told it failed.
  while (!handshake && renewing()) {  // the new session id is coming
    if (id && !waiting(*id)) co_return;
    co_await sleep_for(kRenewPoll);
  }
  if (id && !waiting(*id)) co_return;
  const bool with_session = true;
  auto prepared = co_await authorized_headers(with_session);
  if (!prepared) {
    fail(id, prepared.error().message);
    co_return;
  }
  if (std::string trace = id ? traceparent_of(*id) : ""; !trace.empty()) (*prepared)["traceparent"] = trace;
  auto abort = id ? track(*id, executor) : std::make_shared<http::Abort>(executor);
  if (id && !waiting(*id)) {  // given up while the headers were prepared, before its abort was registered
    untrack(*id, abort);
    co_return;
  }
  // Requests are bounded by their caller (who abandons them); anything else by the connect timeout.
  async::ScopedDeadline limit;
  if (!id)
    limit = async::ScopedDeadline(io_, std::chrono::steady_clock::now() + options_.connect_timeout,
                                  [abort] { (*abort)(); });
  std::string sent_session = session_id();
  auto exchange = co_await client_->send(bhttp::verb::post, post_url_.target, *prepared, message, abort);
  if (!exchange) {
    fail(id, exchange.error().message);
  } else if (unsigned status = (*exchange)->status();
             status == 404 && !sent_session.empty() && !retried && mode_ != Mode::kSse) {
    exchange->reset();
    if (id) {  // a caller waits: only until its deadline
      asio::co_spawn(
          strand_, [me, message, id, sent_session] { return me->renew_and_retry(message, id, sent_session); },
          asio::detached);
    } else {
      co_await renew_and_retry(message, id, sent_session);
    }
  } else if (mode_ == Mode::kSse) {
    auto body = co_await (*exchange)->read_all(kMaxErrorBody);
    if (!success(status)) fail(id, "HTTP " + std::to_string(status) + ": " + snippet(body ? *body : ""));
  } else if (!success(status)) {
    auto body = co_await (*exchange)->read_all(kMaxErrorBody);
    std::string text = body ? *body : "";
    auto doc = json::parse(text);
    if (message.find(R"("method":"notifications/initialized")") != std::string::npos &&
        mode_ == Mode::kStreamable) {
      mode_ = Mode::kPlainJson;
      log::Logger::instance().server(server_id_, log::Level::kWarn, "backend",
                                     "the backend refused a notification (HTTP " + std::to_string(status) +
                                         "); speaking plain JSON-RPC over POST to it from now on");
    } else if (doc && mcp::classify(*doc) == mcp::MessageKind::kResponse && json::member(*doc, "error") &&
               deliver(text, id)) {
      // the backend's own JSON-RPC error for this request
    } else {
      fail(id, "HTTP " + std::to_string(status) + ": " + snippet(text));
    }
  } else {
    if (sent_session.empty()) {
      std::lock_guard lock(mutex_);
      if (session_id_.empty()) session_id_ = (*exchange)->header("Mcp-Session-Id");
    }
    co_await read_answer(**exchange, id);
  }
  limit.cancel();
  if (id) untrack(*id, abort);
}

asio::awaitable<void> HttpConnection::read_answer(http::Exchange& exchange,
                                                  const std::optional<int64_t>& id) {
  std::string type = exchange.content_type();
  if (exchange.status() == 202 || exchange.status() == 204) {
    auto drained = co_await exchange.read_all(kMaxErrorBody);  // (so the connection can be used again)
    (void)drained;
    if (id) fail(id, "the backend accepted the request but sent no answer");
    co_return;
  }
  if (type == "application/json") {
    auto body = co_await exchange.read_all(kMaxBody);
    if (!body) {
      fail(id, "reading the answer failed: " + body.error().message);
      co_return;
    }
    deliver(*body, id);
  } else if (type == "text/event-stream") {
    auto parser = std::make_shared<http::SseParser>();
    bool complete = co_await read_events(exchange, *parser, id);
    if (!complete && id && waiting(*id)) {
      asio::co_spawn(
          strand_, [me = self(), id = *id, parser] { return me->resume(id, parser); }, asio::detached);
      co_return;
    }
  } else {
    auto body = co_await exchange.read_all(kMaxErrorBody);
    bool acknowledgement = !id && body && body->empty();  // an empty 200 to a notification
    if (!acknowledgement)
      fail(id, "the backend answered with content type '" + type + "', not JSON or an event stream");
  }
  if (id) fail(id, "the backend ended its answer without a response");  // (a no-op once answered)
}

asio::awaitable<bool> HttpConnection::read_events(http::Exchange& exchange, http::SseParser& parser,
                                                  const std::optional<int64_t>& id) {
  while (true) {
    auto piece = co_await exchange.read_some();
    if (!piece || piece->empty()) co_return false;
    bool answered = false;
    for (auto& event : parser.feed(*piece)) {
      if (event.type == "message" && !event.data.empty()) answered = deliver(event.data, id) || answered;
    }
    if (parser.buffered() > kMaxBody) {
      fail(id, "the backend sent an event larger than 64 MiB");
      co_return true;
    }
    if (answered || (id && !waiting(*id)))
      co_return true;  // answered or abandoned: the stream served its call
  }
}

asio::awaitable<void> HttpConnection::resume(const int64_t& id,
                                             const std::shared_ptr<http::SseParser>& parser) {
  auto me = self();
  for (int attempt = 0; attempt < kResumeAttempts && waiting(id) && alive_; ++attempt) {
    if (parser->last_event_id().empty()) break;
    const std::chrono::milliseconds delay(std::clamp(parser->retry_ms().value_or(1000), 0, 5000));
    co_await sleep_for(delay);
    if (!waiting(id)) break;
    const bool with_session = true;
    auto prepared = co_await event_stream_headers(with_session);
    if (!prepared) {
      fail(id, prepared.error().message);
      break;
    }
    auto h = std::move(*prepared);
    h["Last-Event-ID"] = parser->last_event_id();
    auto abort = track(id, co_await asio::this_coro::executor);
    if (!waiting(id)) {
      untrack(id, abort);
      break;
    }
    auto exchange = co_await client_->send(bhttp::verb::get, post_url_.target, h, kNoBody, abort);
    bool complete = true;
    if (!exchange) {
      fail(id, "resuming the stream failed: " + exchange.error().message);
    } else if (!success((*exchange)->status()) || (*exchange)->content_type() != "text/event-stream") {
      fail(id, "the backend closed the stream before answering and refused to resume it (HTTP " +
                   std::to_string((*exchange)->status()) + ")");
    } else {
      complete = co_await read_events(**exchange, *parser, id);
    }
    untrack(id, abort);
    if (complete) break;
  }
  fail(id, "the backend closed the stream before answering");  // (a no-op once answered)
}

asio::awaitable<void> HttpConnection::renew_and_retry(const std::string& message,
                                                      const std::optional<int64_t>& id,
                                                      const std::string& expired) {
  auto me = self();
  bool renewed = co_await renew_session(expired);
  if (!renewed) {
    fail(id, "the backend lost its session and could not start a new one");
    close();  // the next use connects afresh
    co_return;
  }
  if (id && !waiting(*id)) co_return;
  co_await post(message, id, true);
}

asio::awaitable<bool> HttpConnection::renew_session(const std::string& expired) {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (!renewing_) {
        if (session_id_ != expired) co_return !session_id_.empty();  // another request renewed it already
        renewing_ = true;
        session_id_.clear();
        break;
      }
    }
    co_await sleep_for(kRenewPoll);
  }
  log::Logger::instance().server(
      server_id_, log::Level::kWarn, "backend",
      "the backend does not know our session any more (HTTP 404); initializing again");
  const Deadline deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
  auto ready = co_await handshake(deadline);
  bool renewed = false, listening = false;
  {
    std::lock_guard lock(mutex_);
    renewing_ = false;
    renewed = ready && !session_id_.empty();
    listening = listening_;
  }
  if (renewed && !listening && mode_ == Mode::kStreamable) {  // the GET stream ended with the old session
    auto me = self();
    asio::co_spawn(
        strand_, [me] { return me->reopen_stream(); }, asio::detached);
  }
  co_return renewed;
}

void HttpConnection::abandoned(int64_t id) {
  std::shared_ptr<http::Abort> abort;
  {
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) return;
    abort = std::move(it->second);
    in_flight_.erase(it);
  }
  (*abort)();
}

void HttpConnection::close() {
  if (!alive_.exchange(false)) return;
  asio::post(strand_, [me = self()] {
    (*me->stream_abort_)();
    std::map<int64_t, std::shared_ptr<http::Abort>> in_flight;
    {
      std::lock_guard lock(me->mutex_);
      in_flight.swap(me->in_flight_);
    }
    for (auto& [id, abort] : in_flight) (*abort)();
    me->fail_all("backend " + me->server_id_ + " connection closed");
    if (me->session_id().empty() || me->mode_ == Mode::kSse) return;
    asio::co_spawn(  // ends the backend's session; nobody waits for the answer
        me->strand_,
        [client = me->client_, h = me->headers(true), target = me->post_url_.target] {
          return end_session(client, h, target);
        },
        asio::detached);
  });
}

}  // namespace awmg::backend
