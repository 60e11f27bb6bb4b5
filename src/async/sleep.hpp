#pragma once
#include "async/awaitable.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace awmg::async {

// Waits `delay` on the calling coroutine's executor.
inline boost::asio::awaitable<void> sleep_for(const std::chrono::milliseconds& delay) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
  boost::system::error_code ec;
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

}  // namespace awmg::async
