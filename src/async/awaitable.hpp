#pragma once
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>; include this instead.
#include <utility>

#include <boost/asio/awaitable.hpp>
