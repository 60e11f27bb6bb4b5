#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awmg::base {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Quoted the way Go's %q quotes a plain string (enough for messages that name user input).
std::string quote(std::string_view s);
// Every byte `keep` refuses written as `marker` and two upper-case hex digits (percent-encoding, C names).
std::string hex_escape(std::string_view s, char marker, bool (*keep)(char));
// The byte a percent-escape at `s[at]` ("%2F") stands for; std::nullopt when there is none there.
std::optional<char> percent_escape_at(std::string_view s, size_t at);

}  // namespace awmg::base
