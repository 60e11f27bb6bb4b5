#pragma once
#include "async/awaitable.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/verb.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "http/transport.hpp"

namespace awmg::http {

// An http:// or https:// URL split the way a client needs it.
struct Url {
  bool tls = false;
  std::string host;
  std::string port = "80";
  std::string target = "/";  // path and query

  static Result<Url> parse(std::string_view text);
  std::string host_header() const {
    std::string name = host.find(':') == std::string::npos ? host : "[" + host + "]";
    return port == (tls ? "443" : "80") ? name : name + ":" + port;
  }
  // `reference` (absolute, or a path) resolved against this URL.
  Url resolve(std::string_view reference) const;
};

class Client;

// Ends an exchange in flight: the way a caller that stopped waiting ends a read that might never finish.
// Callable from any thread; the connection is closed on the exchange's own executor. A connection the
// exchange makes is given up at `deadline` too (an abort can close only a connection that exists).
class Abort : public std::enable_shared_from_this<Abort> {
 public:
  explicit Abort(boost::asio::any_io_executor executor, std::chrono::steady_clock::time_point deadline =
                                                            std::chrono::steady_clock::time_point::max())
      : executor_(std::move(executor)), deadline_(deadline) {}
  void operator()();
  bool aborted() const { return aborted_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  friend class Client;
  friend class Exchange;
  boost::asio::any_io_executor executor_;
  std::chrono::steady_clock::time_point deadline_;
  std::weak_ptr<Transport> stream_;  // touched on executor_ only
  std::atomic<bool> aborted_{false};
};

// One response being read: its status and headers, then its body piece by piece. Destroying it before the
// body is done closes the connection; reading the body to its end returns the connection to the client's
// pool.
class Exchange {
 public:
  Exchange(std::shared_ptr<Client> client, std::shared_ptr<Transport> stream);
  ~Exchange();

  unsigned status() const { return parser_.get().result_int(); }
  std::string header(std::string_view name) const;
  std::string content_type() const;  // lower-case, without parameters
  // The next piece of the body; an empty string once the body is complete.
  boost::asio::awaitable<Result<std::string>> read_some();
  // The whole (rest of the) body, refused past `limit` bytes.
  boost::asio::awaitable<Result<std::string>> read_all(size_t limit);

 private:
  friend class Client;

  std::shared_ptr<Client> client_;
  std::shared_ptr<Transport> stream_;
  std::shared_ptr<Abort> abort_;  // unlinked from the connection when the exchange ends
  boost::beast::flat_buffer buffer_;
  ResponseParser parser_;
  bool done_ = false;
  const void* context_ = nullptr;  // the io_context the connection belongs to
};

// Requests to one origin over a pool of keep-alive connections (one per exchange in flight), TLS for https.
// Thread-safe; an exchange's I/O runs on the executor of the coroutine that sent it.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(Url origin, std::chrono::milliseconds connect_timeout);

  // Sends a request and reads the response head. `headers` are set last (they override the defaults).
  boost::asio::awaitable<Result<std::unique_ptr<Exchange>>> send(
      boost::beast::http::verb verb, const std::string& target,
      const std::map<std::string, std::string>& headers, const std::string& body,
      const std::shared_ptr<Abort>& abort = nullptr);
  const Url& origin() const { return origin_; }
  void close_idle();

 private:
  friend class Exchange;
  // Idle connections are kept per io_context (`context`: the one whose thread made them, and polls them), and
  // an exchange reuses only its own context's: one whose completions need no other thread.
  void give_back(std::shared_ptr<Transport> stream, const void* context);
  std::shared_ptr<Transport> take_idle(const void* context);  // nullptr when none is fresh enough

  static constexpr size_t kMaxIdle = 16;  // per io_context
  static constexpr auto kIdleReuse = std::chrono::seconds(4);
  struct Idle {
    std::shared_ptr<Transport> stream;
    std::chrono::steady_clock::time_point since;
    const void* context;
  };

  Url origin_;
  std::chrono::milliseconds connect_timeout_;
  std::mutex mutex_;
  std::vector<Idle> idle_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // https only
};

// One request on a connection of its own, its answer read whole: for the occasional call (a token, a REST
// lookup), not for traffic. Bounded by `deadline` from connect to the last byte, and by `limit` bytes of
// body.
struct Fetched {
  unsigned status = 0;
  std::string body;
};
boost::asio::awaitable<Result<Fetched>> fetch(const Url& url,
                                              const std::map<std::string, std::string>& headers,
                                              const std::chrono::steady_clock::time_point& deadline,
                                              const size_t& limit);

}  // namespace awmg::http
