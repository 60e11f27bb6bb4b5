#pragma once
#include "async/awaitable.hpp"

#include <memory>
#include <string>

#include "backend/connection.hpp"
#include "gateway/gateway.hpp"
#include "gateway/session.hpp"
#include "json/json.hpp"

namespace awmg::gateway {

// The tools/call pipeline (spec gateway §4.2, guard-difc §4.5), the one place its order lives: arguments,
// deadline, allowlist; with DIFC on: label_agent once per session and server, tool-call limits, the agent's
// labels, label_resource, the coarse check, the backend call, label_response, item filtering, label
// propagation; then result conversion. Returns the MCP result (JSON). Failures the gateway detects, denials
// included, are tool results with isError (DESIGN §6). Guards run on the guard worker threads.
boost::asio::awaitable<std::string> call_tool(Gateway& gateway, const Session& session,
                                              const std::string& server_id, const std::string& tool,
                                              const json::Value& params,
                                              const std::shared_ptr<backend::EventBox>& events);

// A backend tool result as the client gets it (spec gateway §4.7): a result with a content array passes
// through (content kept, structuredContent and _meta kept too); anything else becomes one text item with its
// JSON.
std::string convert_tool_result(const std::string& backend_result);

}  // namespace awmg::gateway
