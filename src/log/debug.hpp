#pragma once
#include <string>
#include <string_view>

namespace awmg::log {

// npm-debug style namespace matching: a comma list of patterns where `*` matches any run,
// and a leading `-` excludes (exclusions win).
bool debug_pattern_matches(std::string_view spec, std::string_view ns);

// Whether `ns` is enabled by the DEBUG environment variable as it is now (read at call time, so -vv/-vvv
// work).
bool debug_enabled(std::string_view ns);

// A namespace logger ("server:unified", "launcher:pool"). Enabled lines go to stderr as
// `<ns> <msg> +<elapsed>` (coloured on a TTY unless DEBUG_COLORS=0) and to the unified log as DEBUG.
class Debug {
 public:
  explicit Debug(std::string ns) : ns_(std::move(ns)) {}
  bool enabled() const { return debug_enabled(ns_); }
  void print(std::string_view message) const;

 private:
  std::string ns_;
};

}  // namespace awmg::log
