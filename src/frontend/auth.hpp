#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.hpp"

namespace awmg::frontend {

enum class AuthResult { kOk, kMissing, kMalformed, kInvalid };

// The Authorization header must equal one of the keys (the configured agent ids) exactly, compared in
// constant time with every one of them. A header with NUL, control characters other than TAB, or DEL is
// malformed.
AuthResult check_authorization(std::optional<std::string_view> header, const std::vector<std::string>& keys);

// The JSON error body and status for a failed check: 401 missing/invalid, 400 malformed.
unsigned auth_failure_status(AuthResult result);
std::string auth_failure_body(AuthResult result);
// "missing_auth_header", "malformed_auth_header" or "invalid_api_key".
const char* auth_failure_detail(AuthResult result);

// Logs a rejection to the markdown log and as an `[ERROR] timestamp=... error_type=authentication_failed`
// line on stderr.
void log_auth_failure(AuthResult result, std::string_view request_id, std::string_view path,
                      std::string_view method);

// The refusal for a request whose Authorization is none of `keys` (logged as upstream does); std::nullopt
// when it may go on.
std::optional<http::Response> authenticate(const std::vector<std::string>& keys, const http::Request& req);

}  // namespace awmg::frontend
