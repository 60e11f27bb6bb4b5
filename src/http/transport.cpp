#include "http/transport.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace awmg::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

std::string tls_error(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    if (auto reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) text = reason;
  }
  return text;
}

}  // namespace

asio::awaitable<Result<std::shared_ptr<Transport>>> Transport::connect(
    const std::string& host, const std::string& port, asio::ssl::context* tls,
    const std::chrono::milliseconds& timeout) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  boost::system::error_code ec;
  auto endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  std::string where = host + ":" + port;
  if (ec) co_return Error{"cannot resolve " + host + ": " + ec.message()};
  Tcp tcp(executor);
  tcp.expires_after(timeout);
  co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec == beast::error::timeout) co_return Error{"connecting to " + where + " timed out"};
  if (ec) co_return Error{"cannot connect to " + where + ": " + ec.message()};
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (!tls) {
    tcp.expires_never();
    co_return std::make_shared<Transport>(std::move(tcp));
  }
  auto stream = std::make_unique<Tls>(std::move(tcp), *tls);
  boost::system::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (not_ip && !SSL_set_tlsext_host_name(stream->native_handle(), host.c_str()))  // no SNI for addresses
    co_return Error{"TLS to " + where + ": cannot set the server name"};
  stream->set_verify_callback(asio::ssl::host_name_verification(host));
  co_await stream->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec == beast::error::timeout) co_return Error{"the TLS handshake with " + where + " timed out"};
  if (ec) co_return Error{"the TLS handshake with " + where + " failed: " + tls_error(ec)};
  beast::get_lowest_layer(*stream).expires_never();
  co_return std::make_shared<Transport>(std::move(stream));
}

asio::awaitable<boost::system::error_code> Transport::write(OutgoingRequest& request) {
  boost::system::error_code ec;
  if (auto* tls = std::get_if<std::unique_ptr<Tls>>(&stream_)) {
    co_await bhttp::async_write(**tls, request, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await bhttp::async_write(std::get<Tcp>(stream_), request,
                                asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return ec;
}

asio::awaitable<boost::system::error_code> Transport::read_header(beast::flat_buffer& buffer,
                                                                  ResponseParser& parser) {
  boost::system::error_code ec;
  if (auto* tls = std::get_if<std::unique_ptr<Tls>>(&stream_)) {
    co_await bhttp::async_read_header(**tls, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await bhttp::async_read_header(std::get<Tcp>(stream_), buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return ec;
}

asio::awaitable<boost::system::error_code> Transport::read_some(beast::flat_buffer& buffer,
                                                                ResponseParser& parser) {
  boost::system::error_code ec;
  if (auto* tls = std::get_if<std::unique_ptr<Tls>>(&stream_)) {
    co_await bhttp::async_read_some(**tls, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await bhttp::async_read_some(std::get<Tcp>(stream_), buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return ec;
}

void Transport::close() {
  boost::system::error_code ec;
  if (auto* tls = std::get_if<std::unique_ptr<Tls>>(&stream_)) {
    beast::get_lowest_layer(**tls).socket().close(ec);
  } else {
    std::get<Tcp>(stream_).socket().close(ec);
  }
}

}  // namespace awmg::http
