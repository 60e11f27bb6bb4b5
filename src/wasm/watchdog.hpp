#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include "wasm/instance.hpp"

namespace awmg::wasm {

// Stops guest calls that outlive their deadline: one thread sleeps until the earliest deadline and interrupts
// that instance, which traps at its next function entry or loop header.
class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  uint64_t arm(Clock::time_point deadline, Instance* instance);
  // When disarm returns, the watchdog will not touch the instance again.
  void disarm(uint64_t id);

  // Arms for the lifetime of the object.
  class Scope {
   public:
    Scope(Watchdog& dog, Clock::time_point deadline, Instance* instance)
        : dog_(dog), id_(dog.arm(deadline, instance)) {}
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
    Instance* instance;
  };
  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, Entry> deadlines_;
  uint64_t next_id_ = 1;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace awmg::wasm
