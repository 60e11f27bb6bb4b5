#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/model.hpp"

namespace awmg::gateway {

// A backend's rate-limit signal in a tool result: an error result whose text says so. `reset_in` is the wait
// the text names ("rate reset in 30s"), if any.
struct RateLimitSignal {
  std::optional<std::chrono::seconds> reset_in;
};
std::optional<RateLimitSignal> rate_limit_signal(const std::string& result_json);

// One server's breaker. Closed: consecutive rate-limited results are counted, and the threshold-th opens it.
// Open: calls are refused until the reset time the backend named (if after the opening) or the cooldown has
// passed; then half-open: exactly one call goes through as a probe, the others are refused while it runs. A
// probe that succeeds closes the breaker; one that is rate limited opens it again. Any success resets the
// count; transport failures do not count. Thread-safe.
class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  // A reset the backend names is believed up to this far ahead: the text of a result may be chosen by whoever
  // made the backend say it, and must not shut the server for everyone for years.
  static constexpr std::chrono::seconds kMaxReset{3600};
  CircuitBreaker(std::string server_id, int threshold, std::chrono::seconds cooldown);

  // std::nullopt when the call may go; else why not (the tool error text).
  std::optional<std::string> admit(Clock::time_point now = Clock::now());
  void record_rate_limited(const RateLimitSignal& signal, Clock::time_point now = Clock::now());
  void record_success();
  // The call ended without a result (a transport failure): a probe's turn passes to the next call.
  void record_no_result();
  const char* state() const;  // "closed", "open" or "half-open"

 private:
  enum class State { kClosed, kOpen, kHalfOpen };
  void open(Clock::time_point now, std::optional<Clock::time_point> reset_at);

  const std::string server_id_;
  const int threshold_;
  const std::chrono::seconds cooldown_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  int count_ = 0;
  Clock::time_point until_{};  // open: refused until then
  bool probing_ = false;
};

// Every server's breaker, made from its configured threshold and cooldown.
class CircuitBreakers {
 public:
  explicit CircuitBreakers(const config::Config& config);
  CircuitBreaker& of(const std::string& server_id);
  std::map<std::string, std::string> states() const;  // server -> state

 private:
  std::map<std::string, std::unique_ptr<CircuitBreaker>> breakers_;
};

}  // namespace awmg::gateway
