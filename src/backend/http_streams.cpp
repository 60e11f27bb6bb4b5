#include "backend/http_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "async/sleep.hpp"
#include "base/strings.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

// What an HTTP backend sends outside calls: the 2024-11-05 transport's event stream (its endpoint, then every
// message), Streamable HTTP's standalone GET stream, and the keepalive pings that notice a backend gone away.

namespace awmg::backend {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using async::sleep_for;

asio::awaitable<Status> HttpConnection::open_legacy_stream(const Deadline& deadline) {
  const bool with_session = false;
  auto h = co_await event_stream_headers(with_session);
  if (!h) co_return h.error();
  asio::steady_timer timer(strand_, deadline);  // the endpoint event must come before the deadline
  timer.async_wait([abort = stream_abort_](boost::system::error_code ec) {
    if (!ec) (*abort)();
  });
  const std::string no_body;
  auto exchange = co_await client_->send(bhttp::verb::get, url_.target, *h, no_body, stream_abort_);
  if (!exchange) co_return exchange.error();
  std::shared_ptr<http::Exchange> stream = std::move(*exchange);
  if (stream->status() != 200 || stream->content_type() != "text/event-stream")
    co_return Error{"GET " + url_.target + " answered HTTP " + std::to_string(stream->status()) +
                    " (content type '" + stream->content_type() + "'), not an event stream"};
  auto parser = std::make_shared<http::SseParser>();
  while (true) {
    auto piece = co_await stream->read_some();
    if (!piece || piece->empty()) co_return Error{"the SSE stream ended before it named its endpoint"};
    for (auto& event : parser->feed(*piece)) {
      if (event.type != "endpoint") continue;
      timer.cancel();
      post_url_ = url_.resolve(base::trim(event.data));
      if (post_url_.host != url_.host || post_url_.port != url_.port || post_url_.tls != url_.tls)
        co_return Error{"the SSE endpoint names another origin: " + std::string(base::trim(event.data))};
      auto me = self();
      asio::co_spawn(
          strand_, [me, stream, parser] { return me->listen(stream, parser); }, asio::detached);
      co_return ok_status();
    }
  }
}

asio::awaitable<void> HttpConnection::listen(const std::shared_ptr<http::Exchange>& stream,
                                             const std::shared_ptr<http::SseParser>& parser) {
  auto me = self();
  while (alive_) {
    auto piece = co_await stream->read_some();
    if (!piece || piece->empty()) break;
    for (auto& event : parser->feed(*piece)) {
      if (event.type == "message" && !event.data.empty()) receive(event.data);  // (on the strand already)
    }
  }
  if (mode_ == Mode::kSse && alive_) {  // this transport has no other way to hear the backend
    std::string reason = "backend " + server_id_ + " closed its SSE stream";
    log::Logger::instance().server(server_id_, log::Level::kError, "backend", reason);
    alive_ = false;
    fail_all(reason);
  }
}

// The standalone GET stream of Streamable HTTP: what the backend sends outside calls (list changes, resource
// updates, its own requests). A backend without one answers 405; a dropped stream is opened again.
asio::awaitable<void> HttpConnection::reopen_stream() {
  auto me = self();
  {
    std::lock_guard lock(mutex_);
    if (listening_) co_return;
    listening_ = true;
  }
  auto delay = std::chrono::milliseconds(500);
  while (alive_ && !stream_abort_->aborted()) {
    const bool with_session = true;
    const std::string no_body;
    auto h = co_await event_stream_headers(with_session);
    Result<std::unique_ptr<http::Exchange>> exchange = Error{h ? "" : h.error().message};
    if (h) exchange = co_await client_->send(bhttp::verb::get, post_url_.target, *h, no_body, stream_abort_);
    unsigned status = exchange ? (*exchange)->status() : 0;
    if (status == 200 && (*exchange)->content_type() == "text/event-stream") {
      std::shared_ptr<http::Exchange> stream = std::move(*exchange);
      auto parser = std::make_shared<http::SseParser>();
      co_await listen(stream, parser);
      delay = std::chrono::milliseconds(500);
    } else if (status == 405 || status == 404) {
      break;  // no standalone stream on this server (or a session it forgot: renewal opens a new one)
    } else {
      delay = std::min(delay * 2, std::chrono::milliseconds(30000));
    }
    co_await sleep_for(delay);
  }
  std::lock_guard lock(mutex_);
  listening_ = false;
}

asio::awaitable<void> HttpConnection::keepalive(const std::weak_ptr<HttpConnection>& weak,
                                                const std::chrono::seconds& interval) {
  while (true) {
    co_await sleep_for(interval);
    auto me = weak.lock();
    if (!me || !me->alive_) co_return;
    const std::string method = "ping", params = "{}";
    const std::shared_ptr<EventBox> no_events;
    const Deadline deadline = std::chrono::steady_clock::now() + interval / 2;
    const std::string no_trace;
    auto reply = co_await me->call(method, params, deadline, no_events, no_trace);
    if (reply && reply->error_code == mcp::kMethodNotFound) co_return;  // a backend without ping
    if (!reply) {
      log::Logger::instance().server(
          me->server_id_, log::Level::kWarn, "backend",
          "keepalive ping failed (" + reply.error().message + "); the next use connects again");
      me->close();
      co_return;
    }
  }
}

}  // namespace awmg::backend
