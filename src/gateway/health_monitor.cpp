#include "gateway/health_monitor.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include "async/mailbox.hpp"
#include "async/sleep.hpp"
#include "log/logger.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + " s";
}

}  // namespace

HealthMonitor::HealthMonitor(asio::io_context& io, backend::Launcher& launcher, backend::ServerStatus& status,
                             Options options, Restart restart)
    : io_(io), launcher_(launcher), status_(status), options_(options), restart_(std::move(restart)) {}

void HealthMonitor::start() {
  if (options_.probe_every.count() <= 0) return;  // turned off
  asio::co_spawn(
      asio::make_strand(io_), [this] { return run(); }, asio::detached);
}

void HealthMonitor::stop() {
  stopped_ = true;
}

asio::awaitable<void> HealthMonitor::run() {
  auto next_probe = Clock::now() + options_.probe_every;
  while (!stopped_) {
    co_await async::sleep_for(options_.check_every);
    if (stopped_) co_return;
    check_liveness();
    if (Clock::now() < next_probe) continue;
    co_await probe_all();
    next_probe = Clock::now() + options_.probe_every;
  }
}

// Servers /health shows running, or in error (an agent's launch failed, or a refresh of its tools): one that
// is starting, or being started again, has its own loop, and one never started has nothing to watch.
void HealthMonitor::check_liveness() {
  for (const auto& [id, health] : status_.snapshot()) {
    bool watched = health.status == "running" || (health.status == "error" && health.ever_started);
    if (watched && !launcher_.shared_alive(id))
      restart_(id, "its connection closed (the process exited or the server went away)");
  }
}

asio::awaitable<void> HealthMonitor::probe_all() {
  auto connections = launcher_.live_connections();
  auto done = async::Mailbox<bool>::create(co_await asio::this_coro::executor);
  for (const auto& open : connections) {
    asio::co_spawn(
        asio::make_strand(io_), [this, open, done] { return probe(open, done); }, asio::detached);
  }
  for (size_t i = 0; i < connections.size(); ++i)
    co_await done->receive(Clock::now() + options_.probe_timeout + std::chrono::seconds(5));
}

asio::awaitable<void> HealthMonitor::probe(const backend::Launcher::OpenConnection& open,
                                           const std::shared_ptr<async::Mailbox<bool>>& done) {
  bool ok = co_await answers(open.connection);
  if (!ok && !stopped_) {
    std::string why = "it did not answer a ping within " + seconds_text(options_.probe_timeout);
    if (open.agent.empty()) {
      restart_(open.server_id, why);
    } else {
      log::Logger::instance().server(open.server_id, log::Level::kWarn, "health",
                                     "Closing an agent's connection to " + open.server_id + ": " + why);
      launcher_.drop(open.server_id, open.agent, open.connection);
    }
  }
  done->push(ok);
}

asio::awaitable<bool> HealthMonitor::answers(const std::shared_ptr<backend::Connection>& connection) {
  const std::string method = "ping", params = "{}", no_trace;
  const std::shared_ptr<backend::EventBox> no_events;
  const auto deadline = Clock::now() + options_.probe_timeout;
  auto reply = co_await connection->call(method, params, deadline, no_events, no_trace);
  co_return reply.ok();
}

}  // namespace awmg::gateway
