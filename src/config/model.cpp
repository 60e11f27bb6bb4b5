#include "config/model.hpp"

#include <algorithm>

namespace awmg::config {

bool ServerConfig::allows_all_tools() const {
  return tools.empty() || std::find(tools.begin(), tools.end(), "*") != tools.end();
}

const ServerConfig* Config::find_server(const std::string& id) const {
  for (const auto& s : servers) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

}  // namespace awmg::config
