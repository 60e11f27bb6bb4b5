#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace awmg::cli {

// Expands `$VAR` and `${VAR}` against the current environment (unset -> empty), as .env values are.
std::string expand_shell_variables(std::string_view text);

// Loads a .env file into the process environment: `KEY=VALUE` lines, trimmed, `#`
// comments and blank lines skipped, lines without `=` ignored, values expanded, no quote stripping, later
// lines win.
Status load_env_file(const std::string& path);

}  // namespace awmg::cli
