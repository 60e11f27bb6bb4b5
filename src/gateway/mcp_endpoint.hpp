#pragma once
#include "async/awaitable.hpp"

#include <string>

#include "gateway/gateway.hpp"
#include "http/server.hpp"

namespace awmg::gateway {

// One request to an MCP endpoint, `/mcp` (route "") or `/mcp/<server>`, under the Streamable HTTP transport
// (spec gateway §3.4): Host/Origin checks, sessions, protocol version, SSE or JSON framing, the GET stream,
// DELETE. Authentication has already passed.
boost::asio::awaitable<void> serve_mcp(Gateway& gateway, const http::Request& request,
                                       http::Responder& responder, const std::string& route);

}  // namespace awmg::gateway
