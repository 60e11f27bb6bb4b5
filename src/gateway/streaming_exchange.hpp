#pragma once
#include "async/awaitable.hpp"

#include <memory>

#include "gateway/gateway.hpp"
#include "gateway/sse_framing.hpp"
#include "http/server.hpp"
#include "json/json.hpp"

namespace awmg::gateway {

// Answers a request that may reach a backend. The request runs in its own coroutine while this one streams
// what the backend sends meanwhile (notifications, its own requests to the client) as events of a chunked SSE
// response, then the answer; a request with nothing to stream gets one ordinary response. A client that takes
// only JSON gets the answer alone, and the backend's requests are refused for it. The request is registered
// in the session while it runs (for notifications/cancelled).
boost::asio::awaitable<void> answer_streaming(Gateway& gw, const std::shared_ptr<Session>& session,
                                              const std::shared_ptr<json::Document>& message,
                                              const http::Request& req, http::Responder& responder,
                                              const Accepts& accepts);

// Keepalive comments on an open stream: rarely in general, often while the client owes a backend an answer.
inline constexpr auto kStreamPing = std::chrono::seconds(15);
inline constexpr auto kClientCheck = std::chrono::milliseconds(250);

}  // namespace awmg::gateway
