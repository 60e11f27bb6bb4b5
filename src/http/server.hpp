#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/result.hpp"

namespace awmg::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  size_t body_limit = 16u << 20;                      // larger bodies get 413
  size_t header_limit = 64u << 10;                    // larger headers get 431
  std::chrono::seconds read_timeout{30};              // a client that trickles a request is cut off
  std::chrono::seconds idle_timeout{120};             // keep-alive connections idle this long are closed
};

// HTTP/1.1 server on Boost.Beast: one coroutine per connection, keep-alive, bounded requests. The handler runs
// on the I/O threads and must not block.
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

}  // namespace awmg::http
