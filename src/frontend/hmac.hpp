#pragma once
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include "http/server.hpp"

namespace awmg::frontend {

// HMAC request signing for the MCP routes (--hmac-secret). A request carries X-MCP-Timestamp (Unix seconds),
// X-MCP-Nonce and X-MCP-Signature: the lower-case hex HMAC-SHA256, under the secret, of
// "<timestamp>\n<nonce>\n<path without query>\n<hex SHA-256 of the raw body>". A request is refused when a
// header is missing, the timestamp is not an integer or is more than 30 s from now, the nonce was used in the
// last 60 s, or the signature differs (compared in constant time). Only correctly signed requests use up
// their nonce. A nonce is kept for 62 s rather than 60: a timestamp up to 30 s ahead stays valid until 60 s
// after acceptance, plus a second for whole-second timestamps. Thread-safe.
class HmacVerifier {
 public:
  using Clock = std::chrono::system_clock;
  static constexpr std::chrono::seconds kWindow{30};
  static constexpr std::chrono::seconds kNonceMemory{2 * kWindow + std::chrono::seconds(2)};

  explicit HmacVerifier(std::string secret) : secret_(std::move(secret)) {}

  struct Headers {
    std::optional<std::string_view> timestamp, nonce, signature;
  };
  // The refusal's message (for a 401 `unauthorized` body), or std::nullopt when the request may go on.
  std::optional<std::string> check(const Headers& headers, std::string_view path, std::string_view body,
                                   Clock::time_point now = Clock::now());

  // The signature of a request (clients and tests sign with it).
  static std::string sign(std::string_view secret, std::string_view timestamp, std::string_view nonce,
                          std::string_view path, std::string_view body);

 private:
  std::string secret_;
  std::mutex mutex_;
  std::set<std::string, std::less<>> nonces_;                   // used in the last kNonceMemory
  std::deque<std::pair<Clock::time_point, std::string>> used_;  // the same, oldest first, for eviction
};

// The 401 refusal for an MCP request that fails `verifier` (logged without the secret); std::nullopt when it
// may go on or when no secret is set (`verifier` null).
std::optional<http::Response> verify_signature(HmacVerifier* verifier, const http::Request& req);

}  // namespace awmg::frontend
