// The deadline queue: every deadline of an io_context on one timer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "async/deadlines.hpp"

namespace awmg::async {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Running {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~Running() {
    work.reset();
    io.stop();
    thread.join();
  }
};

TEST(Deadlines, FireInTheirOrderWhateverTheOrderTheyWereAddedIn) {
  Running r;
  std::mutex mutex;
  std::vector<int> fired;
  auto record = [&](int n) {
    return [&, n] {
      std::lock_guard lock(mutex);
      fired.push_back(n);
    };
  };
  auto now = Clock::now();
  auto& queue = Deadlines::of(r.io);
  queue.add(now + milliseconds(150), record(3));
  queue.add(now + milliseconds(50), record(1));  // earlier than the timer: it moves
  queue.add(now + milliseconds(100), record(2));
  std::this_thread::sleep_for(milliseconds(120));
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  }
  std::this_thread::sleep_for(milliseconds(100));
  std::lock_guard lock(mutex);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
}

TEST(Deadlines, ACancelledDeadlineNeverFiresAndAScopedOneCancelsItself) {
  Running r;
  std::atomic<int> fired{0};
  auto& queue = Deadlines::of(r.io);
  auto soon = Clock::now() + milliseconds(30);
  auto ticket = queue.add(soon, [&] { ++fired; });
  queue.cancel(ticket);
  {
    ScopedDeadline scoped(r.io, soon, [&] { ++fired; });
  }
  ScopedDeadline moved;
  {
    ScopedDeadline inner(r.io, soon, [&] { fired += 10; });
    moved = std::move(inner);  // the deadline now lives as long as `moved`
  }
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(fired, 10);
  queue.cancel(ticket);  // cancelling twice, or after firing, does nothing
}

TEST(Deadlines, ManyThreadsAddingAndCancellingLoseNoDeadline) {
  Running r;
  std::atomic<int> fired{0};
  auto& queue = Deadlines::of(r.io);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        bool cancelled = i % 2;  // (late enough that the cancel always comes first)
        auto when = Clock::now() + milliseconds((i * 7 + t) % 40 + (cancelled ? 500 : 0));
        auto ticket = queue.add(when, [&] { ++fired; });
        if (cancelled) queue.cancel(ticket);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 50 && fired < 1000; ++i) std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(fired, 1000);  // the 1000 not cancelled
}

}  // namespace
}  // namespace awmg::async
