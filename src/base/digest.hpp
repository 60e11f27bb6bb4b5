#pragma once
#include <string>
#include <string_view>

namespace awmg::base {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
// Lower-case hex HMAC-SHA256 of `bytes` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view bytes);

}  // namespace awmg::base
