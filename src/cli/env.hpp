#pragma once
#include <optional>
#include <string>

#include "base/duration.hpp"
#include "base/result.hpp"

namespace awmg::cli {

// Environment lookups for flag defaults and tuning: bools accept 1/true/yes/on and 0/false/no/off (any case),
// ints and durations must parse and be > 0. A variable set to anything else yields the fallback and is
// recorded: the commands refuse to start while a refusal is recorded (upstream falls back silently).
std::optional<std::string> env_value(const char* name);
std::string env_string(const char* name, std::string fallback);
bool env_bool(const char* name, bool fallback);
long long env_int(const char* name, long long fallback);
// `zero_allowed`: "0s" is a value too (a duration that turns something off).
base::Duration env_duration(const char* name, base::Duration fallback, bool zero_allowed = false);

// The first variable read since the last reset that was set to a value it cannot take, in words naming it.
Status environment_refusals();
void reset_environment_refusals();  // before the environment is read afresh

}  // namespace awmg::cli
