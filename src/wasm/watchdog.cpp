#include "wasm/watchdog.hpp"

namespace awmg::wasm {

Watchdog::Watchdog() : thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

uint64_t Watchdog::arm(Clock::time_point deadline, std::function<void()> on_expiry) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_id_++;
  deadlines_.emplace(deadline, Entry{id, std::move(on_expiry)});
  if (deadline < wake_at_) {
    wake_at_ = deadline;
    wake_.notify_all();
  }
  return id;
}

void Watchdog::disarm(uint64_t id) {
  std::lock_guard lock(mutex_);
  for (auto it = deadlines_.begin(); it != deadlines_.end(); ++it) {
    if (it->second.id == id) {
      deadlines_.erase(it);
      return;
    }
  }
}

void Watchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (deadlines_.empty()) {
      wake_at_ = Clock::time_point::max();
      wake_.wait(lock);
      continue;
    }
    auto first = deadlines_.begin();
    if (Clock::now() < first->first) {
      wake_at_ = first->first;
      wake_.wait_until(lock, wake_at_);
      continue;
    }
    first->second.on_expiry();  // under the lock: disarm() cannot return meanwhile
    deadlines_.erase(first);
  }
}

}  // namespace awmg::wasm
