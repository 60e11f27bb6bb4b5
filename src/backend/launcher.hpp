#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/connection.hpp"
#include "backend/oidc.hpp"
#include "backend/server_status.hpp"
#include "config/model.hpp"
#include "log/rpc_log.hpp"

namespace awmg::backend {

// Owns every backend connection: one shared connection per server, made at startup
// (agent "") for tool registration, and one per (server, agent), launched on the agent's first use: a process
// for stdio servers, a backend session for HTTP servers (upstream shares one HTTP session among all agents;
// here an agent's backend requests and log lines can only reach that agent). An agent is a gateway session:
// the identity of X-Agent-ID or of the key, which any number of MCP sessions may share. A connection
// that died is relaunched on the next use; concurrent first uses share one launch; other keys never wait for
// it. Idle agent connections are swept, and an agent's connections end with close_agent. At most
// kMaxAgentsPerServer agent connections of one server are open at once: past that an agent gets an
// error, never another process. While the server is down (ServerStatus::down) an agent gets an error at once
// rather than a launch that would wait for its timeout: unless it has a live stdio process of its own (an
// HTTP agent's session goes to the server that is down).
class Launcher {
 public:
  static constexpr size_t kMaxAgentsPerServer = 32;

  Launcher(boost::asio::io_context& io, const config::Config& config, ServerStatus& status);
  ~Launcher();

  // The live connection for (server, agent), launching it if needed. Agent "" is the shared one.
  boost::asio::awaitable<Result<std::shared_ptr<Connection>>> connection(const std::string& server_id,
                                                                         const std::string& agent);

  // Closes agent connections idle longer than `idle`, every `every`.
  void start_sweeper(std::chrono::nanoseconds idle, std::chrono::nanoseconds every);
  void sweep(std::chrono::nanoseconds idle);
  void close_all();
  // Closes every connection of an agent (its last MCP session ended), unless it has a session again.
  void close_agent(const std::string& agent);
  size_t open_connections() const;
  struct OpenConnection {
    std::string server_id, agent;
    std::shared_ptr<Connection> connection;
  };
  // Every launched connection that is still alive.
  std::vector<OpenConnection> live_connections() const;
  // Whether the server's shared connection is launched and alive.
  bool shared_alive(const std::string& server_id) const;
  // Closes `connection` if it is still the one of (server, agent): the next use launches another.
  void drop(const std::string& server_id, const std::string& agent,
            const std::shared_ptr<Connection>& connection);
  // Closes the server's shared connection (agents' connections stay).
  void drop_shared(const std::string& server_id);
  // The open connections an agent may be using: its own and the shared ones (of `server` only, when
  // given).
  std::vector<std::shared_ptr<Connection>> connections_of(const std::string& agent,
                                                          const std::string& server = "") const;

  // Called for every new connection (server, agent, connection), before anyone uses it; set once, before
  // any launch.
  using ConnectHook = std::function<void(const std::string& server_id, const std::string& agent,
                                         const std::shared_ptr<Connection>&)>;
  void set_connect_hook(ConnectHook hook) { on_connect_ = std::move(hook); }

  // Whether an agent still has an MCP session open: connections are launched for those only, so a call that
  // raced its session's end cannot leave a process behind. Set once, before any launch.
  using AgentCheck = std::function<bool(const std::string& agent)>;
  void set_agent_check(AgentCheck check) { agent_open_ = std::move(check); }

  // Gives RPC records of a (server, agent) connection the agent's DIFC tags; set once, before any
  // launch. The source answers nullopt for servers that are not sinks.
  using TagSource =
      std::function<std::optional<log::AgentTags>(const std::string& server_id, const std::string& agent)>;
  void set_tag_source(TagSource source) { tag_source_ = std::move(source); }

 private:
  using Key = std::pair<std::string, std::string>;
  struct Entry {
    std::shared_ptr<Connection> connection;
    bool launching = false;
    bool closing = false;  // its agent left while it launched: close it when the launch finishes
    std::vector<std::shared_ptr<async::Mailbox<bool>>> waiters;
    std::chrono::steady_clock::time_point last_used;
  };

  boost::asio::awaitable<Result<std::shared_ptr<Connection>>> launch(const config::ServerConfig& server,
                                                                     const std::string& agent);
  void finish_launch(const Key& key, const Result<std::shared_ptr<Connection>>& result);
  size_t agent_count(const std::string& server_id) const;  // under mutex_

  boost::asio::io_context& io_;
  const config::Config& config_;
  ServerStatus& status_;
  TagSource tag_source_;
  ConnectHook on_connect_;
  AgentCheck agent_open_;
  std::optional<std::shared_ptr<OidcTokens>> oidc_ = OidcTokens::from_environment();
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  bool closed_ = false;
  std::unique_ptr<boost::asio::steady_timer> sweeper_;
};

}  // namespace awmg::backend
