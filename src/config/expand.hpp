#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace awmg::config {

// Replaces every `${NAME}` (NAME = [A-Za-z_][A-Za-z0-9_]*) with the environment's value; `$NAME` without
// braces is left alone. An undefined variable is an error naming it (the first one); defined-but-empty is
// fine. With `json_text`, a value inserted inside a JSON string literal is JSON-escaped, so a secret holding
// `"` or
// `\` cannot corrupt the document (upstream inserts it raw); outside strings (`"port": ${PORT}`) it goes in
// as is.
Result<std::string> expand_variables(std::string_view text, bool json_text = false);

}  // namespace awmg::config
