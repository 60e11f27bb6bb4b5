#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <functional>

#include "base/strings.hpp"

namespace awmg::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

HttpReply http_request(int port, const std::string& method, const std::string& target,
                       const std::map<std::string, std::string>& headers, const std::string& body) {
  // Asynchronous operations driven by run_for, so a server that never answers cannot hang the test.
  HttpReply reply;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::http::request<beast::http::string_body> req{beast::http::string_to_verb(method), target, 11};
  req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(beast::http::field::connection, "close");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(256u << 20);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) return;
    beast::http::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) return;
      beast::http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
        if (ec && ec != beast::http::error::end_of_stream) return;
        if (!parser.is_header_done())
          return;  // closed before a status line: no answer (an empty parser says 200)
        const auto& res = parser.get();
        reply.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
          reply.headers[base::to_lower(std::string(field.name_string()))] = std::string(field.value());
        }
        reply.body = res.body();
      });
    });
  });
  io.run_for(std::chrono::seconds(20));
  return reply;
}

std::string raw_exchange(int port, const std::string& bytes, int timeout_ms) {
  asio::io_context io;
  tcp::socket socket(io);
  std::string out;
  char buf[4096];
  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(buf), [&](beast::error_code ec, size_t n) {
      out.append(buf, n);
      if (!ec) read_more();
    });
  };
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  socket.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) return;
    asio::async_write(socket, asio::buffer(bytes), [&](beast::error_code, size_t) { read_more(); });
  });
  io.run_for(std::chrono::milliseconds(timeout_ms));
  return out;
}

}  // namespace awmg::test
