#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace awmg::wasm {

// Stops guest calls that outlive their deadline: one thread sleeps until the earliest deadline and interrupts
// that instance, which traps at its next function entry or loop header. Arming is a map insert under a mutex;
// the thread is woken only when a new deadline comes before the time it already planned to look, so calls
// that finish long before their deadline never wake it.
class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // `on_expiry` runs on the watchdog thread, under its lock: it must only flag, never block.
  uint64_t arm(Clock::time_point deadline, std::function<void()> on_expiry);
  // When disarm returns, `on_expiry` is not running and will not run.
  void disarm(uint64_t id);

  // Arms for the lifetime of the object.
  class Scope {
   public:
    Scope(Watchdog& dog, Clock::time_point deadline, std::function<void()> on_expiry)
        : dog_(dog), id_(dog.arm(deadline, std::move(on_expiry))) {}
    ~Scope() { dog_.disarm(id_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Watchdog& dog_;
    uint64_t id_;
  };

 private:
  void run();

  struct Entry {
    uint64_t id;
    std::function<void()> on_expiry;
  };
  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, Entry> deadlines_;
  Clock::time_point wake_at_ = Clock::time_point::max();  // when the thread will look next
  uint64_t next_id_ = 1;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace awmg::wasm
