#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "guard/backend_caller.hpp"
#include "wasm/engine.hpp"
#include "wasm/wasi.hpp"

namespace awmg::guard {

// Buffer protocol limits.
inline constexpr uint32_t kInitialOutputBytes = 4u << 20;
inline constexpr uint32_t kMaxOutputBytes = 16u << 20;
inline constexpr uint32_t kMaxInputBytes = 8u << 20;
inline constexpr int kMaxAttempts = 3;
inline constexpr int kMaxBackendCallsPerInvocation = 50;
// A guard that traps this often within the window is marked unavailable.
inline constexpr int kTrapLimit = 3;
inline constexpr std::chrono::seconds kTrapWindow{60};

struct WasmGuardOptions {
  wasm::GuardOutput output;                         // guard stdout/stderr; default: the gateway's stderr
  std::optional<wasm::Tier> tier;                   // force a tier (tests, `awmg guard call --tier`)
  std::chrono::milliseconds create_timeout{10000};  // how long the start function may run at creation
};

// A WASM guard: the upstream ABI over the engine's instances. One instance serves calls
// one at a time. A trap or a missed deadline fails that call closed and discards the instance; the next call
// gets a fresh one with the label_agent payloads replayed, and when the native tier becomes ready the guard
// switches to it the same way, between calls. kTrapLimit traps within kTrapWindow make the guard unavailable.
// A call runs only until its deadline, whatever instance it runs on (an expired deadline interrupts instances
// made after it fired, start functions included); a call that waited past its deadline for the calls before
// it fails without running.
class WasmGuard {
 public:
  using Clock = std::chrono::steady_clock;

  // Validates the exports with upstream's texts and instantiates once, so a broken guard fails at startup.
  static Result<std::unique_ptr<WasmGuard>> create(std::string name, std::string_view bytes,
                                                   wasm::Engine& engine, WasmGuardOptions options = {});

  const std::string& name() const { return name_; }

  // Calls label_agent, label_resource, label_response (or any export of the same signature) with `input` and
  // returns the guard's output bytes. label_agent payloads that succeed are replayed on every new instance.
  Result<std::string> call(std::string_view function, std::string_view input, BackendCaller* backend,
                           Clock::time_point deadline);

  bool healthy() const;
  wasm::Tier tier() const;
  // Ends the running call at once and fails every later one (shutdown never waits on a guard).
  void stop();
  const wasm::Code& code() const { return *code_; }

 private:
  struct Invocation;  // per-call state the host functions read

  WasmGuard(std::string name, std::shared_ptr<wasm::Code> code, wasm::Engine& engine,
            WasmGuardOptions options);
  wasm::HostFunctions host_functions();
  Status ensure_instance();
  Result<std::string> invoke(std::string_view function, std::string_view input);
  Result<std::string> attempt(std::string_view function, std::string_view input, uint32_t out_cap,
                              int32_t* status);
  Result<std::string> guest_call(std::string_view function, std::span<const uint64_t> args, uint64_t* result);
  void record_trap(std::string_view function, const std::string& error);
  void replace_instance(std::unique_ptr<wasm::Instance> instance);
  void expire();
  bool expired() const;

  std::string name_;
  std::shared_ptr<wasm::Code> code_;
  wasm::Engine& engine_;
  WasmGuardOptions options_;
  bool has_allocator_ = false;

  // One call at a time, host functions included; a caller waits its turn until its deadline. (A mutex and a
  // condition variable rather than std::timed_mutex, whose try_lock_until ThreadSanitizer cannot see.)
  class CallSlot {
   public:
    bool take_until(Clock::time_point deadline);
    void give_back();

   private:
    std::mutex mutex_;
    std::condition_variable free_;
    bool busy_ = false;
  };
  struct SlotHeld {
    explicit SlotHeld(CallSlot& taken) : slot(taken) {}
    SlotHeld(const SlotHeld&) = delete;
    SlotHeld& operator=(const SlotHeld&) = delete;
    ~SlotHeld() { slot.give_back(); }
    CallSlot& slot;
  };
  CallSlot call_slot_;
  std::unique_ptr<wasm::Instance> instance_;  // written under both mutexes, read under either
  // Short sections only, so the watchdog, stop() and status readers never wait for a running call.
  mutable std::mutex state_mutex_;
  bool expired_ = false;  // the running call's deadline passed: any instance it makes starts interrupted
  bool stopped_ = false;
  std::string unavailable_;                  // the error that made the guard unavailable
  std::vector<std::string> agent_payloads_;  // replayed on a fresh instance
  std::deque<Clock::time_point> traps_;
  bool warned_direct_memory_ = false;
  Invocation* invocation_ = nullptr;
};

}  // namespace awmg::guard
