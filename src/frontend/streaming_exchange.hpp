#pragma once
#include "async/awaitable.hpp"

#include <memory>

#include "frontend/dispatcher.hpp"
#include "frontend/framing.hpp"
#include "http/server.hpp"
#include "json/json.hpp"
#include "telemetry/trace_context.hpp"

namespace awmg::frontend {

// Answers a request that may reach a backend. The request runs in its own coroutine while this one streams
// what the backend sends meanwhile (notifications, its own requests to the client) as events of a chunked SSE
// response, then the answer; a request with nothing to stream gets one ordinary response. A client that takes
// only JSON gets the answer alone, and the backend's requests are refused for it. The request is registered
// in the session while it runs (for notifications/cancelled).
boost::asio::awaitable<void> answer_streaming(const FrontDoor& door, const std::shared_ptr<Session>& session,
                                              const std::shared_ptr<json::Document>& message,
                                              const std::string& id, const http::Request& req,
                                              http::Responder& responder, const Accepts& accepts,
                                              const telemetry::SpanContext& trace);

// Keepalive comments on an open stream: rarely in general, often while the client owes a backend an answer.
inline constexpr auto kStreamPing = std::chrono::seconds(15);
inline constexpr auto kClientCheck = std::chrono::milliseconds(250);
// Resumable streams (protocol 2025-11-25 and later, SEP-1699): a request still running after kPrimeAfter
// starts its stream with a priming event; clients retry after kRetryMs.
inline constexpr std::string_view kResumableSince = "2025-11-25";
inline constexpr auto kPrimeAfter = std::chrono::milliseconds(100);
inline constexpr int kRetryMs = 1000;

// A GET that names the last event a client saw of a request stream: the frames after it, then (when the
// request still runs) the rest as it comes. False when the stream is unknown (the caller serves a standalone
// stream).
boost::asio::awaitable<bool> resume_stream(const FrontDoor& door, const std::shared_ptr<Session>& session,
                                           const std::string& last_event_id, const http::Request& req,
                                           http::Responder& responder);

}  // namespace awmg::frontend
