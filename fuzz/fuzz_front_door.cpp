// The MCP front door on bytes from the network: Beast's request parser with the server's limits, then the
// Streamable HTTP endpoint (Host/Origin checks, protocol version, sessions, JSON-RPC, framing) with a
// dispatcher that answers every request. "@SID@" in the input becomes the id of a session opened first for
// the key "fuzz-key", so the fuzzer reaches the paths of a session that exists.
#include "async/awaitable.hpp"  // first: it supplies what Boost 1.74 forgets to include

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdint>
#include <string>

#include "frontend/dispatcher.hpp"
#include "frontend/mcp_endpoint.hpp"
#include "frontend/session.hpp"
#include "http/server.hpp"
#include "mcp/jsonrpc.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace awmg;

class Answering : public frontend::Dispatcher {
 public:
  asio::awaitable<std::string> answer(frontend::Session& session, const json::Value& request,
                                      const std::string& id, const std::shared_ptr<backend::EventBox>&,
                                      const telemetry::SpanContext&) override {
    if (json::string_or(request, "method") == "initialize") session.initialized = true;
    co_return mcp::result_message(id, "{}");
  }
  bool may_stream(std::string_view method) const override { return method == "tools/call"; }
  void notified(frontend::Session&, const json::Value&, std::string_view) override {}
  void ended(const frontend::Session&) override {}
};

class Recorder : public http::Responder {
 public:
  asio::awaitable<void> send(http::Response&& response) override {
    status_ = response.result_int();
    co_return;
  }
  // A stream's head goes out and the client is gone: a GET stream would otherwise wait for events forever.
  asio::awaitable<bool> begin_stream(http::StreamHead&& head) override {
    status_ = head.result_int();
    co_return false;
  }
  asio::awaitable<bool> write_chunk(const std::string&) override { co_return true; }
  asio::awaitable<void> end_stream() override { co_return; }
  bool local_is_loopback() const override { return true; }
  bool stopping() const override { return false; }
  unsigned status() const override { return status_; }

 private:
  unsigned status_ = 0;
};

std::optional<http::Request> parse(const std::string& bytes) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(16u << 20);
  parser.header_limit(64u << 10);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(asio::buffer(bytes), ec);
  if (ec || !parser.is_done()) return std::nullopt;
  return parser.release();
}

void serve(asio::io_context& io, const frontend::FrontDoor& door, const http::Request& req,
           const std::string& route) {
  Recorder responder;
  asio::co_spawn(io, frontend::serve_mcp(door, req, responder, route, telemetry::SpanContext{}),
                 asio::detached);
  io.run();
  io.restart();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static frontend::SessionStore sessions;
  static Answering dispatcher;
  static std::atomic<bool> shutting_down{false};
  static asio::io_context io;
  frontend::FrontDoor door{sessions, dispatcher, shutting_down, false};
  static const std::string agent = frontend::agent_identity(std::nullopt, "fuzz-key").value_or("agent");
  auto session = sessions.create(agent, "demo");
  session->initialized = true;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (size_t at = bytes.find("@SID@"); at != std::string::npos; at = bytes.find("@SID@", at))
    bytes.replace(at, 5, session->id);
  if (auto req = parse(bytes)) {
    serve(io, door, *req, "demo");
    serve(io, door, *req, "");
  }
  sessions.remove(session->id);
  for (auto& s : sessions.expire(std::chrono::nanoseconds(0))) (void)s;
  return 0;
}
