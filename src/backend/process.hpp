#pragma once
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace awmg::backend {

// A child process in its own process group, with pipes for stdin, stdout and stderr.
struct SpawnedProcess {
  pid_t pid = -1;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Starts `argv` (argv[0] looked up on PATH) with the gateway's environment plus `extra_env`; with
// `inherit_environment` false, with `extra_env` alone (a child that must not see the gateway's secrets). A
// non-empty `working_directory` is the child's (a relative argv[0] resolves from it).
Result<SpawnedProcess> spawn_process(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& extra_env,
                                     bool inherit_environment = true,
                                     const std::string& working_directory = "");

// `-e NAME` (no `=`) becomes `-e NAME=<value>` when NAME is set in the gateway's environment, so the docker
// CLI need not inherit it.
std::vector<std::string> inline_passthrough_env(const std::vector<std::string>& args);

// Stops a process group: SIGTERM, then SIGKILL after `grace_ms`, and reaps the leader. Blocks at most that
// long.
void terminate_process(pid_t pid, int grace_ms = 2000);

// terminate_process on a background thread, so an I/O thread never blocks on a slow child.
void terminate_process_async(pid_t pid);
// Waits for every terminate_process_async still running (at shutdown: no orphans, no zombies).
void wait_for_terminations();

}  // namespace awmg::backend
