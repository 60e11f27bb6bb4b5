#include "async/deadlines.hpp"

#include <vector>

namespace awmg::async {

Deadlines::Deadlines(boost::asio::io_context& io) : boost::asio::io_context::service(io), timer_(io) {}

uint64_t Deadlines::add(Clock::time_point when, std::function<void()> callback) {
  std::lock_guard lock(entries_->mutex);
  uint64_t ticket = ++entries_->next_ticket;
  if (entries_->stopped) return ticket;
  entries_->by_time.emplace(when, ticket);
  entries_->callbacks.emplace(ticket, std::make_pair(when, std::move(callback)));
  if (when < armed_) arm(when);
  return ticket;
}

void Deadlines::Entries::cancel(uint64_t ticket) {
  std::function<void()> dropped;  // destroyed after the lock: it may own what cancels other deadlines
  std::lock_guard lock(mutex);
  auto entry = callbacks.find(ticket);
  if (entry == callbacks.end()) return;
  auto [first, last] = by_time.equal_range(entry->second.first);
  for (auto it = first; it != last; ++it) {
    if (it->second == ticket) {
      by_time.erase(it);
      break;
    }
  }
  dropped = std::move(entry->second.second);
  callbacks.erase(entry);
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
    std::lock_guard lock(entries_->mutex);
    auto now = Clock::now();
    auto& by_time = entries_->by_time;
    while (!by_time.empty() && by_time.begin()->first <= now) {
      auto entry = entries_->callbacks.find(by_time.begin()->second);
      due.push_back(std::move(entry->second.second));
      entries_->callbacks.erase(entry);
      by_time.erase(by_time.begin());
    }
    armed_ = Clock::time_point::max();
    if (!by_time.empty() && !entries_->stopped) arm(by_time.begin()->first);
  }
  for (auto& callback : due) callback();
}

void Deadlines::shutdown() {
  std::map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> dropped;
  std::lock_guard lock(entries_->mutex);
  entries_->stopped = true;
  entries_->by_time.clear();
  dropped.swap(entries_->callbacks);
  timer_.cancel();
}

}  // namespace awmg::async
