#include "cli/flag_set.hpp"

#include <cerrno>
#include <cstdlib>

#include "base/strings.hpp"
#include "cli/env.hpp"

namespace awmg::cli {
namespace {

std::optional<bool> parse_bool(std::string_view v) {
  // strconv.ParseBool
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
  return std::nullopt;
}

std::string syntax_error(std::string_view fn, std::string_view v) {
  return "strconv." + std::string(fn) + ": parsing " + base::quote(v) + ": invalid syntax";
}

std::string number_text(double v) {
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

FlagSet::Flag& FlagSet::add(std::string name, char shorthand, Kind kind, std::string usage,
                            std::string default_text) {
  Flag flag;
  flag.name = std::move(name);
  flag.shorthand = shorthand;
  flag.kind = kind;
  flag.usage = std::move(usage);
  flag.default_text = std::move(default_text);
  flags_.push_back(std::move(flag));
  return flags_.back();
}

void FlagSet::add_bool(std::string name, char shorthand, bool* target, std::string usage) {
  add(std::move(name), shorthand, Kind::kBool, std::move(usage), *target ? "true" : "").set =
      [target](std::string_view v) -> std::optional<std::string> {
    auto b = parse_bool(v);
    if (!b) return syntax_error("ParseBool", v);
    *target = *b;
    return std::nullopt;
  };
}

void FlagSet::add_count(std::string name, char shorthand, int* target, std::string usage) {
  add(std::move(name), shorthand, Kind::kCount, std::move(usage), "").set =
      [target](std::string_view v) -> std::optional<std::string> {
    if (v == "+1") {
      ++*target;
      return std::nullopt;
    }
    char* end = nullptr;
    std::string s(v);
    long n = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end) return syntax_error("ParseInt", v);
    *target = static_cast<int>(n);
    return std::nullopt;
  };
}

void FlagSet::add_string(std::string name, char shorthand, std::string* target, std::string usage) {
  add(std::move(name), shorthand, Kind::kString, std::move(usage), *target).set =
      [target](std::string_view v) -> std::optional<std::string> {
    *target = std::string(v);
    return std::nullopt;
  };
}

void FlagSet::add_string(std::string name, char shorthand, std::string* target, std::string usage, Env env,
                         std::string fallback) {
  *target = env_string(env.name, std::move(fallback));
  add_string(std::move(name), shorthand, target, std::move(usage));
}

void FlagSet::add_bool(std::string name, char shorthand, bool* target, std::string usage, Env env,
                       bool fallback) {
  *target = env_bool(env.name, fallback);
  add_bool(std::move(name), shorthand, target, std::move(usage));
}

void FlagSet::add_int(std::string name, char shorthand, int64_t* target, std::string usage, Env env,
                      int64_t fallback) {
  *target = env_int(env.name, fallback);
  add_int(std::move(name), shorthand, target, std::move(usage));
}

void FlagSet::add_duration(std::string name, char shorthand, base::Duration* target, std::string usage,
                           Env env, base::Duration fallback) {
  *target = env_duration(env.name, fallback, env.zero_allowed);
  add_duration(std::move(name), shorthand, target, std::move(usage));
}

void FlagSet::add_int(std::string name, char shorthand, int64_t* target, std::string usage) {
  add(std::move(name), shorthand, Kind::kInt, std::move(usage), std::to_string(*target)).set =
      [target](std::string_view v) -> std::optional<std::string> {
    std::string s(v);
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(s.c_str(), &end, 0);
    if (s.empty() || *end) return syntax_error("ParseInt", v);
    if (errno == ERANGE) return "strconv.ParseInt: parsing " + base::quote(v) + ": value out of range";
    *target = n;
    return std::nullopt;
  };
}

void FlagSet::add_float(std::string name, char shorthand, double* target, std::string usage) {
  add(std::move(name), shorthand, Kind::kFloat, std::move(usage), number_text(*target)).set =
      [target](std::string_view v) -> std::optional<std::string> {
    std::string s(v);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end) return syntax_error("ParseFloat", v);
    *target = d;
    return std::nullopt;
  };
}

void FlagSet::add_duration(std::string name, char shorthand, base::Duration* target, std::string usage) {
  add(std::move(name), shorthand, Kind::kDuration, std::move(usage), base::format_duration(*target)).set =
      [target](std::string_view v) -> std::optional<std::string> {
    auto d = base::parse_duration(v);
    if (!d) return "time: invalid duration " + base::quote(v);
    *target = *d;
    return std::nullopt;
  };
}

void FlagSet::add_list(std::string name, char shorthand, std::vector<std::string>* target,
                       std::string usage) {
  add(std::move(name), shorthand, Kind::kList, std::move(usage), "").set =
      [target, first = true](std::string_view v) mutable -> std::optional<std::string> {
    if (first) target->clear();  // the first use replaces the default, later uses append (pflag)
    first = false;
    for (auto& item : base::split(v, ',')) target->push_back(item);
    return std::nullopt;
  };
}

FlagSet::Flag* FlagSet::find_long(std::string_view name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

FlagSet::Flag* FlagSet::find_short(char c) {
  for (auto& f : flags_) {
    if (f.shorthand && f.shorthand == c) return &f;
  }
  return nullptr;
}

bool FlagSet::changed(std::string_view name) const {
  for (const auto& f : flags_) {
    if (f.name == name) return f.changed;
  }
  return false;
}

std::optional<std::string> FlagSet::assign(Flag& flag, std::string_view value, std::string_view shown_name) {
  if (auto err = flag.set(value)) {
    return "invalid argument " + base::quote(value) + " for " + base::quote(shown_name) + " flag: " + *err;
  }
  flag.changed = true;
  return std::nullopt;
}

Result<std::vector<std::string>> FlagSet::parse(const std::vector<std::string>& args) {
  std::vector<std::string> positionals;
  auto takes_no_value = [](const Flag& f) { return f.kind == Kind::kBool || f.kind == Kind::kCount; };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positionals.insert(positionals.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positionals.push_back(arg);
      continue;
    }
    if (arg[1] == '-') {  // long form
      std::string body = arg.substr(2);
      auto eq = body.find('=');
      std::string name = body.substr(0, eq);
      if (name == "help") {
        help_ = true;
        continue;
      }
      Flag* flag = find_long(name);
      if (!flag || name.empty() || name[0] == '-' || name[0] == '=') return Error{"unknown flag: --" + name};
      std::string shown = (flag->shorthand ? std::string("-") + flag->shorthand + ", " : "") + "--" + name;
      std::string value;
      if (eq != std::string::npos) {
        value = body.substr(eq + 1);
      } else if (takes_no_value(*flag)) {
        value = flag->kind == Kind::kBool ? "true" : "+1";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Error{"flag needs an argument: --" + name};
      }
      if (auto err = assign(*flag, value, shown)) return Error{*err};
      continue;
    }
    // shorthand cluster: -abc, -lvalue, -l value, -l=value
    std::string cluster = arg.substr(1);
    for (size_t j = 0; j < cluster.size(); ++j) {
      char c = cluster[j];
      if (c == 'h') {
        help_ = true;
        continue;
      }
      Flag* flag = find_short(c);
      if (!flag) return Error{std::string("unknown shorthand flag: '") + c + "' in " + arg};
      std::string shown = std::string("-") + c + ", --" + flag->name;
      std::string rest = cluster.substr(j + 1);
      std::string value;
      bool consumed_rest = false;
      if (!rest.empty() && rest[0] == '=') {
        value = rest.substr(1);
        consumed_rest = true;
      } else if (takes_no_value(*flag)) {
        value = flag->kind == Kind::kBool ? "true" : "+1";
      } else if (!rest.empty()) {
        value = rest;
        consumed_rest = true;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Error{std::string("flag needs an argument: '") + c + "' in " + arg};
      }
      if (auto err = assign(*flag, value, shown)) return Error{*err};
      if (consumed_rest) break;
    }
  }
  return positionals;
}

std::string FlagSet::usages() const {
  struct Line {
    std::string left, right;
  };
  std::vector<Line> lines;
  size_t width = 0;
  auto type_name = [](Kind k) -> std::string {
    switch (k) {
      case Kind::kString:
        return " string";
      case Kind::kInt:
        return " int";
      case Kind::kFloat:
        return " float";
      case Kind::kDuration:
        return " duration";
      case Kind::kList:
        return " strings";
      default:
        return "";
    }
  };
  auto add_line = [&](char shorthand, const std::string& name, Kind kind, std::string right) {
    std::string left = shorthand ? std::string("  -") + shorthand + ", --" : "      --";
    left += name + type_name(kind);
    width = std::max(width, left.size());
    lines.push_back({left, std::move(right)});
  };
  for (const auto& f : flags_) {
    std::string right = f.usage;
    if (!f.default_text.empty()) {
      right += f.kind == Kind::kString ? " (default " + base::quote(f.default_text) + ")"
                                       : " (default " + f.default_text + ")";
    }
    add_line(f.shorthand, f.name, f.kind, right);
  }
  add_line('h', "help", Kind::kBool, "help for this command");
  std::string out;
  for (const auto& l : lines) out += l.left + std::string(width - l.left.size() + 3, ' ') + l.right + "\n";
  return out;
}

}  // namespace awmg::cli
