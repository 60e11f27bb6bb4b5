#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace awmg::backend {

// What /health reports for one backend server.
struct ServerHealth {
  std::string status;  // "starting", "running", "restarting", "stopped" or "error"
  int64_t uptime_seconds = 0;
  std::string error;  // the recorded launch/connection error, if any; while restarting, why it went down
  int retries = 0;    // attempts since the server last failed, while it is being started again
  int restarts = 0;   // times it went down while running and was started again (or is being)
  bool ever_started = false;
};

// Thread-safe record of each configured server's launch state: `error` while a launch/connection error is
// recorded (cleared by a later success), `running` once a start time is recorded, else `stopped`.
class ServerStatus {
 public:
  explicit ServerStatus(const std::vector<std::string>& server_ids);

  void record_start(const std::string& id);
  void record_error(const std::string& id, const std::string& error);
  void record_stop(const std::string& id);
  // The gateway's first start of a server begins, or has ended either way.
  void record_starting(const std::string& id, bool starting);
  // The gateway tries again to start a server that failed (the `attempt`-th time since).
  void record_retry(const std::string& id, int attempt);
  // A server went down (failed to start, its process exited, it stopped answering): the gateway starts it
  // again until record_recovered. `was_running` counts it as a restart.
  void record_down(const std::string& id, const std::string& why, bool was_running);
  void record_recovered(const std::string& id);
  // Why a server is down while the gateway starts it again; nullopt while it is not.
  std::optional<std::string> down(const std::string& id) const;

  std::map<std::string, ServerHealth> snapshot() const;

 private:
  struct Entry {
    std::optional<std::chrono::steady_clock::time_point> started;
    std::string error;
    int retries = 0;
    bool starting = false;
    std::optional<std::string> down;  // restarting, and why it went down
    int restarts = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace awmg::backend
