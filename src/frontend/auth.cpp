#include "frontend/auth.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>

#include "log/logger.hpp"
#include "log/sanitizer.hpp"

namespace awmg::frontend {

AuthResult check_authorization(std::optional<std::string_view> header, const std::vector<std::string>& keys) {
  if (!header || header->empty()) return AuthResult::kMissing;
  for (unsigned char c : *header) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return AuthResult::kMalformed;
  }
  bool equal = false;
  for (const auto& key : keys) {  // every key is compared: the time taken does not say which one matched
    bool same = header->size() == key.size() && CRYPTO_memcmp(header->data(), key.data(), key.size()) == 0;
    equal = equal || same;
  }
  return equal ? AuthResult::kOk : AuthResult::kInvalid;
}

unsigned auth_failure_status(AuthResult result) {
  return result == AuthResult::kMalformed ? 400 : 401;
}

std::string auth_failure_body(AuthResult result) {
  switch (result) {
    case AuthResult::kMissing:
      return R"({"error":"unauthorized","message":"missing Authorization header"})";
    case AuthResult::kMalformed:
      return R"({"error":"bad_request","message":"malformed Authorization header"})";
    default:
      return R"({"error":"unauthorized","message":"invalid API key"})";
  }
}

const char* auth_failure_detail(AuthResult result) {
  switch (result) {
    case AuthResult::kMissing:
      return "missing_auth_header";
    case AuthResult::kMalformed:
      return "malformed_auth_header";
    default:
      return "invalid_api_key";
  }
}

void log_auth_failure(AuthResult result, std::string_view request_id, std::string_view path,
                      std::string_view method) {
  std::string ts = log::timestamp(std::chrono::system_clock::now());
  ts = ts.substr(0, 19) + "Z";  // RFC 3339 seconds
  std::string line = "[ERROR] timestamp=" + ts + " server=gateway request_id=" +
                     std::string(request_id.empty() ? "unknown" : request_id) +
                     " error_type=authentication_failed detail=" + auth_failure_detail(result) +
                     " path=" + std::string(path) + " method=" + std::string(method);
  line = log::sanitize(line);
  std::fprintf(stderr, "%s\n", line.c_str());
  log::Logger::instance().markdown(log::Level::kError, "auth",
                                   std::string("Authentication failed: ") + auth_failure_detail(result) +
                                       " " + std::string(method) + " " + std::string(path));
}

std::optional<http::Response> authenticate(const std::vector<std::string>& keys, const http::Request& req) {
  auto result = check_authorization(http::header(req, "Authorization"), keys);
  if (result == AuthResult::kOk) return std::nullopt;
  log_auth_failure(result, http::header(req, "X-Request-ID").value_or(""), http::path_of(req),
                   std::string_view(req.method_string().data(), req.method_string().size()));
  return http::make_response(req, auth_failure_status(result), auth_failure_body(result), "application/json");
}

}  // namespace awmg::frontend
