#pragma once
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "async/mailbox.hpp"

namespace awmg::gateway {

// One MCP session of the front end (`Mcp-Session-Id`), bound at initialize to a gateway session (the agent
// identity from X-Agent-ID or Authorization) and to a route ("" = unified, else the server id).
struct Session {
  std::string id;
  std::string agent;  // gateway session id: DIFC agent, payload subdirectory, stdio process key
  std::string route;
  std::string protocol_version;
  std::atomic<bool> initialized{false};
  std::atomic<int64_t> last_used_ns{0};
  // Server-to-client messages for the GET stream, when one is open.
  std::mutex stream_mutex;
  std::shared_ptr<async::Mailbox<std::string>> stream;

  void touch();
};

// All front-end sessions. Thread-safe.
class SessionStore {
 public:
  std::shared_ptr<Session> create(const std::string& agent, const std::string& route);
  std::shared_ptr<Session> find(const std::string& id);
  bool remove(const std::string& id);
  // Removes sessions idle longer than `idle`; returns how many.
  size_t expire(std::chrono::nanoseconds idle);
  size_t size() const;
  // Ends every open GET stream (at shutdown), so none holds the drain up.
  void close_streams();
  std::vector<std::shared_ptr<Session>> all() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>, std::less<>> sessions_;
};

// The gateway session id for a request (spec gateway §4.4): X-Agent-ID when present, else the Authorization
// value without a leading "Bearer " or "Agent ". It must be one clean path segment; std::nullopt otherwise.
std::optional<std::string> agent_identity(std::optional<std::string_view> x_agent_id,
                                          std::optional<std::string_view> authorization);

}  // namespace awmg::gateway
