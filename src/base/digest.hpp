#pragma once
#include <string>
#include <string_view>

namespace awmg::base {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
// The same digest in base64 (as a Content-Security-Policy hash source wants it).
std::string sha256_base64(std::string_view bytes);
// Lower-case hex HMAC-SHA256 of `bytes` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view bytes);

}  // namespace awmg::base
