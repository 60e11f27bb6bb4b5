#pragma once
// A gateway on TOML config with demo-server backends, for integration tests.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/awmg_process.hpp"
#include "integration/mcp_client.hpp"

namespace awmg::test {

// A TOML config with demo-server backends: name -> extra args.
inline std::string demo_config(const std::map<std::string, std::string>& servers,
                               const std::string& extra = "") {
  std::string toml =
      "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 3\ntool_timeout = 10\n" + extra + "\n";
  for (const auto& [name, args] : servers) {
    toml += "[servers." + name + "]\ncommand = \"" + kDemoServer + "\"\nargs = [" + args + "]\n";
  }
  return toml;
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<RunningGateway> gw;
  explicit Fixture(const std::string& toml, std::vector<std::string> flags = {}) {
    dir.write("config.toml", toml);
    flags.insert(flags.begin(), {"-c", dir.file("config.toml")});
    gw = std::make_unique<RunningGateway>(flags, awmg_env(dir));
  }
  McpClient client(const std::string& path) { return McpClient(gw->port(), path, "test-key"); }
};

}  // namespace awmg::test
