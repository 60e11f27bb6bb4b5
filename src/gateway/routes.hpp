#pragma once
#include <functional>

#include "gateway/gateway.hpp"
#include "http/server.hpp"

namespace awmg::gateway {

// The gateway's routes: the MCP endpoints (`/mcp` unified, `/mcp/<server>` routed, with
// authentication), /health, /close, and a plain 404 for everything else (the OAuth discovery paths included).
// `request_shutdown` is called once by a successful /close, after its response is queued.
http::Handler make_routes(Gateway& gateway, std::function<void()> request_shutdown);

}  // namespace awmg::gateway
