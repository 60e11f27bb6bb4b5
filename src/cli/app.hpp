#pragma once
#include <string>
#include <vector>

namespace awmg::cli {

// The whole command line: `awmg [flags]`, `awmg proxy`, `awmg completion <shell>`, `awmg help [command]`,
// `awmg --version`. Returns the exit code (0 success, 1 any error).
int run(const std::vector<std::string>& args);

}  // namespace awmg::cli
