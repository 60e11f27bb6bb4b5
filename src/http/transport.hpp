#pragma once
#include "async/awaitable.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "base/result.hpp"

namespace awmg::http {

using ResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;
using OutgoingRequest = boost::beast::http::request<boost::beast::http::string_body>;

// One client connection, plain TCP or TLS (verified against the system's CA store, with SNI). The HTTP
// client's few operations, whichever it is. Used by one exchange at a time, on that exchange's executor.
class Transport {
 public:
  // Connects to host:port on the caller's executor; with `tls`, also performs the TLS handshake. Both bounded
  // by `timeout`.
  static boost::asio::awaitable<Result<std::shared_ptr<Transport>>> connect(
      const std::string& host, const std::string& port, boost::asio::ssl::context* tls,
      const std::chrono::milliseconds& timeout);

  boost::asio::awaitable<boost::system::error_code> write(OutgoingRequest& request);
  boost::asio::awaitable<boost::system::error_code> read_header(boost::beast::flat_buffer& buffer,
                                                                ResponseParser& parser);
  boost::asio::awaitable<boost::system::error_code> read_some(boost::beast::flat_buffer& buffer,
                                                              ResponseParser& parser);
  void close();

  using Tcp = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  explicit Transport(Tcp tcp) : stream_(std::move(tcp)) {}
  explicit Transport(std::unique_ptr<Tls> tls) : stream_(std::move(tls)) {}

 private:
  std::variant<Tcp, std::unique_ptr<Tls>> stream_;
};

}  // namespace awmg::http
