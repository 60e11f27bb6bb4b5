#pragma once
#include "async/awaitable.hpp"  // first: it supplies what Boost 1.74 forgets to include

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "async/mailbox.hpp"
#include "backend/launcher.hpp"
#include "backend/server_status.hpp"

namespace awmg::gateway {

// Watches the running backends. Every second it looks whether each running server's shared connection is
// still alive (a stdio process that exited is seen within that second); every `probe_every` it sends each
// live connection, shared or an agent's, an MCP `ping` and waits `probe_timeout` for any answer (an error
// answer counts: the backend is alive). A shared connection that died or did not answer is handed to
// `restart`; an agent's connection that did not answer is closed, and the agent's next call launches a
// fresh one.
class HealthMonitor {
 public:
  using Restart = std::function<void(const std::string& server_id, const std::string& why)>;
  struct Options {
    std::chrono::milliseconds check_every{1000};
    std::chrono::milliseconds probe_every{30000};
    std::chrono::milliseconds probe_timeout{10000};
  };

  HealthMonitor(boost::asio::io_context& io, backend::Launcher& launcher, backend::ServerStatus& status,
                Options options, Restart restart);
  void start();
  void stop();

 private:
  boost::asio::awaitable<void> run();
  void check_liveness();
  boost::asio::awaitable<void> probe_all();
  boost::asio::awaitable<void> probe(const backend::Launcher::OpenConnection& open,
                                     const std::shared_ptr<async::Mailbox<bool>>& done);
  boost::asio::awaitable<bool> answers(const std::shared_ptr<backend::Connection>& connection);

  boost::asio::io_context& io_;
  backend::Launcher& launcher_;
  backend::ServerStatus& status_;
  const Options options_;
  const Restart restart_;
  std::atomic<bool> stopped_{false};
};

}  // namespace awmg::gateway
