#pragma once
#include <string>
#include <vector>

#include "base/result.hpp"

namespace awmg::cli {

inline const std::vector<std::string> kCompletionShells = {"bash", "zsh", "fish", "powershell"};

// `awmg completion <shell>`: a static completion script built from the same flag tables the parser uses.
Result<std::string> completion_script(const std::vector<std::string>& args);

}  // namespace awmg::cli
