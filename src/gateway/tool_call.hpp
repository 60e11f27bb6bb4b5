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

// The tools/call pipeline, the one place its order lives: arguments,
// deadline, allowlist; with DIFC on: label_agent once per session and server, tool-call limits, the agent's
// labels, label_resource, the coarse check, the backend call, label_response, item filtering, label
// propagation; then result conversion. Returns the MCP result (JSON). Failures the gateway detects, denials
// included, are tool results with isError. A WASM guard runs on its own worker thread.
boost::asio::awaitable<std::string> call_tool(const Backends& backends, const frontend::Session& session,
                                              const std::string& server_id, const std::string& tool,
                                              const json::Value& params,
                                              const std::shared_ptr<backend::EventBox>& events,
                                              const telemetry::SpanContext& trace);

// A backend tool result as the client gets it: a result with a content array passes
// through (content kept, structuredContent and _meta kept too); anything else becomes one text item with its
// JSON.
std::string convert_tool_result(const std::string& backend_result);

}  // namespace awmg::gateway
