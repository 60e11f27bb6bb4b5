#pragma once
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace awmg::test {

struct ProcessOptions {
  std::map<std::string, std::string> env;  // set (overrides the inherited environment)
  std::vector<std::string> unset_env;      // removed from the inherited environment
  std::string stdin_data;                  // written, then stdin is closed
  bool keep_stdin_open = false;
  std::string cwd;
};

// A child process with its stdout and stderr collected by background threads. The destructor kills it
// (SIGKILL) and reaps it, so a failing test never leaves a process behind.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Exit code, 128+signal when killed by one, or std::nullopt when it is still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Blocks until `ready(stdout)` holds or the timeout passes; returns whether it held.
  bool wait_for_stdout(const std::function<bool(const std::string&)>& ready,
                       std::chrono::milliseconds timeout);
  bool wait_for_stderr(const std::function<bool(const std::string&)>& ready,
                       std::chrono::milliseconds timeout);
  // After the process exited: waits for its output pipes to reach end of file.
  void finish_output();
  std::string out() const;
  std::string err() const;
  void write_stdin(const std::string& data);
  void close_stdin();

 private:
  void reader(int fd, std::string* sink);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string out_, err_;
  std::thread out_thread_, err_thread_;
};

struct RunResult {
  int exit_code = -1;  // -1: timed out (the process was killed)
  std::string out;
  std::string err;
};

// Runs to completion, killing the process after `timeout`.
RunResult run(const std::vector<std::string>& argv, const ProcessOptions& options = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A fresh temporary directory, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string read_text(const std::string& path);
bool file_exists(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace awmg::test
