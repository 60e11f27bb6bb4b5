#pragma once
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "base/result.hpp"
#include "config/model.hpp"
#include "config/settings.hpp"
#include "difc/agents.hpp"
#include "difc/evaluator.hpp"
#include "guard/guard.hpp"
#include "guard/policy.hpp"
#include "wasm/engine.hpp"

namespace awmg::gateway {

struct RepositoryRules;

// One backend's guard and the policy it enforces.
struct ServerGuard {
  std::unique_ptr<guard::Guard> guard;
  // The thread a guard that may block runs on: its own, so a guard that loops until its deadline delays only
  // its own server's calls.
  std::unique_ptr<boost::asio::thread_pool> worker;
  std::optional<guard::Policy> policy;
  std::string
      payload;  // the label_agent input; empty: no policy (the configured mode applies, no label_agent)
};

// Everything DIFC needs at run time: a guard per server assigned at startup, the agents'
// labels, each session's label_agent result per server, the tool-call counters, the guard runtime and the
// worker threads guards run on (never an I/O thread: a guard may block on a backend call; one thread per
// guard, since a guard serves one call at a time anyway).
class Guards {
 public:
  // Assigns guards and resolves policies. A policy error aborts startup; a configured
  // guard that fails to load is an ERROR and the server's calls are denied (upstream: noop, which fails
  // open).
  static Result<std::unique_ptr<Guards>> create(const config::Config& config,
                                                const config::Settings& settings);
  ~Guards();

  bool enabled() const { return enabled_; }
  difc::Mode default_mode() const { return default_mode_; }
  ServerGuard& for_server(const std::string& server_id);
  const ServerGuard& for_server(const std::string& server_id) const;
  difc::AgentRegistry& agents() { return agents_; }
  // Shutdown, first step: running guard calls end at once and later ones fail.
  void stop();
  // Last step, once no I/O thread can hand a guard more work: the workers finish what they hold and end.
  void join();
  bool stopping() const { return stopping_.load(); }

  // The mode label_agent gave this (agent, server) for this payload, if it already ran.
  std::optional<difc::Mode> session_mode(const std::string& agent, const std::string& server,
                                         const std::string& payload);
  void set_session_mode(const std::string& agent, const std::string& server, const std::string& payload,
                        difc::Mode mode);
  // Counts one call against `limit` for (session, server, tool); false when the budget is spent (0 =
  // unlimited).
  bool take_tool_call(const std::string& session, const std::string& server, const std::string& tool,
                      int64_t limit);

 private:
  Guards(const config::Settings& settings);
  Status assign(const config::Config& config, const config::ServerConfig& server,
                const std::optional<guard::Policy>& global, RepositoryRules& rules);

  std::unique_ptr<wasm::Engine> engine_;  // declared first: destroyed after every guard it made
  std::map<std::string, ServerGuard> servers_;
  ServerGuard noop_;
  bool enabled_ = false;
  difc::Mode default_mode_ = difc::Mode::kStrict;
  std::vector<std::string> trusted_bots_;
  difc::AgentRegistry agents_;
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::string>, std::pair<std::string, difc::Mode>> session_modes_;
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> tool_calls_;
  std::atomic<bool> stopping_{false};
};

}  // namespace awmg::gateway
