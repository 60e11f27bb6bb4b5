#pragma once
#include <string>

#include "base/result.hpp"

namespace awmg::config {

// `Configuration error at <path>: <message>[\nSuggestion: <suggestion>]`.
inline Error config_error(const std::string& path, const std::string& message,
                          const std::string& suggestion = "") {
  std::string text = "Configuration error at " + path + ": " + message;
  if (!suggestion.empty()) text += "\nSuggestion: " + suggestion;
  return Error{text};
}

inline constexpr const char* kConfigSpecUrl =
    "https://github.com/github/gh-aw/blob/main/docs/src/content/docs/reference/mcp-gateway.md";
inline constexpr const char* kSchemaUrl =
    "https://raw.githubusercontent.com/github/gh-aw/v0.81.6/docs/public/schemas/"
    "mcp-gateway-config.schema.json";

}  // namespace awmg::config
