#include "config/docker_argv.hpp"

namespace awmg::config {

std::vector<std::string> docker_run_args(const ContainerSpec& spec) {
  std::vector<std::string> argv = {
      "run", "--rm", "-i", "-e", "NO_COLOR=1", "-e", "TERM=dumb", "-e", "PYTHONUNBUFFERED=1"};
  if (!spec.entrypoint.empty()) {
    argv.push_back("--entrypoint");
    argv.push_back(spec.entrypoint);
  }
  for (const auto& m : spec.mounts) {
    argv.push_back("-v");
    argv.push_back(m);
  }
  for (const auto& [key, value] : spec.env) {  // std::map: sorted, so the argv is deterministic
    argv.push_back("-e");
    argv.push_back(value.empty() ? key : key + "=" + value);
  }
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  argv.push_back(spec.container);
  argv.insert(argv.end(), spec.entrypoint_args.begin(), spec.entrypoint_args.end());
  return argv;
}

}  // namespace awmg::config
