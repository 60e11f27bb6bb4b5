#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

  // The deadlines themselves: shared with every ScopedDeadline, so one destroyed after its io_context (a
  // coroutine frame of another io_context) still cancels safely.
  struct Entries {
    std::mutex mutex;
    uint64_t next_ticket = 0;
    std::multimap<Clock::time_point, uint64_t> by_time;
    std::map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> callbacks;
    bool stopped = false;
    void cancel(uint64_t ticket);
  };

  // Calls `callback` at `when` unless cancelled first; the ticket cancels it.
  uint64_t add(Clock::time_point when, std::function<void()> callback);
  void cancel(uint64_t ticket) { entries_->cancel(ticket); }
  const std::shared_ptr<Entries>& entries() const { return entries_; }

 private:
  void shutdown() override;
  void arm(Clock::time_point when);  // with entries_->mutex held
  void expired(const boost::system::error_code& ec);

  std::shared_ptr<Entries> entries_ = std::make_shared<Entries>();
  boost::asio::steady_timer timer_;
  Clock::time_point armed_ = Clock::time_point::max();
};

// A deadline that is cancelled when it goes out of scope.
class ScopedDeadline {
 public:
  ScopedDeadline() = default;
  ScopedDeadline(boost::asio::io_context& io, Deadlines::Clock::time_point when,
                 std::function<void()> callback) {
    auto& queue = Deadlines::of(io);
    ticket_ = queue.add(when, std::move(callback));
    entries_ = queue.entries();
  }
  ScopedDeadline(const ScopedDeadline&) = delete;
  ScopedDeadline& operator=(const ScopedDeadline&) = delete;
  ScopedDeadline(ScopedDeadline&& other) noexcept
      : entries_(std::move(other.entries_)), ticket_(other.ticket_) {}
  ScopedDeadline& operator=(ScopedDeadline&& other) noexcept {
    if (this != &other) {
      cancel();
      entries_ = std::move(other.entries_);
      ticket_ = other.ticket_;
    }
    return *this;
  }
  ~ScopedDeadline() { cancel(); }
  void cancel() {
    if (entries_) entries_->cancel(ticket_);
    entries_.reset();
  }

 private:
  std::shared_ptr<Deadlines::Entries> entries_;
  uint64_t ticket_ = 0;
};

}  // namespace awmg::async
