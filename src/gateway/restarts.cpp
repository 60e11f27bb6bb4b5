// Starting servers again: after a failed start, and when the health monitor saw one go down.
#include "async/awaitable.hpp"  // first: it supplies what Boost 1.74 forgets to include

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include "async/sleep.hpp"
#include "gateway/gateway.hpp"
#include "log/logger.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kFirstBackoff{1000};
constexpr milliseconds kMaxBackoff{60000};
// A server that stays up this long is healthy again: its next restart starts over.
constexpr auto kStableUptime = std::chrono::minutes(1);

milliseconds doubled(milliseconds delay) {
  return std::min(std::max(delay * 2, kFirstBackoff), kMaxBackoff);
}

}  // namespace

void Gateway::start_health_monitor() {
  if (!shutting_down_) monitor_.start();
}

void Gateway::restart(const std::string& server_id, const std::string& why, bool was_running) {
  if (!config_.find_server(server_id) || shutting_down_) return;
  milliseconds first_delay = kFirstBackoff;
  {
    std::lock_guard lock(refresh_mutex_);
    if (!restarting_.insert(server_id).second) return;
    const Backoff& backoff = backoff_[server_id];
    bool flapping =
        backoff.recovered_at != Clock::time_point() && Clock::now() - backoff.recovered_at < kStableUptime;
    if (was_running) first_delay = flapping ? backoff.next : milliseconds(0);
    status_.record_down(server_id, why, was_running);  // (under the lock: keep_registering's end races this)
  }
  if (was_running) metrics_.backend_restarts.with({server_id}).inc();
  log::Logger::instance().server(server_id, log::Level::kWarn, "backend",
                                 server_id + " is down (" + why + "); starting it again");
  launcher_.drop_shared(server_id);
  asio::co_spawn(
      asio::make_strand(io_),
      [this, server_id, first_delay] { return keep_registering(server_id, first_delay); }, asio::detached);
}

asio::awaitable<bool> Gateway::registered_again(const std::string& server_id) {
  while (!shutting_down_) {
    std::optional<bool> registered = co_await refresh_tools(server_id);
    if (registered) co_return *registered;
    co_await async::sleep_for(milliseconds(100));  // a refresh was running: its result is this attempt's
  }
  co_return false;
}

asio::awaitable<void> Gateway::keep_registering(const std::string& server_id,
                                                const milliseconds& first_delay) {
  milliseconds delay = first_delay;
  for (int attempt = 1; !shutting_down_; ++attempt) {
    if (delay.count() > 0) co_await async::sleep_for(delay);
    if (shutting_down_) break;
    status_.record_retry(server_id, attempt);
    log::Logger::instance().server(
        server_id, log::Level::kInfo, "backend",
        "Starting " + server_id + " again (attempt " + std::to_string(attempt) + ")");
    if (co_await registered_again(server_id)) {
      std::lock_guard lock(refresh_mutex_);
      backoff_[server_id] = Backoff{doubled(delay), Clock::now()};
      restarting_.erase(server_id);
      status_.record_recovered(server_id);
      log::Logger::instance().server(server_id, log::Level::kInfo, "backend",
                                     server_id + " is up after " + std::to_string(attempt) + " attempt(s)");
      co_return;
    }
    delay = doubled(delay);
  }
  std::lock_guard lock(refresh_mutex_);
  restarting_.erase(server_id);
}

}  // namespace awmg::gateway
