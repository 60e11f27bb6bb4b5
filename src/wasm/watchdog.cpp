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

uint64_t Watchdog::arm(Clock::time_point deadline, Instance* instance) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_id_++;
  bool earliest = deadlines_.empty() || deadline < deadlines_.begin()->first;
  deadlines_.emplace(deadline, Entry{id, instance});
  if (earliest) wake_.notify_all();
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
      wake_.wait(lock);
      continue;
    }
    auto first = deadlines_.begin();
    if (Clock::now() < first->first) {
      wake_.wait_until(lock, first->first);
      continue;
    }
    first->second.instance->interrupt();  // under the lock: disarm() cannot return meanwhile
    deadlines_.erase(first);
  }
}

}  // namespace awmg::wasm
