#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.hpp"
#include "base/result.hpp"

namespace awmg::cli {

// One command's flags, parsed with the GNU/pflag rules that Cobra users know: `--name value`, `--name=value`,
// `-n value`, `-nvalue`, chained shorthands (`-vvv`), `--bool=false`, and `--` to end the flags.
class FlagSet {
 public:
  enum class Kind { kBool, kCount, kString, kInt, kFloat, kDuration, kList };

  struct Flag {
    std::string name;
    char shorthand = 0;
    Kind kind = Kind::kString;
    std::string usage;
    std::string default_text;  // shown in help; empty = no default shown
    bool changed = false;
    // Stores a parsed value; returns an error text for a value it cannot take.
    std::function<std::optional<std::string>(std::string_view)> set;
  };

  void add_bool(std::string name, char shorthand, bool* target, std::string usage);
  void add_count(std::string name, char shorthand, int* target, std::string usage);
  void add_string(std::string name, char shorthand, std::string* target, std::string usage);
  void add_int(std::string name, char shorthand, int64_t* target, std::string usage);
  void add_float(std::string name, char shorthand, double* target, std::string usage);
  void add_duration(std::string name, char shorthand, base::Duration* target, std::string usage);
  void add_list(std::string name, char shorthand, std::vector<std::string>* target, std::string usage);

  // A flag whose default comes from the environment variable `env.name` when it is set (and valid: see
  // cli/env.hpp), else `fallback`; the flag and its environment default are declared in one place.
  struct Env {
    const char* name;
    bool zero_allowed = false;  // durations: "0s" is a value too
  };
  void add_string(std::string name, char shorthand, std::string* target, std::string usage, Env env,
                  std::string fallback);
  void add_bool(std::string name, char shorthand, bool* target, std::string usage, Env env, bool fallback);
  void add_int(std::string name, char shorthand, int64_t* target, std::string usage, Env env,
               int64_t fallback);
  void add_duration(std::string name, char shorthand, base::Duration* target, std::string usage, Env env,
                    base::Duration fallback);

  // Parses `args` (without the program and command names); returns the positional arguments.
  // Errors use pflag's wording ("unknown flag: --x", "flag needs an argument: --x", ...).
  Result<std::vector<std::string>> parse(const std::vector<std::string>& args);

  bool changed(std::string_view name) const;
  bool help_requested() const { return help_; }
  const std::vector<Flag>& flags() const { return flags_; }

  // The "Flags:" block of the help text, flags in registration order.
  std::string usages() const;

 private:
  Flag& add(std::string name, char shorthand, Kind kind, std::string usage, std::string default_text);
  Flag* find_long(std::string_view name);
  Flag* find_short(char c);
  std::optional<std::string> assign(Flag& flag, std::string_view value, std::string_view shown_name);

  std::vector<Flag> flags_;
  bool help_ = false;
};

}  // namespace awmg::cli
