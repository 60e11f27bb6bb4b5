#pragma once
#include "async/awaitable.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace awmg::async {

// A queue one coroutine reads from while any thread may write to it: the way a result or an event produced on
// one strand (a backend's reader) reaches a coroutine waiting on another (an HTTP exchange). Writes and close
// run on the reader's executor (at once when the writer is already there, else posted), so the queue itself
// is only ever touched there. That executor must run one handler at a time (a strand): a coroutine started on
// a bare multi-threaded io_context must not create one. Share it through shared_ptr.
template <typename T>
class Mailbox : public std::enable_shared_from_this<Mailbox<T>> {
 public:
  explicit Mailbox(boost::asio::any_io_executor executor) : timer_(executor) {
    timer_.expires_at(std::chrono::steady_clock::time_point::max());
  }

  static std::shared_ptr<Mailbox> create(boost::asio::any_io_executor executor) {
    return std::make_shared<Mailbox>(executor);
  }

  // Thread-safe. A writer already on the reader's executor (an exchange answering its own caller) writes at
  // once rather than queueing a handler.
  void push(T item) {
    boost::asio::dispatch(timer_.get_executor(),
                          [self = this->shared_from_this(), item = std::move(item)]() mutable {
                            if (self->closed_) return;
                            self->items_.push_back(std::move(item));
                            self->timer_.cancel();
                            if (self->waker_) std::exchange(self->waker_, nullptr)();
                          });
  }

  // On the mailbox's executor: `waker` is called (on that executor) when the next item arrives, once. How a
  // reader that is busy elsewhere learns that it should start reading.
  void set_waker(std::function<void()> waker) { waker_ = std::move(waker); }

  // Thread-safe. Wakes the reader; receive() then returns std::nullopt once the queue is drained.
  void close() {
    boost::asio::dispatch(timer_.get_executor(), [self = this->shared_from_this()] {
      self->closed_ = true;
      self->timer_.cancel();
    });
  }

  // On the mailbox's executor: whether close() has taken effect.
  bool closed() const { return closed_; }

  // Must run on the mailbox's executor. The next item, or std::nullopt when closed or at `deadline`.
  boost::asio::awaitable<std::optional<T>> receive(std::chrono::steady_clock::time_point deadline) {
    while (items_.empty() && !closed_) {
      if (std::chrono::steady_clock::now() >= deadline) co_return std::nullopt;
      timer_.expires_at(deadline);
      boost::system::error_code ec;
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    if (items_.empty()) co_return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    co_return item;
  }

 private:
  boost::asio::steady_timer timer_;
  std::deque<T> items_;
  bool closed_ = false;
  std::function<void()> waker_;
};

}  // namespace awmg::async
