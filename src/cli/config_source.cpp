#include "cli/config_source.hpp"

#include <unistd.h>

#include <filesystem>

#include "base/files.hpp"
#include "config/demo.hpp"
#include "config/json_loader.hpp"
#include "config/toml_loader.hpp"

namespace awmg::cli {

namespace {

std::string executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(".") : exe.parent_path()).string();
}

// The example repository guard, where the build puts it (build/guards/ next to build/bin/); "" when absent.
std::string demo_guard_path() {
  std::string path = executable_dir() + "/../guards/repo_guard.wasm";
  return ::access(path.c_str(), R_OK) == 0 ? std::filesystem::path(path).lexically_normal().string() : "";
}

}  // namespace

std::string demo_server_path() {
  return executable_dir() + "/awmg-demo-server";
}

Result<config::Config> load_config(const GatewayOptions& o) {
  if (o.config_stdin) {
    auto text = base::read_fd(STDIN_FILENO, kMaxConfigBytes);
    if (!text) return Error{"failed to read configuration from stdin: " + text.error().message};
    return config::load_json_config(*text);
  }
  if (!o.demo || o.was_set("config")) return config::load_toml_file(o.config_file);
  std::string server = demo_server_path();
  if (::access(server.c_str(), X_OK) != 0) {
    return Error{"demo server not found at " + server + " (build it with the project: cmake --build)"};
  }
  return config::load_toml_config(config::demo_config_toml(server, demo_guard_path()),
                                  "<embedded demo config>");
}

}  // namespace awmg::cli
