#pragma once
#include "async/awaitable.hpp"

#include <chrono>
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
};

// A message for the client about an in-flight call: a notification the backend sent about it (progress for
// its token, a log message), or, with `final`, the call's own response.
struct Event {
  std::string json;
  bool final = false;
};
using EventBox = async::Mailbox<Event>;

// An initialized MCP client connection to one backend (a stdio process, later an HTTP server).
class Connection {
 public:
  virtual ~Connection() = default;

  // Sends a request and waits for its reply until `deadline`; runs on the caller's executor. `events`, when
  // given, receives the notifications the backend sends about this call. A transport failure or timeout is
  // an Error; a JSON-RPC error from the backend is an RpcReply with error_code set.
  // (References, not values: see http::Responder; callers co_await at once.)
  virtual boost::asio::awaitable<Result<RpcReply>> call(const std::string& method, const std::string& params,
                                                        Deadline deadline,
                                                        const std::shared_ptr<EventBox>& events) = 0;
  virtual void notify(std::string method, std::string params) = 0;
  virtual bool alive() const = 0;
  virtual void close() = 0;

  // The backend's initialize result (serverInfo, capabilities) as JSON text.
  virtual const std::string& initialize_result() const = 0;
};

}  // namespace awmg::backend
