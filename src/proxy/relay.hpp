#pragma once
#include "async/awaitable.hpp"

#include <string>

#include "http/client.hpp"
#include "http/server.hpp"

namespace awmg::proxy {

// Upstream's answer passed on as it comes: its status, the kept headers, Retry-After when it says the rate
// limit is spent, and its body piece by piece (at most one piece in memory). A body that fails midway ends
// the client's connection before the last chunk, so the client sees it truncated.
boost::asio::awaitable<void> relay_answer(const http::Request& request, http::Responder& responder,
                                          http::Exchange& exchange);

// 502 {"error":"bad_gateway","message":"upstream request failed"}: upstream gave no answer.
boost::asio::awaitable<void> bad_gateway(const http::Request& request, http::Responder& responder);

// An answer the proxy made from upstream's: upstream's status and kept headers, `body` as JSON.
boost::asio::awaitable<void> send_made(const http::Request& request, http::Responder& responder,
                                       const http::Exchange& exchange, const std::string& body);

}  // namespace awmg::proxy
