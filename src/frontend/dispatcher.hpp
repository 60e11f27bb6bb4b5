#pragma once
#include "async/awaitable.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "backend/connection.hpp"
#include "frontend/session.hpp"
#include "json/json.hpp"
#include "telemetry/trace_context.hpp"

namespace awmg::frontend {

// What the MCP front door asks of what stands behind it (the gateway): the front door owns HTTP, framing,
// sessions and their streams; the dispatcher decides what a message means.
class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  // The response message for a request of `session`; `id` is the request's id as the client wrote it.
  // `events`, when given, receives what a backend sends about the request while it runs; `trace` is the
  // request's span (invalid while tracing is off), the parent of what answering it does.
  virtual boost::asio::awaitable<std::string> answer(Session& session, const json::Value& request,
                                                     const std::string& id,
                                                     const std::shared_ptr<backend::EventBox>& events,
                                                     const telemetry::SpanContext& trace) = 0;
  // Whether a request for `method` may reach a backend, so its response may stream events first.
  virtual bool may_stream(std::string_view method) const = 0;
  // A notification from the client (cancellation, roots changes); `raw` is its text.
  virtual void notified(Session& session, const json::Value& message, std::string_view raw) = 0;
  // A client ended a session (DELETE).
  virtual void ended(const Session& session) = 0;
};

// Everything the front door works with.
struct FrontDoor {
  SessionStore& sessions;
  Dispatcher& dispatcher;
  const std::atomic<bool>& shutting_down;
  bool agents_scoped_by_key = false;  // several keys are configured (see agent_identity)
};

}  // namespace awmg::frontend
