#pragma once
#include "async/awaitable.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace awmg::backend {

// GitHub Actions OIDC tokens for HTTP backends configured with `auth: github-oidc`. The
// provider exists when ACTIONS_ID_TOKEN_REQUEST_URL is set; a token is fetched per audience with
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, cached until 60 s before the JWT's `exp` (5 minutes when it has none).
// Thread-safe; concurrent callers may fetch at the same time, the later answer wins.
class OidcTokens {
 public:
  // std::nullopt when ACTIONS_ID_TOKEN_REQUEST_URL is not set.
  static std::optional<std::shared_ptr<OidcTokens>> from_environment();
  OidcTokens(std::string request_url, std::string request_token);

  // A bearer token for `audience`, fetched when none is cached or it is about to expire. Runs on the caller's
  // executor (a strand).
  boost::asio::awaitable<Result<std::string>> token(const std::string& audience);

 private:
  struct Cached {
    std::string jwt;
    std::chrono::system_clock::time_point expires;
  };
  boost::asio::awaitable<Result<std::string>> fetch(const std::string& audience);

  std::string request_url_;
  std::string request_token_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;
};

// The `exp` claim of a JWT (seconds since the epoch), if it has one.
std::optional<std::chrono::system_clock::time_point> jwt_expiry(const std::string& jwt);

// `url` with `name=value` added to its query (percent-encoded).
std::string with_query_parameter(const std::string& url, const std::string& name, const std::string& value);

}  // namespace awmg::backend
