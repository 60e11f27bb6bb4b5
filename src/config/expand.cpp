#include "config/expand.hpp"

#include <cstdlib>

#include "config/config_error.hpp"
#include "json/json.hpp"

namespace awmg::config {
namespace {

bool name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

// Length of `NAME}` after "${" when it is a valid reference, else 0.
size_t reference_length(std::string_view text, size_t start) {
  if (start >= text.size() || !name_start(text[start])) return 0;
  size_t i = start + 1;
  while (i < text.size() && name_char(text[i])) ++i;
  return i < text.size() && text[i] == '}' ? i - start : 0;
}

}  // namespace

Result<std::string> expand_variables(std::string_view text, bool json_text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (json_text && c == '"') in_string = !in_string;
    if (json_text && in_string && c == '\\' && i + 1 < text.size()) {
      out += c;
      out += text[++i];
      continue;
    }
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      size_t len = reference_length(text, i + 2);
      if (len > 0) {
        std::string name(text.substr(i + 2, len));
        const char* value = std::getenv(name.c_str());
        if (!value) {
          return config_error("configuration", "undefined environment variable referenced: " + name,
                              "Set the environment variable " + name + " before starting the gateway");
        }
        if (json_text && in_string) {
          std::string quoted = json::quote(value);
          out += quoted.substr(1, quoted.size() - 2);
        } else {
          out += value;
        }
        i += len + 2;  // "${" + NAME + "}" minus the loop's ++i
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace awmg::config
