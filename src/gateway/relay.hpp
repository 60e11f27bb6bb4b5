#pragma once
#include "async/awaitable.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backend/connection.hpp"
#include "frontend/session.hpp"
#include "gateway/backends.hpp"
#include "json/json.hpp"
#include "telemetry/trace_context.hpp"

namespace awmg::gateway {

// The MCP surface the gateway passes through to a backend rather than answering itself:
// everything but the tool calls, which go through the DIFC pipeline. Requests travel with the client's
// params; the backend's answers, notifications and its own requests to the client come back to the right
// session.

// Follows nextCursor through at most 100 pages of a list method; returns the items of `field`.
boost::asio::awaitable<Result<std::vector<std::string>>> list_all(backend::Connection& conn,
                                                                  const std::string& method,
                                                                  const char* field,
                                                                  backend::Deadline deadline);

// The JSON-RPC response for the client from a backend's reply (its result, or its error with code and data).
std::string response_for(const std::string& id, const backend::RpcReply& reply);

// Whether `method` is one a routed session forwards to its backend.
bool relayed_method(std::string_view method);

// Whether anything but tool calls may pass between `server` and clients: not when a DIFC guard (other than
// noop) watches it, since guards label tool calls only.
bool relays_beyond_tools(const Guards& guards, const std::string& server);

// Forwards a client request to `server` on the session's connection; returns the JSON-RPC response for the
// client (the backend's result or error, or the gateway's error). `params` goes as it is.
boost::asio::awaitable<std::string> forward(const Backends& backends, frontend::Session& session,
                                            const std::string& server, const std::string& id,
                                            const std::string& method, const json::Value* params,
                                            const std::shared_ptr<backend::EventBox>& events,
                                            const telemetry::SpanContext& trace);
// The same with the backend's params given as JSON text.
boost::asio::awaitable<std::string> forward_text(const Backends& backends, frontend::Session& session,
                                                 const std::string& server, const std::string& id,
                                                 const std::string& method, const std::string& params,
                                                 const std::shared_ptr<backend::EventBox>& events,
                                                 const telemetry::SpanContext& trace);

// A client notification: cancellation goes to the backend call it names; roots changes to the session's
// backends.
void client_notification(backend::Launcher& launcher, frontend::Session& session, const json::Value& message,
                         std::string_view raw);

// What a backend sent outside any call, on the connection (server, session): list changes, resource updates,
// log messages, its own requests. Delivered on the GET streams of the sessions that use that connection.
// `refresh_tools` lists a server's tools again (after it said they changed).
void deliver(const Guards& guards, frontend::SessionStore& sessions,
             const std::function<void(const std::string&)>& refresh_tools, const std::string& server,
             const std::string& connection_session, const backend::Event& event);

}  // namespace awmg::gateway
