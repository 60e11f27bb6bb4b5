#pragma once
#include "async/awaitable.hpp"

#include <memory>
#include <string>

#include "backend/connection.hpp"
#include "frontend/session.hpp"
#include "gateway/backends.hpp"
#include "json/json.hpp"
#include "telemetry/trace_context.hpp"

namespace awmg::gateway {

// Answers one JSON-RPC request of a front-end session: initialize, ping, tools/list,
// tools/call, prompts (unified), the empty resource lists, logging/setLevel. Returns the response message
// (JSON). `id` is the request's id as the client wrote it (mcp::exact_id). `events`, when given, receives
// what the backend says about a tools/call while it runs; `trace` is the parent of the spans of a tools/call
// and goes on to HTTP backends.
boost::asio::awaitable<std::string> answer_request(const Backends& backends, frontend::Session& session,
                                                   const json::Value& request, const std::string& id,
                                                   const std::shared_ptr<backend::EventBox>& events,
                                                   const telemetry::SpanContext& trace);

// The initialize result the front end sends for a route ("" = unified).
std::string initialize_result(const Backends& backends, const frontend::Session& session,
                              const std::string& client_version);

}  // namespace awmg::gateway
