#pragma once
#include "async/awaitable.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "async/mailbox.hpp"
#include "base/result.hpp"

namespace awmg::backend {

using Deadline = std::chrono::steady_clock::time_point;

// A backend's answer to one request: the raw `result` JSON, or its JSON-RPC error.
struct RpcReply {
  std::string result;  // JSON text; empty when `error_code` is set
  std::optional<int> error_code;
  std::string error_message;
  std::string error_data;  // the error's `data` member as JSON text, if any
};

class Connection;

// A message for the client: a notification the backend sent (progress for a call's token, a log message, a
// list change), a request the backend sends the client (sampling, elicitation, roots) to be answered through
// `origin`, or, with kFinal, the call's own response.
struct Event {
  enum class Kind { kNotification, kRequest, kFinal };
  std::string json;
  Kind kind = Kind::kNotification;
  std::weak_ptr<Connection> origin;  // kRequest: the connection that waits for the answer
};
using EventBox = async::Mailbox<Event>;

// An initialized MCP client connection to one backend (a stdio process or an HTTP server).
class Connection {
 public:
  virtual ~Connection() = default;

  // Sends a request and waits for its reply until `deadline`; runs on the caller's executor. `events`, when
  // given, receives what the backend sends about this call: its notifications and its requests to the
  // client. A transport failure or timeout is an Error; a JSON-RPC error from the backend is an RpcReply with
  // error_code set. `traceparent`, when not empty, is the W3C trace context an HTTP backend's request
  // carries. (References, not values: see http::Responder; callers co_await at once.)
  virtual boost::asio::awaitable<Result<RpcReply>> call(const std::string& method, const std::string& params,
                                                        Deadline deadline,
                                                        const std::shared_ptr<EventBox>& events,
                                                        const std::string& traceparent) = 0;
  virtual void notify(std::string method, std::string params) = 0;
  // Answers a request the backend sent: `message` is a complete JSON-RPC response carrying the backend's id.
  virtual void respond(std::string message) = 0;
  // Cancels the call whose events go to `events` (notifications/cancelled to the backend; the caller gets an
  // error). No effect when no such call is pending.
  virtual void cancel(const EventBox* events, const std::string& reason) = 0;
  // Receives what the backend sends outside any call: notifications, and requests (kRequest events).
  virtual void set_listener(std::function<void(Event)> listener) = 0;
  virtual bool alive() const = 0;
  virtual void close() = 0;

  // The backend's initialize result (serverInfo, capabilities) as JSON text.
  virtual std::string initialize_result() const = 0;
};

// The client capabilities the gateway declares to every backend: whatever a client behind it may support.
// A request the actual client cannot take is answered with an error by the gateway.
inline constexpr const char* kRelayedClientCapabilities =
    R"({"sampling":{},"elicitation":{"form":{},"url":{}},"roots":{"listChanged":true}})";

}  // namespace awmg::backend
