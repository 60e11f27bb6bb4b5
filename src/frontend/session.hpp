#pragma once
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "async/mailbox.hpp"
#include "backend/connection.hpp"

namespace awmg::frontend {

// One MCP session of the front end (`Mcp-Session-Id`), bound at initialize to a gateway session (the agent
// identity from X-Agent-ID or Authorization) and to a route ("" = unified, else the server id).
struct Session {
  std::string id;
  std::string agent;  // gateway session id: DIFC agent, payload subdirectory, stdio process key
  std::string route;
  std::string protocol_version;
  std::atomic<bool> initialized{false};
  // The least severe log level the client asked for with logging/setLevel (-1: none asked, all pass). The
  // gateway owns it: backends' log notifications below it are not relayed to this session.
  std::atomic<int> log_level{-1};
  bool shows(const backend::Event& event) const;
  std::atomic<int64_t> last_used_ns{0};
  // Server-to-client messages for the GET stream, when one is open.
  std::mutex stream_mutex;
  std::shared_ptr<async::Mailbox<std::string>> stream;

  void touch();
  // Sends a message on the GET stream; false when none is open.
  bool push_to_stream(std::string message);

  // What the client declared at initialize: which backend requests it can take.
  struct Capabilities {
    bool sampling = false, elicitation = false, roots = false;
  };
  void set_capabilities(Capabilities capabilities);
  Capabilities capabilities() const;
  // Whether the client declared what a backend request for `method` needs (sampling, elicitation, roots).
  bool takes(std::string_view method) const;

  // A backend's request relayed to this client, keyed by the id the client sees.
  struct Outbound {
    std::weak_ptr<backend::Connection> origin;
    std::string backend_id;  // JSON
  };
  // Registers a backend request; returns the id (JSON) the client gets, or std::nullopt when the client
  // already owes kMaxOutbound answers (a backend that floods requests must not grow the session without
  // bound).
  static constexpr size_t kMaxOutbound = 256;
  std::optional<std::string> add_outbound(Outbound outbound);
  std::optional<Outbound> take_outbound(const std::string& client_id);

  // The client's requests in flight (id JSON -> their event box), so notifications/cancelled can find them.
  void add_in_flight(const std::string& client_id, const backend::EventBox* events);
  void remove_in_flight(const std::string& client_id);
  const backend::EventBox* in_flight(const std::string& client_id) const;

  // Resumable request streams (MCP SEP-1699): the frames of the session's recent streams, so a client that
  // lost one may GET it again with Last-Event-ID `<stream>-<n>`. Bounded: the newest kReplayStreams streams,
  // kReplayFrames frames each (a longer stream stops being resumable).
  static constexpr size_t kReplayStreams = 16;
  static constexpr size_t kReplayFrames = 1024;
  int64_t open_stream();
  // Appends frame number n (in order, from 0) of `stream`; the last one ends it.
  void record(int64_t stream, std::string frame, bool last);
  struct Replay {
    std::vector<std::string> frames;  // those after the client's last one
    bool done = false;                // else later frames go to the follower, which is closed at the end
  };
  std::optional<Replay> resume(int64_t stream, int64_t after,
                               const std::shared_ptr<async::Mailbox<std::string>>& follower);

  // Resource URIs the client subscribed to.
  void subscribe(const std::string& uri, bool on);
  bool subscribed(const std::string& uri) const;

 private:
  mutable std::mutex mutex_;
  Capabilities capabilities_;
  int64_t next_outbound_ = 0;
  std::map<std::string, Outbound> outbound_;
  std::map<std::string, const backend::EventBox*> in_flight_;
  std::set<std::string> subscriptions_;
  struct Recorded {
    std::vector<std::string> frames;
    bool done = false;
    bool truncated = false;
    std::shared_ptr<async::Mailbox<std::string>> follower;
  };
  int64_t next_stream_ = 0;
  std::map<int64_t, Recorded> streams_;
};

// All front-end sessions. Thread-safe. An agent holds at most kMaxSessionsPerAgent: a new one ends its least
// recently used (every bare tools/call of a Gemini-style client opens one, and none is ever deleted).
class SessionStore {
 public:
  static constexpr size_t kMaxSessionsPerAgent = 256;

  std::shared_ptr<Session> create(const std::string& agent, const std::string& route);
  // The session, not touched: it is in use only once the caller knows it is the owner's.
  std::shared_ptr<Session> find(const std::string& id);
  bool remove(const std::string& id);
  // Removes sessions idle longer than `idle`; returns them.
  std::vector<std::shared_ptr<Session>> expire(std::chrono::nanoseconds idle);
  // Whether any session of this agent is open.
  bool has_agent(const std::string& agent) const;
  size_t size() const;
  // Ends every open GET stream (at shutdown), so none holds the drain up.
  void close_streams();
  std::vector<std::shared_ptr<Session>> all() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>, std::less<>> sessions_;
};

// The gateway session id for a request: X-Agent-ID when present, else a digest of the
// Authorization value without a leading "Bearer " or "Agent " (`key-` and 16 hex digits of an HMAC under a
// secret of this process: upstream uses the value itself, which would put the API key in /reflect, logs and
// file names). It must be one clean path segment, and an X-Agent-ID may not take the `key-` names;
// std::nullopt otherwise. `scoped_by_key` (several keys configured): an X-Agent-ID names an agent of that key
// only (`<X-Agent-ID>@key-…`), so no key can act as another key's agent.
inline constexpr std::string_view kKeyAgentPrefix = "key-";
std::optional<std::string> agent_identity(std::optional<std::string_view> x_agent_id,
                                          std::optional<std::string_view> authorization,
                                          bool scoped_by_key = false);

}  // namespace awmg::frontend
