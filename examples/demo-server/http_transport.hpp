#pragma once
#include <functional>
#include <string>

// Serves MCP's Streamable HTTP transport in its simplest form on 127.0.0.1:`port`: every POST carries one
// JSON-RPC message and gets the answer as application/json (a notification gets 202); initialize opens a
// session (Mcp-Session-Id); GET answers 405. A thread per connection, keep-alive. Runs until killed.
// `answer` maps a message (JSON text) to its reply ("" for none).
int serve_http(int port, const std::function<std::string(const std::string&)>& answer);
