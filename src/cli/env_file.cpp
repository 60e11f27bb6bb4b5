#include "cli/env_file.hpp"

#include <cstdlib>

#include "base/files.hpp"
#include "base/strings.hpp"

namespace awmg::cli {
namespace {

bool name_char(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

std::string lookup(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

}  // namespace

std::string expand_shell_variables(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '{') {
      auto close = text.find('}', i + 2);
      if (close != std::string_view::npos) {
        out += lookup(std::string(text.substr(i + 2, close - i - 2)));
        i = close;
        continue;
      }
    } else if (std::string_view("*#$@!?-0123456789").find(text[i + 1]) != std::string_view::npos) {
      out += lookup(std::string(1, text[i + 1]));  // Go's os.ExpandEnv: one-character special names
      ++i;
      continue;
    } else if (name_char(text[i + 1], true)) {
      size_t j = i + 1;
      while (j < text.size() && name_char(text[j], false)) ++j;
      out += lookup(std::string(text.substr(i + 1, j - i - 1)));
      i = j - 1;
      continue;
    }
    out += text[i];
  }
  return out;
}

Status load_env_file(const std::string& path) {
  auto text = base::read_file(path, 4u << 20);
  if (!text) return Error{"failed to load .env file: " + text.error().message};
  for (const auto& raw : base::split(*text, '\n')) {
    std::string_view line = base::trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(base::trim(line.substr(0, eq)));
    if (key.empty()) continue;
    std::string value = expand_shell_variables(base::trim(line.substr(eq + 1)));
    ::setenv(key.c_str(), value.c_str(), 1);
  }
  return ok_status();
}

}  // namespace awmg::cli
