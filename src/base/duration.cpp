#include "base/duration.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace awmg::base {
namespace {

std::optional<double> unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration::zero();
  if (s.empty()) return std::nullopt;
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
    std::string number(s.substr(0, i));
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return std::nullopt;
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !is_digit(s[j]) && s[j] != '.') ++j;
    auto unit = unit_nanos(s.substr(0, j));
    if (!unit) return std::nullopt;
    s.remove_prefix(j);
    total += std::strtod(number.c_str(), nullptr) * *unit;
  }
  if (total > 9.2e18) return std::nullopt;
  auto ns = static_cast<int64_t>(std::llround(total));
  return Duration(negative ? -ns : ns);
}

std::string format_duration(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  char buf[64];
  auto trimmed = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.9f", v);
    std::string s = b;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  };
  if (u < 1000) {
    std::snprintf(buf, sizeof buf, "%lluns", static_cast<unsigned long long>(u));
    return sign + buf;
  }
  if (u < 1000000) return sign + trimmed(u / 1e3) + "\xC2\xB5s";
  if (u < 1000000000) return sign + trimmed(u / 1e6) + "ms";
  uint64_t hours = u / 3600000000000ULL;
  u %= 3600000000000ULL;
  uint64_t minutes = u / 60000000000ULL;
  u %= 60000000000ULL;
  std::string out = sign;
  if (hours) out += std::to_string(hours) + "h";
  if (hours || minutes) out += std::to_string(minutes) + "m";
  return out + trimmed(u / 1e9) + "s";
}

}  // namespace awmg::base
