#pragma once
#include "async/awaitable.hpp"  // first: it supplies what Boost 1.74 forgets to include

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "backend/launcher.hpp"
#include "backend/server_status.hpp"
#include "config/model.hpp"
#include "config/settings.hpp"
#include "frontend/dispatcher.hpp"
#include "frontend/session.hpp"
#include "gateway/backends.hpp"
#include "gateway/guards.hpp"
#include "gateway/health_monitor.hpp"
#include "gateway/tool_registry.hpp"

namespace awmg::gateway {

// The running gateway's shared state: backends, their tools, the front-end sessions; and the dispatcher the
// MCP front door hands messages to.
class Gateway : public frontend::Dispatcher {
 public:
  Gateway(boost::asio::io_context& io, const config::Config& config, const config::Settings& settings,
          Guards& guards);

  // Launches every backend's shared connection and registers its tools and prompts (in parallel unless
  // sequential launch is set). Each backend is bounded by the startup timeout; failures are logged and shown
  // in /health, and never stop the others. Writes tools.json.
  boost::asio::awaitable<void> start_backends();
  // Closes every backend connection (children are stopped).
  void stop_backends();
  // Watches the backends (HealthMonitor) and restarts those that go down; off when the health interval is 0.
  void start_health_monitor();
  // A server went down: closes its shared connection and starts it again in the background until it
  // registers or the gateway stops: at once when it was running (after 1 s when it failed to start), then
  // after 1 s, twice as long each time, at most a minute. A server that goes down again within a minute of
  // coming up goes on where its backoff left off, so a crash loop slows down. Clients hear of changed tools
  // (tools/list_changed); calls meanwhile get an error at once (see Launcher). Agents' own connections stay:
  // a stdio agent's process is its own, and an HTTP agent's session renews itself if the server forgot it. No
  // effect while the server is already being started again. `was_running`: false for a failed start.
  void restart(const std::string& server_id, const std::string& why, bool was_running = true);
  // Lists a backend's tools again (after it said they changed, or after it recovered from a failed start)
  // and tells the client sessions that see them. True when the server registered; nullopt when a refresh of
  // it was running already (it lists once more when done).
  boost::asio::awaitable<std::optional<bool>> refresh_tools(const std::string& server_id);

  // frontend::Dispatcher
  boost::asio::awaitable<std::string> answer(frontend::Session& session, const json::Value& request,
                                             const std::string& id,
                                             const std::shared_ptr<backend::EventBox>& events,
                                             const telemetry::SpanContext& trace) override;
  bool may_stream(std::string_view method) const override;
  void notified(frontend::Session& session, const json::Value& message, std::string_view raw) override;
  // A client session ended (DELETE or idle): when it was its agent's last, the agent's backend processes and
  // backend sessions end too.
  void ended(const frontend::Session& session) override;
  // Ends sessions idle longer than `idle`; returns how many.
  size_t expire_sessions(std::chrono::nanoseconds idle);

  const config::Config& config() const { return config_; }
  const config::Settings& settings() const { return settings_; }
  backend::ServerStatus& status() { return status_; }
  backend::Launcher& launcher() { return launcher_; }
  ToolRegistry& registry() { return registry_; }
  frontend::SessionStore& sessions() { return sessions_; }
  Guards& guards() { return guards_; }
  const Backends& backends() const { return backends_; }
  const CircuitBreakers& breakers() const { return breakers_; }
  GatewayMetrics& metrics() { return metrics_; }
  // Every backend has registered or failed once (MCP requests are served from then on).
  bool started() const { return started_; }
  const DecisionLog& decisions() const { return decisions_; }
  std::atomic<bool>& shutting_down() { return shutting_down_; }

 private:
  boost::asio::awaitable<bool> register_server(const config::ServerConfig& server);
  void register_gauges();
  boost::asio::awaitable<void> keep_registering(const std::string& server_id,
                                                const std::chrono::milliseconds& first_delay);
  // Whether one attempt of keep_registering registered the server (waiting for a refresh already running).
  boost::asio::awaitable<bool> registered_again(const std::string& server_id);
  // Lists a server's tools again, in the background.
  void refresh_tools_soon(const std::string& server_id);

  boost::asio::io_context& io_;
  const config::Config& config_;
  const config::Settings& settings_;
  backend::ServerStatus status_;
  backend::Launcher launcher_;
  ToolRegistry registry_;
  frontend::SessionStore sessions_;
  Guards& guards_;
  CircuitBreakers breakers_{config_};
  results::PayloadSpill spill_;
  std::unique_ptr<results::UrlAudit> url_audit_;
  std::unique_ptr<results::JqFilters> jq_;
  GatewayMetrics metrics_;
  DecisionLog decisions_;
  github::PermissionCache permissions_;
  const Backends backends_{config_,          launcher_, guards_,  registry_,  breakers_,    spill_,
                           url_audit_.get(), jq_.get(), metrics_, decisions_, permissions_, io_};
  std::atomic<bool> shutting_down_{false};
  // start_backends finished: a later shared connection (a backend that recovered) may bring new tools.
  std::atomic<bool> started_{false};
  std::mutex refresh_mutex_;
  std::map<std::string, bool> refreshing_;  // server -> another refresh is due after the running one
  // Under refresh_mutex_: the servers being started again, and each server's backoff from its last restart.
  std::set<std::string> restarting_;
  struct Backoff {
    std::chrono::milliseconds next{0};
    std::chrono::steady_clock::time_point recovered_at;
  };
  std::map<std::string, Backoff> backoff_;
  HealthMonitor monitor_;
};

}  // namespace awmg::gateway
