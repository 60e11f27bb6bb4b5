#include "backend/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

extern char** environ;

namespace awmg::backend {
namespace {

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra, bool inherit) {
  std::map<std::string, std::string> env;
  for (char** e = environ; inherit && *e; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& items) {
  std::vector<char*> out;
  for (auto& s : items) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::vector<std::string> inline_passthrough_env(const std::vector<std::string>& args) {
  std::vector<std::string> out = args;
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] != "-e" || out[i + 1].find('=') != std::string::npos) continue;
    if (const char* value = std::getenv(out[i + 1].c_str())) out[i + 1] += std::string("=") + value;
  }
  return out;
}

Result<SpawnedProcess> spawn_process(const std::vector<std::string>& argv_in,
                                     const std::map<std::string, std::string>& extra_env,
                                     bool inherit_environment, const std::string& working_directory) {
  if (argv_in.empty()) return Error{"empty command"};
  if (!working_directory.empty()) {
    struct stat dir {};
    if (::stat(working_directory.c_str(), &dir) != 0)
      return Error{"working directory " + working_directory + ": " + std::strerror(errno)};
    if (!S_ISDIR(dir.st_mode)) return Error{"working directory " + working_directory + ": not a directory"};
  }
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    std::string why = std::string("pipe: ") + std::strerror(errno);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) ::close(fd);
    }
    return Error{why};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // Nothing else of the gateway's: not its listening socket, its clients' connections or other backends'
  // pipes (sockets are not close-on-exec; a backend holding the listener could accept other agents'
  // requests).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!working_directory.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_directory.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group, so stopping it stops what it started
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  std::vector<std::string> argv = argv_in;
  auto env = child_environment(extra_env, inherit_environment);
  auto c_argv = pointers(argv);
  auto c_env = pointers(env);
  SpawnedProcess p;
  int rc = ::posix_spawnp(&p.pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    return Error{"exec " + argv[0] + ": " + std::strerror(rc)};
  }
  p.stdin_fd = in[1];
  p.stdout_fd = out[0];
  p.stderr_fd = err[0];
  return p;
}

void terminate_process(pid_t pid, int grace_ms) {
  if (pid <= 0) return;
  ::kill(-pid, SIGTERM);
  ::kill(-pid, SIGCONT);  // a stopped process (SIGSTOP, a debugger) takes its SIGTERM only once continued
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(-pid, SIGKILL);  // anything left in the group
}

namespace {
std::mutex terminations_mutex;
std::condition_variable terminations_done;
int terminations_running = 0;
}  // namespace

void terminate_process_async(pid_t pid) {
  {
    std::lock_guard lock(terminations_mutex);
    ++terminations_running;
  }
  std::thread([pid] {
    terminate_process(pid);
    std::lock_guard lock(terminations_mutex);
    --terminations_running;
    terminations_done.notify_all();
  }).detach();
}

void wait_for_terminations() {
  std::unique_lock lock(terminations_mutex);
  terminations_done.wait(lock, [] { return terminations_running == 0; });
}

}  // namespace awmg::backend
