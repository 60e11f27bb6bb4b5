#pragma once
#include <string>
#include <vector>

namespace awmg::cli {

// `awmg guard compile|inspect|call|cache`: tools for operators and guard authors over the real guard runtime.
int run_guard(const std::vector<std::string>& args);
std::string guard_help();

}  // namespace awmg::cli
