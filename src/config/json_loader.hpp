#pragma once
#include <string_view>

#include "base/result.hpp"
#include "config/model.hpp"

namespace awmg::config {

// Loads the JSON config read from stdin: `local` -> `stdio`, `${VAR}` expansion, schema
// validation (extension fields stripped), rule checks, and conversion (stdio servers become `docker run`
// argv).
Result<Config> load_json_config(std::string_view text);

}  // namespace awmg::config
