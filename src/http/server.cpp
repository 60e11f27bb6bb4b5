#include "http/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>

#include "base/strings.hpp"

namespace awmg::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct Server::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, Handler h, ServerOptions o)
      : io(io), acceptor(asio::make_strand(io)), handler(std::move(h)), options(o) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  // The requests of one connection, plain or TLS.
  template <typename Stream>
  asio::awaitable<void> serve_requests(Stream& stream, bool loopback);

  // Open connections, so stop() can close the idle ones. Touched only on each connection's strand.
  struct Connection {
    beast::tcp_stream* stream;
    bool busy;
  };
  uint64_t add_connection(beast::tcp_stream* stream);
  void set_busy(uint64_t id, bool busy);
  void remove_connection(uint64_t id);
  void close_idle();

  asio::io_context& io;
  tcp::acceptor acceptor;
  Handler handler;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::map<uint64_t, Connection> connections;
  uint64_t next_id = 0;
  size_t next_context = 0;  // touched by the accept loop only

  asio::any_io_executor next_executor() {
    if (options.connection_contexts.empty()) return asio::make_strand(io);
    return options.connection_contexts[next_context++ % options.connection_contexts.size()]->get_executor();
  }
};

uint64_t Server::State::add_connection(beast::tcp_stream* stream) {
  std::lock_guard lock(mutex);
  connections[++next_id] = {stream, true};
  return next_id;
}

void Server::State::set_busy(uint64_t id, bool busy) {
  std::lock_guard lock(mutex);
  connections[id].busy = busy;
}

void Server::State::remove_connection(uint64_t id) {
  std::lock_guard lock(mutex);
  connections.erase(id);
}

void Server::State::close_idle() {
  std::lock_guard lock(mutex);
  for (auto& [id, c] : connections) {
    asio::post(c.stream->get_executor(), [self = shared_from_this(), id = id] {
      std::lock_guard inner(self->mutex);
      auto it = self->connections.find(id);
      if (it == self->connections.end() || it->second.busy) return;
      beast::error_code ignored;
      it->second.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      it->second.stream->socket().close(ignored);
    });
  }
}

Response make_response(const Request& request, unsigned status, std::string body,
                       const std::string& content_type) {
  Response res{static_cast<beast::http::status>(status), request.version()};
  res.set(beast::http::field::content_type, content_type);
  res.body() = std::move(body);
  res.keep_alive(request.keep_alive());
  res.prepare_payload();
  return res;
}

std::optional<std::string_view> header(const Request& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

std::string_view path_of(const Request& request) {
  std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

namespace {

// A response for a request that could not be read.
Response error_response(unsigned status, const std::string& text) {
  Response res{static_cast<beast::http::status>(status), 11};
  res.set(beast::http::field::content_type, "text/plain; charset=utf-8");
  res.set(beast::http::field::connection, "close");
  res.body() = text;
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

std::optional<Response> read_failure(const beast::error_code& ec) {
  // A client that closes between or during requests gets nothing: there is nobody to read an answer.
  if (ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message)
    return std::nullopt;
  if (ec == beast::http::error::body_limit) return error_response(413, "request body too large\n");
  if (ec == beast::http::error::header_limit) return error_response(431, "request header fields too large\n");
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_method).category())
    return error_response(400, "bad request\n");
  return std::nullopt;  // timeout, reset, EOF: nothing to say
}

}  // namespace

namespace {

// The Responder of one request on one connection.
// A request framed the one way every reader agrees on: no Transfer-Encoding, or exactly one that is
// `chunked`.
bool plain_framing(const Request& request) {
  auto count = request.count(beast::http::field::transfer_encoding);
  if (count == 0) return true;
  if (count > 1) return false;
  auto value = request[beast::http::field::transfer_encoding];
  return base::to_lower(base::trim(std::string_view(value.data(), value.size()))) == "chunked";
}

template <typename Stream>
class ConnectionResponder : public Responder {
 public:
  ConnectionResponder(Stream& stream, const Request& request, const std::atomic<bool>& stopping,
                      bool loopback)
      : stream_(stream), request_(request), stopping_(stopping), loopback_(loopback) {}

  asio::awaitable<void> send(Response&& response) override {
    answered_ = true;
    status_ = response.result_int();
    if (stopping_) response.keep_alive(false);
    keep_alive_ = response.keep_alive();
    beast::error_code ec;
    tcp().expires_after(std::chrono::seconds(30));
    co_await beast::http::async_write(stream_, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) keep_alive_ = false;
  }

  asio::awaitable<bool> begin_stream(StreamHead&& head) override {
    answered_ = true;
    status_ = head.result_int();
    head.chunked(true);
    keep_alive_ = request_.keep_alive() && !stopping_;
    head.keep_alive(keep_alive_);
    stream_open_ = true;
    beast::http::response_serializer<beast::http::empty_body> serializer{head};
    beast::error_code ec;
    tcp().expires_never();
    co_await beast::http::async_write_header(stream_, serializer,
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) keep_alive_ = false;
    co_return !ec;
  }

  asio::awaitable<bool> write_chunk(const std::string& data) override {
    beast::error_code ec;
    tcp().expires_after(std::chrono::seconds(30));
    co_await asio::async_write(stream_, beast::http::make_chunk(asio::buffer(data)),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) keep_alive_ = false;
    co_return !ec;
  }

  asio::awaitable<void> end_stream() override {
    stream_open_ = false;
    beast::error_code ec;
    co_await asio::async_write(stream_, beast::http::make_chunk_last(),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) keep_alive_ = false;
  }

  bool local_is_loopback() const override { return loopback_; }
  bool stopping() const override { return stopping_; }
  unsigned status() const override { return status_; }
  bool answered() const { return answered_; }
  // A stream the handler left without its last chunk (its source failed) ends with the connection, so the
  // client sees a truncated body, never a complete one.
  bool keep_alive() const { return keep_alive_ && !stream_open_; }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  Stream& stream_;
  const Request& request_;
  const std::atomic<bool>& stopping_;
  bool loopback_;
  bool answered_ = false;
  unsigned status_ = 0;
  bool keep_alive_ = false;
  bool stream_open_ = false;
};

}  // namespace

asio::awaitable<void> Server::State::serve(tcp::socket socket) {
  auto self = shared_from_this();
  beast::error_code ec;
  auto local = socket.local_endpoint(ec).address();
  bool loopback =
      local.is_loopback() || (local.is_v6() && local.to_v6().is_v4_mapped() &&
                              asio::ip::make_address_v4(asio::ip::v4_mapped, local.to_v6()).is_loopback());
  beast::tcp_stream tcp(std::move(socket));
  if (!options.tls) {
    co_await serve_requests(tcp, loopback);
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *options.tls);
  // The handshake is bounded like a request's head: a client without a certificate the CA signed (mTLS) or
  // one that speaks something else is dropped here.
  beast::get_lowest_layer(tls).expires_after(options.read_timeout);
  co_await tls.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  co_await serve_requests(tls, loopback);
  beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(2));
  co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

template <typename Stream>
asio::awaitable<void> Server::State::serve_requests(Stream& stream, bool loopback) {
  beast::error_code ec;
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  uint64_t id = add_connection(&tcp);
  // Unregisters on every exit, exceptions and a destroyed coroutine frame included.
  struct Registration {
    State* state;
    uint64_t id;
    ~Registration() { state->remove_connection(id); }
  } registration{this, id};
  for (bool first = true; !stopping; first = false) {
    set_busy(id, false);
    beast::http::request_parser<beast::http::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    tcp.expires_after(first ? options.read_timeout : options.idle_timeout);
    co_await beast::http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    set_busy(id, true);
    if (ec) {
      if (auto res = read_failure(ec)) {
        tcp.expires_after(std::chrono::seconds(5));
        co_await beast::http::async_write(stream, *res, asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    const Request& request = parser.get();
    if (!plain_framing(request)) {
      // (`chunked, identity` reads as no body, and the body then as the next request: a smuggling seam)
      auto refused = make_response(request, 400, "Bad Request: Transfer-Encoding other than chunked\n");
      refused.keep_alive(false);
      tcp.expires_after(std::chrono::seconds(5));
      co_await beast::http::async_write(stream, refused, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    ConnectionResponder<Stream> responder(stream, request, stopping, loopback);
    bool failed = false;
    try {
      co_await handler(request, responder);
    } catch (const std::exception&) {
      failed = true;  // a bug in a handler costs this request, not the process
    }
    if (!responder.answered()) {
      Response failure = make_response(request, 500, "internal error\n");
      co_await responder.send(std::move(failure));
    }
    if (failed) break;
    if (!responder.keep_alive()) break;
  }
}

asio::awaitable<void> Server::State::accept_loop() {
  auto self = shared_from_this();
  while (acceptor.is_open()) {
    beast::error_code ec;
    // Accepted on the listener's own context, then moved to the connection's: the accept still pending at
    // shutdown holds nothing of a context that may be gone before the listener's.
    tcp::socket accepted = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {  // e.g. EMFILE: keep serving the connections we have, and do not spin
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    accepted.set_option(tcp::no_delay(true), ec);  // responses are whole messages: send them at once
    auto protocol = accepted.local_endpoint(ec).protocol();
    if (ec) continue;  // (the connection closed meanwhile)
    auto fd = accepted.release(ec);
    if (ec) continue;
    auto executor = next_executor();
    tcp::socket socket(executor);
    socket.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      continue;
    }
    asio::co_spawn(executor, serve(std::move(socket)), asio::detached);
  }
}

Server::Server(asio::io_context& io, Handler handler, ServerOptions options)
    : state_(std::make_shared<State>(io, std::move(handler), options)) {}

Server::~Server() {
  stop();
}

Result<tcp::endpoint> Server::listen(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos)
    return Error{"listen tcp " + address + ": address " + address + ": missing port in address"};
  std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  beast::error_code ec;
  tcp::resolver resolver(state_->io);
  auto results = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    return Error{"listen tcp " + address + ": " + (ec ? ec.message() : "no address")};
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string reason = ec.message();
    acceptor.close(ec);
    return Error{"listen tcp " + address + ": bind: " + reason};
  }
  return acceptor.local_endpoint();
}

void Server::start() {
  asio::co_spawn(state_->acceptor.get_executor(), state_->accept_loop(), asio::detached);
}

void Server::stop() {
  if (state_->stopping.exchange(true)) return;
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
    state->close_idle();
  });
}

size_t Server::open_connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->connections.size();
}

}  // namespace awmg::http
