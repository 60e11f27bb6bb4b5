#pragma once
#include "async/awaitable.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "github/rest.hpp"
#include "http/client.hpp"
#include "http/server.hpp"

namespace awmg::proxy {

// The GitHub API the proxy forwards to.
class Upstream {
 public:
  // `base`: the REST API base (https://api.github.com, https://ghes.example/api/v3); `token`: the fallback
  // token for clients that send no Authorization and for the guard's own calls; `timeout`: an exchange's
  // bound from connect to the body's last byte.
  static Result<Upstream> create(const std::string& base, std::string token,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60));
  std::chrono::milliseconds timeout() const { return timeout_; }

  const std::string& base() const { return base_; }
  std::string host() const { return origin_.host_header(); }
  // The request target upstream for a REST path and query, and for GraphQL (<base>/graphql, or
  // <server>/api/graphql for a base ending in /api/v3).
  std::string rest_target(const std::string& path, const std::string& query) const;
  const std::string& graphql_target() const { return graphql_target_; }
  // Where the guard's metadata calls go, with the fallback token ("" when there is none).
  github::Api api() const { return {base_, token_}; }
  bool has_token() const { return !token_.empty(); }

  // The headers sent upstream: the client's Authorization as is, else `token <fallback>`; GitHub's JSON media
  // type and the proxy's User-Agent whatever the client sent; for a body, the client's Content-Type, or JSON
  // for a GraphQL body the proxy built (a form type could make a server read other fields from it).
  enum class Body { kNone, kClients, kJson };
  std::map<std::string, std::string> headers(const http::Request& client, Body body) const;

  // Sends the request and reads the response head, bounded by `abort`'s deadline.
  boost::asio::awaitable<Result<std::unique_ptr<http::Exchange>>> send(
      const boost::beast::http::verb& verb, const std::string& target,
      const std::map<std::string, std::string>& headers, const std::string& body,
      const std::shared_ptr<http::Abort>& abort) const;

 private:
  Upstream(http::Url origin, std::string base, std::string token, std::chrono::milliseconds timeout);

  http::Url origin_;
  std::string base_;
  std::string base_path_;  // the base's path, without a trailing slash ("" or "/api/v3")
  std::string graphql_target_;
  std::string token_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<http::Client> client_;
};

// An exchange with upstream bounded from connect to the last byte of the body: pass abort() to send(); the
// connection is closed when the time runs out while this object lives.
class Bounded {
 public:
  Bounded(const boost::asio::any_io_executor& executor, std::chrono::milliseconds timeout);
  ~Bounded();
  Bounded(const Bounded&) = delete;
  Bounded& operator=(const Bounded&) = delete;
  const std::shared_ptr<http::Abort>& abort() const { return abort_; }

 private:
  std::shared_ptr<http::Abort> abort_;
  boost::asio::steady_timer timer_;
};

// The response headers a client gets from upstream's: Content-Type, Content-Disposition, Location, Link,
// X-GitHub-Request-Id and the X-RateLimit-* family; nothing else (cookies, upstream's caching and security
// headers describe upstream, not the proxy).
void copy_response_headers(const http::Exchange& from, boost::beast::http::fields& to);

// Retry-After for a passed-through answer that says the rate limit is spent (429, or
// X-RateLimit-Remaining 0): the seconds until X-RateLimit-Reset plus one, 60 when the reset is absent or
// past, at most 3600. std::nullopt when the limit is not spent.
std::optional<long> retry_after(unsigned status, const std::string& remaining, const std::string& reset,
                                std::chrono::system_clock::time_point now);

}  // namespace awmg::proxy
