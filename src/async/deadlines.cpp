#include "async/deadlines.hpp"

#include <vector>

namespace awmg::async {

Deadlines::Deadlines(boost::asio::io_context& io) : boost::asio::io_context::service(io), timer_(io) {}

uint64_t Deadlines::add(Clock::time_point when, std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  uint64_t ticket = ++next_ticket_;
  if (stopped_) return ticket;
  by_time_.emplace(when, ticket);
  entries_.emplace(ticket, std::make_pair(when, std::move(callback)));
  if (when < armed_) arm(when);
  return ticket;
}

void Deadlines::cancel(uint64_t ticket) {
  std::function<void()> dropped;  // destroyed after the lock: it may own what cancels other deadlines
  std::lock_guard lock(mutex_);
  auto entry = entries_.find(ticket);
  if (entry == entries_.end()) return;
  auto [first, last] = by_time_.equal_range(entry->second.first);
  for (auto it = first; it != last; ++it) {
    if (it->second == ticket) {
      by_time_.erase(it);
      break;
    }
  }
  dropped = std::move(entry->second.second);
  entries_.erase(entry);
}

void Deadlines::arm(Clock::time_point when) {
  armed_ = when;
  timer_.expires_at(when);
  timer_.async_wait([this](const boost::system::error_code& ec) { expired(ec); });
}

void Deadlines::expired(const boost::system::error_code& ec) {
  if (ec) return;  // moved to an earlier deadline, or shut down
  std::vector<std::function<void()>> due;
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    while (!by_time_.empty() && by_time_.begin()->first <= now) {
      auto entry = entries_.find(by_time_.begin()->second);
      due.push_back(std::move(entry->second.second));
      entries_.erase(entry);
      by_time_.erase(by_time_.begin());
    }
    armed_ = Clock::time_point::max();
    if (!by_time_.empty() && !stopped_) arm(by_time_.begin()->first);
  }
  for (auto& callback : due) callback();
}

void Deadlines::shutdown() {
  std::map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> dropped;
  std::lock_guard lock(mutex_);
  stopped_ = true;
  by_time_.clear();
  dropped.swap(entries_);
  timer_.cancel();
}

}  // namespace awmg::async
