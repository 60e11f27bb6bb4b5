#pragma once
#include "async/awaitable.hpp"

#include <string>

#include "frontend/dispatcher.hpp"
#include "http/server.hpp"
#include "telemetry/trace_context.hpp"

namespace awmg::frontend {

// One request to an MCP endpoint, `/mcp` (route "") or `/mcp/<server>`, under the Streamable HTTP transport:
// Host/Origin checks, sessions, protocol version, SSE or JSON framing, the GET stream,
// DELETE. Authentication has already passed.
boost::asio::awaitable<void> serve_mcp(const FrontDoor& door, const http::Request& request,
                                       http::Responder& responder, const std::string& route,
                                       const telemetry::SpanContext& trace);

}  // namespace awmg::frontend
