// A backend's HTTP answer as the gateway's client reads it: status line, headers, chunked or sized or
// close-delimited bodies, cut anywhere. A loopback listener writes the input as the response and closes;
// http::fetch reads it within its deadline and size limit.
#include "async/awaitable.hpp"  // first: it supplies what Boost 1.74 forgets to include

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdint>
#include <string>

#include "http/client.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace awmg;

asio::awaitable<void> answer(tcp::acceptor& acceptor, const std::string& bytes) {
  auto socket = co_await acceptor.async_accept(asio::use_awaitable);
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
  socket.shutdown(tcp::socket::shutdown_send, ec);
  char sink[4096];
  while (!ec)
    co_await socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> ask(const http::Url& url) {
  const std::map<std::string, std::string> headers;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  const size_t limit = 1 << 20;
  auto fetched = co_await http::fetch(url, headers, deadline, limit);
  (void)fetched;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static asio::io_context io;
  static tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  static http::Url url =
      *http::Url::parse("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/mcp");
  static std::string bytes;  // (static: a coroutine cut off by the time limit may still refer to it)
  bytes.assign(reinterpret_cast<const char*>(data), size);
  asio::co_spawn(io, answer(acceptor, bytes), asio::detached);
  asio::co_spawn(io, ask(url), asio::detached);
  io.run_for(std::chrono::seconds(2));
  io.restart();
  return 0;
}
