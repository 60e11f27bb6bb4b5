#pragma once
#include <optional>
#include <string>

#include "base/duration.hpp"

namespace awmg::cli {

// Environment lookups with the upstream rules for flag defaults: bools accept 1/true/yes/on and
// 0/false/no/off (any case), ints and durations must parse and be > 0; anything else yields the fallback.
std::optional<std::string> env_value(const char* name);
std::string env_string(const char* name, std::string fallback);
bool env_bool(const char* name, bool fallback);
long long env_int(const char* name, long long fallback);
// `zero_allowed`: "0s" is a value too (a duration that turns something off).
base::Duration env_duration(const char* name, base::Duration fallback, bool zero_allowed = false);

}  // namespace awmg::cli
