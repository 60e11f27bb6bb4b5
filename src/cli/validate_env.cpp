#include "cli/validate_env.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "base/files.hpp"
#include "base/strings.hpp"
#include "cli/env.hpp"

namespace awmg::cli {
namespace {

bool docker_accessible() {
  std::string socket = env_string("DOCKER_HOST", "/var/run/docker.sock");
  if (base::starts_with(socket, "unix://")) socket = socket.substr(7);
  struct stat st {};
  if (::stat(socket.c_str(), &st) != 0) return false;
  return std::system("docker info >/dev/null 2>&1") == 0;
}

}  // namespace

Status validate_environment() {
  std::vector<std::string> problems;
  if (!docker_accessible()) {
    problems.push_back(
        "Docker daemon is not accessible. Ensure the Docker socket is mounted or Docker is running.");
  }
  std::vector<std::string> missing;
  auto set = [](const char* name) { return !env_string(name, "").empty(); };
  if (!set("MCP_GATEWAY_PORT")) missing.push_back("MCP_GATEWAY_PORT");
  if (!set("MCP_GATEWAY_DOMAIN")) missing.push_back("MCP_GATEWAY_DOMAIN");
  if (!set("MCP_GATEWAY_AGENT_ID") && !set("MCP_GATEWAY_API_KEY")) missing.push_back("MCP_GATEWAY_AGENT_ID");
  if (!missing.empty())
    problems.push_back("Required environment variables not set: " + base::join(missing, ", "));
  if (problems.empty()) return ok_status();
  std::string text = "environment validation failed: Environment validation failed:";
  for (const auto& p : problems) text += "\n  - " + p;
  return Error{text};
}

}  // namespace awmg::cli
