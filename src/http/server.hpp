#pragma once
#include "async/awaitable.hpp"  // first: it supplies what Boost 1.74 forgets to include

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace awmg::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using StreamHead = boost::beast::http::response<boost::beast::http::empty_body>;

struct ServerOptions {
  size_t body_limit = 16u << 20;           // larger bodies get 413
  size_t header_limit = 64u << 10;         // larger headers get 431
  std::chrono::seconds read_timeout{30};   // a client that trickles a request is cut off
  std::chrono::seconds idle_timeout{120};  // keep-alive connections idle this long are closed
  // Where connections run, in turn: each of these io_contexts is run by one thread, so a connection's whole
  // exchange stays on that thread and needs no strand. Empty: on strands of the server's io_context.
  std::vector<boost::asio::io_context*> connection_contexts;
  // HTTPS: every connection begins with a TLS handshake under this context (server_tls_context).
  std::shared_ptr<boost::asio::ssl::context> tls;
};

// A server TLS context: TLS 1.2 or later, forward-secret AEAD ciphers for TLS 1.2, the certificate chain and
// key from PEM files; with `client_ca`, clients must present a certificate that CA signed (mTLS). An error
// names the file it could not use.
Result<std::shared_ptr<boost::asio::ssl::context>> server_tls_context(const std::string& cert_file,
                                                                      const std::string& key_file,
                                                                      const std::string& client_ca_file);

// How a handler answers one request: one complete response, or a chunked stream (server-sent events).
class Responder {
 public:
  virtual ~Responder() = default;
  // Coroutine parameters are references, never class values: GCC 12 mis-copies some by-value class
  // parameters of coroutines. Callers co_await at once, so the arguments outlive the call.
  virtual boost::asio::awaitable<void> send(Response&& response) = 0;
  // Writes the head of a chunked response; false when the client is gone.
  virtual boost::asio::awaitable<bool> begin_stream(StreamHead&& head) = 0;
  virtual boost::asio::awaitable<bool> write_chunk(const std::string& data) = 0;
  virtual boost::asio::awaitable<void> end_stream() = 0;
  virtual bool local_is_loopback() const = 0;
  // True once the server is stopping: long streams should end.
  virtual bool stopping() const = 0;
  // The status of the response sent or begun; 0 before.
  virtual unsigned status() const = 0;
};

// Runs on the connection's strand; may co_await. A handler that returns without answering yields a 500.
using Handler = std::function<boost::asio::awaitable<void>(const Request&, Responder&)>;

// HTTP/1.1 server on Boost.Beast: one coroutine per connection on its own strand, keep-alive, bounded
// requests, chunked streaming.
class Server {
 public:
  Server(boost::asio::io_context& io, Handler handler, ServerOptions options = {});
  ~Server();

  // Binds "host:port" ("[::1]:p", ":p" for all interfaces, names resolved). Returns the bound endpoint.
  Result<boost::asio::ip::tcp::endpoint> listen(const std::string& address);
  void start();
  // Stops accepting and closes idle keep-alive connections; busy ones close after their current response.
  void stop();
  size_t open_connections() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

Response make_response(const Request& request, unsigned status, std::string body,
                       const std::string& content_type = "text/plain; charset=utf-8");

// A request header's value, std::nullopt when absent.
std::optional<std::string_view> header(const Request& request, std::string_view name);
// The request target without its query.
std::string_view path_of(const Request& request);

}  // namespace awmg::http
