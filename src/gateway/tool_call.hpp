#pragma once
#include "async/awaitable.hpp"

#include <memory>
#include <string>

#include "backend/connection.hpp"
#include "gateway/gateway.hpp"
#include "gateway/session.hpp"
#include "json/json.hpp"

namespace awmg::gateway {

// The tools/call pipeline (spec gateway §4.2), the one place its order lives: arguments, deadline, allowlist,
// (guard and DIFC phases: later), the session's backend connection, the call, result conversion. Returns the
// MCP result (JSON). Failures the gateway detects are tool results with isError (DESIGN §6).
boost::asio::awaitable<std::string> call_tool(Gateway& gateway, const Session& session,
                                              const std::string& server_id, const std::string& tool,
                                              const json::Value& params,
                                              const std::shared_ptr<backend::EventBox>& events);

// A backend tool result as the client gets it (spec gateway §4.7): a result with a content array passes
// through (content kept, structuredContent and _meta kept too); anything else becomes one text item with its
// JSON.
std::string convert_tool_result(const std::string& backend_result);

}  // namespace awmg::gateway
