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
  // After stop_and_join: destroys every io_context's pending handlers (and what they hold), all contexts
  // still alive. The destructor does it too.
  void shut_down();

 private:
  using Work = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  // An io_context whose pending handlers can be destroyed before it goes: a handler may hold the last
  // reference to an object with sockets of another io_context (an HTTP client's idle connections are kept
  // per context), which must still exist when that object closes them.
  class Context : public boost::asio::io_context {
   public:
    using io_context::io_context;
    using io_context::shutdown;
  };
  unsigned main_threads_;
  Context main_;
  std::vector<std::unique_ptr<Context>> fronts_;
  std::vector<Work> work_;
  std::vector<std::thread> threads_;
};

}  // namespace awmg::async
