#pragma once
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "async/awaitable.hpp"
#include "base/result.hpp"

namespace awmg::results {

// Runs jq response filters in worker processes (`<program> __jq-worker`): at most kWorkers at once, each call
// bounded by its deadline. A worker that misses a deadline is killed (with the loop it was in) and the call
// fails; a new worker starts for the next call. The waiting happens on threads of its own, never an I/O
// thread.
class JqFilters {
 public:
  static constexpr int kWorkers = 2;
  // `program`: the gateway's own executable.
  explicit JqFilters(std::string program);
  ~JqFilters();

  // `filter` applied to `input` (JSON): the one result's compact JSON, or why there is none.
  boost::asio::awaitable<Result<std::string>> run(const std::string& filter, const std::string& input,
                                                  const std::chrono::steady_clock::time_point& deadline);
  // Shutdown: filters still running end at once (their calls fail), later calls fail. Any thread.
  void stop();
  // The same, blocking the calling thread.
  Result<std::string> run_blocking(const std::string& filter, const std::string& input,
                                   std::chrono::steady_clock::time_point deadline);

 private:
  struct Worker {
    int pid = -1;
    int in = -1;   // its stdin
    int out = -1;  // its stdout
  };
  Result<Worker> take(std::chrono::steady_clock::time_point deadline);
  void give_back(Worker worker);
  void kill(Worker& worker);

  std::string program_;
  boost::asio::thread_pool threads_{kWorkers};
  std::mutex mutex_;
  std::condition_variable idle_changed_;
  std::vector<Worker> idle_;
  std::vector<int> live_;  // every worker's pid, so the destructor can end a filter that still runs
  int running_ = 0;        // workers in existence
  bool stopping_ = false;  // stop() ran: calls still queued fail at once
};

}  // namespace awmg::results
