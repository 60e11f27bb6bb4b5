#pragma once
#include <map>
#include <string>
#include <vector>

namespace awmg::config {

// The container fields of a JSON stdio server.
struct ContainerSpec {
  std::string container;
  std::string entrypoint;
  std::vector<std::string> entrypoint_args;
  std::vector<std::string> mounts;
  std::map<std::string, std::string> env;  // "" = pass the gateway's value through
  std::vector<std::string> args;           // extra `docker run` args, before the image
};

// `run --rm -i -e NO_COLOR=1 -e TERM=dumb -e PYTHONUNBUFFERED=1 [--entrypoint E] [-v m]... [-e K | -e K=V]...
// <args...> <container> <entrypointArgs...>`; the argv after `docker`, env in sorted
// order.
std::vector<std::string> docker_run_args(const ContainerSpec& spec);

}  // namespace awmg::config
