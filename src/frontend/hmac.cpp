#include "frontend/hmac.hpp"

#include <openssl/crypto.h>

#include <charconv>

#include "base/digest.hpp"
#include "json/json.hpp"
#include "log/logger.hpp"

namespace awmg::frontend {
namespace {

std::optional<int64_t> parse_seconds(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string HmacVerifier::sign(std::string_view secret, std::string_view timestamp, std::string_view nonce,
                               std::string_view path, std::string_view body) {
  std::string canonical = std::string(timestamp) + "\n" + std::string(nonce) + "\n" + std::string(path) +
                          "\n" + base::sha256_hex(body);
  return base::hmac_sha256_hex(secret, canonical);
}

std::optional<std::string> HmacVerifier::check(const Headers& headers, std::string_view path,
                                               std::string_view body, Clock::time_point now) {
  if (!headers.timestamp || !headers.nonce || !headers.signature || headers.timestamp->empty() ||
      headers.nonce->empty() || headers.signature->empty())
    return "missing HMAC signature headers";
  auto seconds = parse_seconds(*headers.timestamp);
  if (!seconds) return "invalid HMAC timestamp";
  auto now_seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (*seconds < now_seconds - kWindow.count() || *seconds > now_seconds + kWindow.count())
    return "HMAC timestamp out of acceptable window";
  {
    std::lock_guard lock(mutex_);
    while (!used_.empty() && now - used_.front().first > kNonceMemory) {
      nonces_.erase(used_.front().second);
      used_.pop_front();
    }
    if (nonces_.count(*headers.nonce)) return "HMAC nonce already used (replay detected)";
  }
  std::string expected = sign(secret_, *headers.timestamp, *headers.nonce, path, body);
  bool equal = headers.signature->size() == expected.size() &&
               CRYPTO_memcmp(headers.signature->data(), expected.data(), expected.size()) == 0;
  if (!equal) return "invalid HMAC signature";
  std::lock_guard lock(mutex_);
  if (!nonces_.emplace(*headers.nonce).second)
    return "HMAC nonce already used (replay detected)";  // a concurrent request with the same nonce won
  used_.emplace_back(now, std::string(*headers.nonce));
  return std::nullopt;
}

std::optional<http::Response> verify_signature(HmacVerifier* verifier, const http::Request& req) {
  if (!verifier) return std::nullopt;
  auto refused = verifier->check({http::header(req, "X-MCP-Timestamp"), http::header(req, "X-MCP-Nonce"),
                                  http::header(req, "X-MCP-Signature")},
                                 http::path_of(req), req.body());
  if (!refused) return std::nullopt;
  log::warn("auth", "HMAC check failed: " + *refused + " " + std::string(http::path_of(req)));
  return http::make_response(req, 401, R"({"error":"unauthorized","message":)" + json::quote(*refused) + "}",
                             "application/json");
}

}  // namespace awmg::frontend
