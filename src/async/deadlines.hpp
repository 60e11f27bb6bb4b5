#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

namespace awmg::async {

// Every deadline of an io_context on one timer. Arming and cancelling a deadline is a map insert and erase
// under a mutex: no timer operation, no system call and no handler to run, where a timer per deadline costs
// all three on every request. Most deadlines lie after every other one, so the timer rarely moves; it is set
// only when a new deadline comes before the earliest. Callbacks run on the io_context, must be quick and may
// be called from any of its threads.
class Deadlines : public boost::asio::io_context::service {
 public:
  using Clock = std::chrono::steady_clock;
  static inline boost::asio::io_context::id id;

  explicit Deadlines(boost::asio::io_context& io);
  static Deadlines& of(boost::asio::io_context& io) { return boost::asio::use_service<Deadlines>(io); }
  // The queue of the io_context an executor runs on (every executor here belongs to an io_context).
  static boost::asio::io_context& context_of(const boost::asio::any_io_executor& executor) {
    return static_cast<boost::asio::io_context&>(
        boost::asio::query(executor, boost::asio::execution::context));
  }

  // Calls `callback` at `when` unless cancelled first; the ticket cancels it.
  uint64_t add(Clock::time_point when, std::function<void()> callback);
  void cancel(uint64_t ticket);

 private:
  void shutdown() override;
  void arm(Clock::time_point when);  // with mutex_ held
  void expired(const boost::system::error_code& ec);

  std::mutex mutex_;
  boost::asio::steady_timer timer_;
  Clock::time_point armed_ = Clock::time_point::max();
  uint64_t next_ticket_ = 0;
  std::multimap<Clock::time_point, uint64_t> by_time_;
  std::map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> entries_;
  bool stopped_ = false;
};

// A deadline that is cancelled when it goes out of scope.
class ScopedDeadline {
 public:
  ScopedDeadline() = default;
  ScopedDeadline(boost::asio::io_context& io, Deadlines::Clock::time_point when,
                 std::function<void()> callback)
      : queue_(&Deadlines::of(io)), ticket_(queue_->add(when, std::move(callback))) {}
  ScopedDeadline(ScopedDeadline&& other) noexcept
      : queue_(std::exchange(other.queue_, nullptr)), ticket_(other.ticket_) {}
  ScopedDeadline& operator=(ScopedDeadline&& other) noexcept {
    if (this != &other) {
      cancel();
      queue_ = std::exchange(other.queue_, nullptr);
      ticket_ = other.ticket_;
    }
    return *this;
  }
  ~ScopedDeadline() { cancel(); }
  void cancel() {
    if (queue_) queue_->cancel(ticket_);
    queue_ = nullptr;
  }

 private:
  Deadlines* queue_ = nullptr;
  uint64_t ticket_ = 0;
};

}  // namespace awmg::async
