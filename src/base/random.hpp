#pragma once
#include <string>

namespace awmg::base {

// `bytes` cryptographically random bytes as lowercase hex (2 * bytes characters).
std::string random_hex(size_t bytes);

}  // namespace awmg::base
