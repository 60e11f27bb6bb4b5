#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/model.hpp"

namespace awmg::config {

// Loads a TOML config: unknown keys rejected with their dotted paths, stdio servers run
// `command` (docker, or any executable with a warning), defaults applied. `source` names the file
// in messages.
Result<Config> load_toml_config(std::string_view text, const std::string& source);

// Reads and loads a TOML file.
Result<Config> load_toml_file(const std::string& path);

}  // namespace awmg::config
