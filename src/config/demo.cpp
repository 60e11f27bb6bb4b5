#include "config/demo.hpp"

#include "json/json.hpp"

namespace awmg::config {

std::string demo_config_toml(const std::string& demo_server, const std::string& guard) {
  // json::quote yields a valid TOML basic string too (same escapes).
  std::string toml =
      "# awmg embedded demo config\n"
      "[gateway]\n"
      "port = 3000\n"
      "domain = \"localhost\"\n"
      "startup_timeout = 10\n"
      "\n"
      "[servers.demo]\n"
      "command = " +
      json::quote(demo_server) +
      "\n"
      "args = []\n";
  if (guard.empty()) return toml;
  return toml + "guard = \"repos\"\n\n[guards.repos]\ntype = \"wasm\"\npath = " + json::quote(guard) +
         "\npolicy = { \"allow-only\" = { repos = \"public\", \"min-integrity\" = \"none\" } }\n";
}

}  // namespace awmg::config
