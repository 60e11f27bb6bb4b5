#pragma once
#include "async/awaitable.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>

namespace awmg::async {

// Runs blocking `work` on `pool` and resumes the awaiting coroutine on its own executor afterwards, so no I/O
// thread ever blocks. `work` must stay alive until the co_await completes (a local of the caller does).
inline boost::asio::awaitable<void> run_blocking(boost::asio::thread_pool& pool,
                                                 const std::function<void()>& work) {
  namespace asio = boost::asio;
  auto initiate = [&pool, &work](auto handler) {
    auto executor = asio::get_associated_executor(handler);
    asio::post(pool, [handler = std::move(handler), executor, &work]() mutable {
      try {
        work();
      } catch (...) {  // `work` reports through what it writes; a worker thread must never die of it
      }
      asio::post(executor, std::move(handler));
    });
  };
  auto done = asio::async_initiate<decltype(asio::use_awaitable), void()>(initiate, asio::use_awaitable);
  co_await std::move(done);
}

}  // namespace awmg::async
