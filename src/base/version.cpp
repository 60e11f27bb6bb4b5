#include "base/version.hpp"

#include "version_info.hpp"

namespace awmg::base {

const std::string& version_string() {
  static const std::string text = [] {
    std::string s = build::kVersion;
    if (*build::kCommit) s += std::string(", commit: ") + build::kCommit;
    if (*build::kDate) s += std::string(", built: ") + build::kDate;
    return s;
  }();
  return text;
}

}  // namespace awmg::base
