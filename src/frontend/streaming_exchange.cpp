#include "frontend/streaming_exchange.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "async/deadlines.hpp"
#include "frontend/backend_requests.hpp"
#include "http/sse.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::frontend {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// The exchange's side of a request that reaches a backend: what the backend sends while it runs
// (notifications, its own requests to the client) goes out as events of a chunked SSE response, then the
// answer; a request with nothing to stream gets one ordinary response. A client that takes only JSON gets the
// answer alone, and the backend's requests are refused for it.
//
// The request is answered in the exchange's own coroutine. Most requests stream nothing, so what streams
// runs in a second coroutine, the pump, started only when the first event arrives or when a resumable
// request outlives kPrimeAfter; once started, it writes everything, the answer too.
class StreamingExchange : public std::enable_shared_from_this<StreamingExchange> {
 public:
  StreamingExchange(const std::shared_ptr<Session>& session, const http::Request& req,
                    http::Responder& responder, const Accepts& accepts, const asio::any_io_executor& executor)
      : session_(session),
        req_(req),
        responder_(responder),
        accepts_(accepts),
        stream_(accepts.sse && session->protocol_version >= kResumableSince ? session->open_stream() : 0),
        executor_(executor),
        events_(backend::EventBox::create(executor)) {}

  const std::shared_ptr<backend::EventBox>& events() const { return events_; }

  // Before the request runs: the pump starts at the first event, or after kPrimeAfter for a resumable one.
  void watch() {
    std::weak_ptr<StreamingExchange> weak = weak_from_this();
    events_->set_waker([weak] {
      if (auto me = weak.lock()) me->start_pump();
    });
    if (stream_ && accepts_.sse) {
      auto& io = async::Deadlines::context_of(executor_);
      prime_ = async::ScopedDeadline(io, started_ + kPrimeAfter, [weak, executor = executor_] {
        asio::post(executor, [weak] {
          if (auto me = weak.lock()) me->start_pump();
        });
      });
    }
  }

  // The answer: written here when nothing streamed, else by the pump (this waits for it to end).
  asio::awaitable<void> finish(std::string& reply) {
    finished_ = true;
    prime_.cancel();
    events_->set_waker(nullptr);
    backend::Event final{std::move(reply), backend::Event::Kind::kFinal, {}};
    if (!pump_done_) {
      co_await handle(final);
      co_return;
    }
    events_->push(std::move(final));
    co_await pump_done_->receive(std::chrono::steady_clock::time_point::max());
  }

  void start_pump() {
    if (pump_done_ || finished_) return;
    pump_done_ = async::Mailbox<bool>::create(executor_);
    asio::co_spawn(
        executor_, [me = shared_from_this()] { return me->pump(); },
        [done = pump_done_](std::exception_ptr) { done->push(true); });
  }

  asio::awaitable<void> pump() {
    while (true) {
      const auto check = next_check();
      auto event = co_await events_->receive(check);
      if (!event) {
        co_await keepalive();
        continue;
      }
      bool over = co_await handle(*event);
      if (over) break;
    }
  }

  // Sends one event; true when the exchange is over.
  asio::awaitable<bool> handle(backend::Event& event) {
    if (event.kind == backend::Event::Kind::kFinal) {
      if (!streaming_ && stream_) {  // a quick answer: the priming event and the answer in one body
        std::string body = priming() + frame(event.json, true);
        http::Response response = framed(req_, accepts_, "", session_->id);
        response.body() = std::move(body);
        response.prepare_payload();
        co_await responder_.send(std::move(response));
      } else if (!streaming_) {
        http::Response response = framed(req_, accepts_, event.json, session_->id);
        co_await responder_.send(std::move(response));
      } else {
        std::string chunk = frame(event.json, true);
        if (!client_gone_ && co_await responder_.write_chunk(chunk)) co_await responder_.end_stream();
      }
      co_return true;
    }
    if (!session_->shows(event)) co_return false;  // a log line below the session's level
    std::string message = event.json;
    if (event.kind == backend::Event::Kind::kRequest) {
      if (!accepts_.sse || client_gone_) {
        refuse(event, client_gone_ ? "the client disconnected" : "the client accepts no event stream");
        co_return false;
      }
      auto relayed = to_client(*session_, event);
      if (!relayed) co_return false;
      message = std::move(*relayed);
      if (auto doc = json::parse(message)) requests_.emplace_back(json::to_string((*doc)["id"]), event);
    }
    if (!accepts_.sse) co_return false;
    if (!streaming_) co_await start_stream();
    std::string chunk = frame(message, false);  // recorded even when the client is gone: it may come back
    if (!client_gone_) client_gone_ = !co_await responder_.write_chunk(chunk);
    if (client_gone_) settle("the client disconnected");
    co_return false;
  }

  // The chunked response begins; a resumable one with its priming event (an id, no data).
  asio::awaitable<void> start_stream() {
    http::StreamHead head{bhttp::status::ok, req_.version()};
    head.set(bhttp::field::content_type, "text/event-stream");
    head.set(bhttp::field::cache_control, "no-cache");
    head.set("Mcp-Session-Id", session_->id);
    streaming_ = true;
    client_gone_ = !co_await responder_.begin_stream(std::move(head));
    if (stream_ && !client_gone_) {
      std::string first = priming();
      client_gone_ = !co_await responder_.write_chunk(first);
    }
  }

  // How long to wait for the next event before writing a keepalive comment: soon while the client owes an
  // answer (a write is how a vanished client shows), rarely otherwise, never before the stream started.
  // A resumable request that has not answered within kPrimeAfter starts its stream, so the client holds an
  // event id to come back with if the connection drops.
  std::chrono::steady_clock::time_point next_check() const {
    auto now = std::chrono::steady_clock::now();
    if (!streaming_)
      return stream_ && accepts_.sse ? started_ + kPrimeAfter : std::chrono::steady_clock::time_point::max();
    if (client_gone_) return std::chrono::steady_clock::time_point::max();
    return now + (requests_.empty() ? kStreamPing : kClientCheck);
  }

  asio::awaitable<void> keepalive() {
    if (!streaming_) {
      co_await start_stream();
      co_return;
    }
    const std::string comment = ": keepalive\n\n";
    client_gone_ = !co_await responder_.write_chunk(comment);
    if (client_gone_) settle("the client disconnected");
  }

  std::string priming() {
    std::string text =
        "id: " + std::to_string(stream_) + "-0\nretry: " + std::to_string(kRetryMs) + "\ndata: \n\n";
    session_->record(stream_, text, false);
    frames_ = 1;
    return text;
  }

  // One message as an event; with an id, and recorded for a resumption, when the stream is resumable.
  std::string frame(const std::string& json, bool last) {
    if (!stream_) return http::sse_event(json);
    std::string text =
        "id: " + std::to_string(stream_) + "-" + std::to_string(frames_++) + "\n" + http::sse_event(json);
    session_->record(stream_, text, last);
    return text;
  }

  // Backend requests this exchange relayed that the client never answered are refused.
  void settle(const std::string& reason) {
    for (auto& [client_id, event] : requests_) {
      if (session_->take_outbound(client_id)) refuse(event, reason);
    }
    requests_.clear();
  }

 private:
  std::shared_ptr<Session> session_;
  const http::Request& req_;
  http::Responder& responder_;
  Accepts accepts_;
  int64_t stream_;  // the session's number for this stream; 0: not resumable
  asio::any_io_executor executor_;
  std::shared_ptr<backend::EventBox> events_;
  async::ScopedDeadline prime_;
  std::shared_ptr<async::Mailbox<bool>> pump_done_;  // set once the pump started
  bool finished_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  int64_t frames_ = 0;
  bool streaming_ = false;
  bool client_gone_ = false;
  std::vector<std::pair<std::string, backend::Event>> requests_;
};

}  // namespace

asio::awaitable<void> answer_streaming(const FrontDoor& door, const std::shared_ptr<Session>& session,
                                       const std::shared_ptr<json::Document>& message, const std::string& id,
                                       const http::Request& req, http::Responder& responder,
                                       const Accepts& accepts, const telemetry::SpanContext& trace) {
  auto executor = co_await asio::this_coro::executor;
  auto exchange = std::make_shared<StreamingExchange>(session, req, responder, accepts, executor);
  exchange->watch();
  session->add_in_flight(id, exchange->events().get());
  std::string reply;
  try {
    reply = co_await door.dispatcher.answer(*session, *message, id, exchange->events(), trace);
  } catch (...) {  // a failed call still ends the exchange (and the pump, which uses `req` and `responder`)
    reply = mcp::error_message(id, mcp::kInternalError, "internal error");
  }
  co_await exchange->finish(reply);
  exchange->settle("the request is over");
  session->remove_in_flight(id);
}

asio::awaitable<bool> resume_stream(const FrontDoor& door, const std::shared_ptr<Session>& session,
                                    const std::string& last_event_id, const http::Request& req,
                                    http::Responder& responder) {
  auto dash = last_event_id.find('-');
  if (dash == std::string::npos) co_return false;
  char* end = nullptr;
  int64_t stream = std::strtoll(last_event_id.c_str(), &end, 10);
  int64_t after = std::strtoll(last_event_id.c_str() + dash + 1, &end, 10);
  if (*end || end == last_event_id.c_str() + dash + 1) co_return false;
  auto follower = async::Mailbox<std::string>::create(co_await asio::this_coro::executor);
  auto replay = session->resume(stream, after, follower);
  if (!replay) co_return false;
  http::StreamHead head{bhttp::status::ok, req.version()};
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::cache_control, "no-cache");
  head.set("Mcp-Session-Id", session->id);
  bool open = co_await responder.begin_stream(std::move(head));
  for (auto& frame : replay->frames) {
    if (open) open = co_await responder.write_chunk(frame);
  }
  while (open && !replay->done && !door.shutting_down) {
    const auto deadline = std::chrono::steady_clock::now() + kStreamPing;
    auto frame = co_await follower->receive(deadline);
    if (!frame && follower->closed()) break;  // the request ended (or a newer reconnection took over)
    std::string chunk = frame ? *frame : ": keepalive\n\n";
    open = co_await responder.write_chunk(chunk);
  }
  if (open) co_await responder.end_stream();
  co_return true;
}

}  // namespace awmg::frontend
