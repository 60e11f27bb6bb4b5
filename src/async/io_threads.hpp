#pragma once
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace awmg::async {

// The threads that run the gateway. Client connections are spread over the front io_contexts, each run by
// one thread, so a connection's whole exchange (its request, the HTTP backend call made for it, its answer)
// stays on one thread: no strand, no lock and no wake-up of another thread on its way, the way nginx's
// workers run. The gateway's own work (backend processes and their pipes, background streams, timers,
// signals) runs on the main io_context, which may have several threads (strands order what needs it there).
class IoThreads {
 public:
  IoThreads(unsigned main_threads, unsigned front_threads);
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;
  ~IoThreads();

  boost::asio::io_context& main() { return main_; }
  std::vector<boost::asio::io_context*> fronts() const;
  // Runs every io_context on its threads.
  void start();
  // Stops every io_context (pending handlers are not run), then waits for the threads.
  void stop_and_join();

 private:
  using Work = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  unsigned main_threads_;
  boost::asio::io_context main_;
  std::vector<std::unique_ptr<boost::asio::io_context>> fronts_;
  std::vector<Work> work_;
  std::vector<std::thread> threads_;
};

}  // namespace awmg::async
