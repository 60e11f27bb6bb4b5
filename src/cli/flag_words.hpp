#pragma once
#include <string>
#include <vector>

#include "cli/flag_set.hpp"

namespace awmg::cli {

// "--name" and "-n" for every flag of a set, plus --help/-h.
inline std::vector<std::string> flag_words(const FlagSet& flags) {
  std::vector<std::string> words;
  for (const auto& f : flags.flags()) {
    words.push_back("--" + f.name);
    if (f.shorthand) words.push_back(std::string("-") + f.shorthand);
  }
  words.push_back("--help");
  words.push_back("-h");
  return words;
}

}  // namespace awmg::cli
