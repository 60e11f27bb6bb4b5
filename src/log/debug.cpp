#include "log/debug.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "base/strings.hpp"
#include "log/logger.hpp"
#include "log/sanitizer.hpp"

namespace awmg::log {
namespace {

bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string elapsed_text() {
  using Clock = std::chrono::steady_clock;
  static std::atomic<int64_t> last{0};
  int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  int64_t prev = last.exchange(now);
  int64_t ms = prev == 0 ? 0 : now - prev;
  return ms >= 1000 ? "+" + std::to_string(ms / 1000) + "s" : "+" + std::to_string(ms) + "ms";
}

}  // namespace

bool debug_pattern_matches(std::string_view spec, std::string_view ns) {
  bool included = false;
  for (const auto& raw : base::split(spec, ',')) {
    std::string_view pattern = base::trim(raw);
    if (pattern.empty()) continue;
    if (pattern[0] == '-') {
      if (glob_match(pattern.substr(1), ns)) return false;
    } else if (glob_match(pattern, ns)) {
      included = true;
    }
  }
  return included;
}

bool debug_enabled(std::string_view ns) {
  const char* spec = std::getenv("DEBUG");
  return spec && *spec && debug_pattern_matches(spec, ns);
}

void Debug::print(std::string_view message) const {
  if (!enabled()) return;
  std::string clean = sanitize(message);
  const char* colors = std::getenv("DEBUG_COLORS");
  bool color = ::isatty(STDERR_FILENO) && !(colors && std::string_view(colors) == "0");
  // A stable colour per namespace, like npm debug.
  int code = 31 + static_cast<int>(std::hash<std::string>{}(ns_) % 6);
  std::string line = color ? "\x1b[" + std::to_string(code) + "m" + ns_ + "\x1b[0m " + clean + " \x1b[" +
                                 std::to_string(code) + "m" + elapsed_text() + "\x1b[0m\n"
                           : ns_ + " " + clean + " " + elapsed_text() + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  Logger::instance().write(Level::kDebug, ns_, clean);
}

}  // namespace awmg::log
