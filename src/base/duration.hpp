#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace awmg::base {

using Duration = std::chrono::nanoseconds;

// Parses a Go duration string ("300ms", "1.5h", "2h45m", "-1s"; units ns us µs ms s m h; "0" alone).
std::optional<Duration> parse_duration(std::string_view text);

// Formats like Go's time.Duration.String() ("5s", "1m30s", "1.5s", "250ms", "0s").
std::string format_duration(Duration d);

}  // namespace awmg::base
