#include "proxy/relay.hpp"

#include "log/logger.hpp"
#include "proxy/upstream.hpp"

namespace awmg::proxy {

namespace bhttp = boost::beast::http;

namespace {

// Retry-After on an answer that says the rate limit is spent.
void mark_rate_limit(const http::Request& request, const http::Exchange& exchange, bhttp::fields& head) {
  auto wait = retry_after(exchange.status(), exchange.header("X-RateLimit-Remaining"),
                          exchange.header("X-RateLimit-Reset"), std::chrono::system_clock::now());
  if (!wait) return;
  head.set(bhttp::field::retry_after, std::to_string(*wait));
  log::error("proxy", "GitHub rate limit reached on " + std::string(request.method_string()) + " " +
                          std::string(http::path_of(request)) + " (HTTP " +
                          std::to_string(exchange.status()) + "); retry after " + std::to_string(*wait) +
                          "s");
}

bool bodiless(unsigned status) {
  return status == 204 || status == 304 || status < 200;
}

}  // namespace

boost::asio::awaitable<void> bad_gateway(const http::Request& request, http::Responder& responder) {
  http::Response failed = http::make_response(
      request, 502, R"({"error":"bad_gateway","message":"upstream request failed"})", "application/json");
  co_await responder.send(std::move(failed));
}

boost::asio::awaitable<void> relay_answer(const http::Request& request, http::Responder& responder,
                                          http::Exchange& exchange) {
  const unsigned status = exchange.status();
  // A body that ends within its first piece goes out as one response with a length; a longer one streams.
  std::string first;
  std::string second;
  bool ended = bodiless(status);
  if (!ended) {
    auto piece = co_await exchange.read_some();
    if (!piece) co_await bad_gateway(request, responder);
    if (!piece) co_return;
    first = std::move(*piece);
    ended = first.empty();
  }
  if (!ended) {
    auto piece = co_await exchange.read_some();
    if (!piece) co_await bad_gateway(request, responder);
    if (!piece) co_return;
    second = std::move(*piece);
    ended = second.empty();
  }
  if (ended) {
    http::Response response{static_cast<bhttp::status>(status), request.version()};
    copy_response_headers(exchange, response);
    mark_rate_limit(request, exchange, response);
    response.keep_alive(request.keep_alive());
    if (!bodiless(status)) response.body() = std::move(first);
    response.prepare_payload();
    co_await responder.send(std::move(response));
    co_return;
  }
  http::StreamHead head{static_cast<bhttp::status>(status), request.version()};
  copy_response_headers(exchange, head);
  mark_rate_limit(request, exchange, head);
  if (!co_await responder.begin_stream(std::move(head))) co_return;
  if (!co_await responder.write_chunk(first)) co_return;
  if (!co_await responder.write_chunk(second)) co_return;
  while (true) {
    auto piece = co_await exchange.read_some();
    if (!piece) co_return;  // the stream stays open: the server ends the connection
    if (piece->empty()) break;
    if (!co_await responder.write_chunk(*piece)) co_return;
  }
  co_await responder.end_stream();
}

boost::asio::awaitable<void> send_made(const http::Request& request, http::Responder& responder,
                                       const http::Exchange& exchange, const std::string& body) {
  http::Response response{static_cast<bhttp::status>(exchange.status()), request.version()};
  copy_response_headers(exchange, response);
  response.set(bhttp::field::content_type, "application/json; charset=utf-8");
  response.keep_alive(request.keep_alive());
  response.body() = body;
  response.prepare_payload();
  co_await responder.send(std::move(response));
}

}  // namespace awmg::proxy
