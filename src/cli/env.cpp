#include "cli/env.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "base/strings.hpp"

namespace awmg::cli {
namespace {

std::mutex g_refusals_mutex;
std::vector<std::string> g_refusals;

// (The value is not repeated: a secret pasted into the wrong variable must not reach a log.)
void refuse(const char* name, const char* wanted) {
  std::string text = std::string("environment variable ") + name + " is set but is not " + wanted;
  std::lock_guard lock(g_refusals_mutex);
  if (std::find(g_refusals.begin(), g_refusals.end(), text) == g_refusals.end()) g_refusals.push_back(text);
}

}  // namespace

Status environment_refusals() {
  std::lock_guard lock(g_refusals_mutex);
  if (g_refusals.empty()) return ok_status();
  return Error{g_refusals.front()};
}

void reset_environment_refusals() {
  std::lock_guard lock(g_refusals_mutex);
  g_refusals.clear();
}

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
  if (!v || base::trim(*v).empty()) return fallback;
  std::string s = base::to_lower(base::trim(*v));
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  refuse(name, "a boolean (1, true, yes, on, 0, false, no or off)");
  return fallback;
}

long long env_int(const char* name, long long fallback) {
  auto v = env_value(name);
  if (!v || base::trim(*v).empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (*end == '\0' && n > 0) return n;
  refuse(name, "a positive integer");
  return fallback;
}

base::Duration env_duration(const char* name, base::Duration fallback, bool zero_allowed) {
  auto v = env_value(name);
  if (!v || base::trim(*v).empty()) return fallback;
  auto d = base::parse_duration(*v);
  if (d && (d->count() > 0 || (zero_allowed && d->count() == 0))) return *d;
  refuse(name, zero_allowed ? "a duration of 0s or more (such as 30s)" : "a positive duration (such as 30s)");
  return fallback;
}

}  // namespace awmg::cli
