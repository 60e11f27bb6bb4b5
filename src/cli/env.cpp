#include "cli/env.hpp"

#include <cstdlib>

#include "base/strings.hpp"

namespace awmg::cli {

std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
}

std::string env_string(const char* name, std::string fallback) {
  auto v = env_value(name);
  return v && !v->empty() ? *v : fallback;
}

bool env_bool(const char* name, bool fallback) {
  auto v = env_value(name);
  if (!v) return fallback;
  std::string s = base::to_lower(base::trim(*v));
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  return fallback;
}

long long env_int(const char* name, long long fallback) {
  auto v = env_value(name);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  return (*end == '\0' && n > 0) ? n : fallback;
}

base::Duration env_duration(const char* name, base::Duration fallback, bool zero_allowed) {
  auto v = env_value(name);
  if (!v) return fallback;
  auto d = base::parse_duration(*v);
  return d && (d->count() > 0 || (zero_allowed && d->count() == 0)) ? *d : fallback;
}

}  // namespace awmg::cli
