#include "gateway/gateway.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include <set>

#include "async/sleep.hpp"
#include "base/files.hpp"
#include "base/strings.hpp"
#include "gateway/mcp_methods.hpp"
#include "gateway/relay.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;

namespace {

std::vector<std::string> ids_of(const config::Config& config) {
  std::vector<std::string> ids;
  for (const auto& s : config.servers) ids.push_back(s.id);
  return ids;
}

bool allowed(const config::ServerConfig& server, const std::string& tool) {
  if (server.allows_all_tools()) return true;
  return std::find(server.tools.begin(), server.tools.end(), tool) != server.tools.end();
}

Result<Tool> make_tool(const config::ServerConfig& server, const std::string& item) {
  auto doc = json::parse(item);
  if (!doc || !doc->IsObject()) return Error{"tool is not an object"};
  std::string name = json::string_or(*doc, "name");
  if (name.empty()) return Error{"tool without a name"};
  normalize_input_schema(*doc, doc->GetAllocator());
  return Tool{server.id, name, json::string_or(*doc, "description"), json::to_string(*doc)};
}

// The capabilities object of an initialize result ("{}" when it has none).
std::string capabilities_of(const std::string& initialize_result) {
  auto doc = json::parse(initialize_result);
  const json::Value* caps = doc ? json::member(*doc, "capabilities") : nullptr;
  return caps && caps->IsObject() ? json::to_string(*caps) : "{}";
}

bool declares(const std::string& capabilities, const char* name) {
  auto doc = json::parse(capabilities);
  return doc && json::member(*doc, name);
}

bool any_filters(const config::Config& config) {
  for (const auto& server : config.servers)
    if (!server.tool_response_filters.empty()) return true;
  return false;
}

HealthMonitor::Options health_options(const config::Settings& settings) {
  HealthMonitor::Options options;
  options.probe_every = std::chrono::milliseconds(settings.health_interval_ms);
  options.probe_timeout = std::min(options.probe_every, std::chrono::milliseconds(10000));
  return options;
}

// The running binary, which is also the jq worker (the same file even if the one on disk was replaced).
std::string own_executable() {
  return "/proc/self/exe";
}

}  // namespace

Gateway::Gateway(asio::io_context& io, const config::Config& config, const config::Settings& settings,
                 Guards& guards)
    : io_(io),
      config_(config),
      settings_(settings),
      status_(ids_of(config)),
      launcher_(io, config, status_),
      guards_(guards),
      spill_(results::SpillOptions{settings.payload_dir, settings.payload_path_prefix,
                                   settings.payload_size_threshold,
                                   std::chrono::seconds(settings.payload_retention_seconds)}),
      url_audit_(settings.url_domain_audit
                     ? std::make_unique<results::UrlAudit>(settings.log_dir + "/observed-url-domains.json")
                     : nullptr),
      jq_(any_filters(config) ? std::make_unique<results::JqFilters>(own_executable()) : nullptr),
      monitor_(io, launcher_, status_, health_options(settings),
               [this](const std::string& id, const std::string& why) { restart(id, why); }) {
  launcher_.set_agent_check([this](const std::string& agent) { return sessions_.has_agent(agent); });
  launcher_.set_connect_hook([this](const std::string& server_id, const std::string& session,
                                    const std::shared_ptr<backend::Connection>& conn) {
    conn->set_listener([this, server_id, session](backend::Event event) {
      deliver(
          guards_, sessions_, [this](const std::string& server) { refresh_tools_soon(server); }, server_id,
          session, event);
    });
    if (session.empty() && started_ && registry_.tools(server_id).empty())  // a backend that recovered
      refresh_tools_soon(server_id);
  });
  register_gauges();
  // RPC records of sink servers carry the agent's tags, once DIFC knows the agent.
  if (!settings.sink_server_ids.empty() && guards.enabled()) {
    launcher_.set_tag_source([this](const std::string& server_id, const std::string& agent) {
      std::optional<log::AgentTags> tags;
      const auto& sinks = settings_.sink_server_ids;
      if (std::find(sinks.begin(), sinks.end(), server_id) == sinks.end()) return tags;
      if (auto labels = guards_.agents().find(agent))
        tags = log::AgentTags{labels->secrecy.list(), labels->integrity.list()};
      return tags;
    });
  }
}

void Gateway::register_gauges() {
  using Values = std::vector<std::pair<std::vector<std::string>, double>>;
  metrics_.registry.gauge({"awmg_sessions_open", "MCP sessions open.", {}, [this] {
                             return Values{{{}, static_cast<double>(sessions_.size())}};
                           }});
  metrics_.registry.gauge(
      {"awmg_backend_up", "1 when a server's backend runs, 0 when it stopped or failed.", {"server"}, [this] {
         Values out;
         for (const auto& [id, health] : status_.snapshot())
           out.push_back({{id}, health.status == "running" ? 1.0 : 0.0});
         return out;
       }});
  metrics_.registry.gauge({"awmg_rate_limit_circuit_open",
                           "1 while a server's rate-limit circuit breaker refuses calls (open or half-open).",
                           {"server"},
                           [this] {
                             Values out;
                             for (const auto& [id, state] : breakers_.states())
                               out.push_back({{id}, state == "closed" ? 0.0 : 1.0});
                             return out;
                           }});
}

void Gateway::refresh_tools_soon(const std::string& server_id) {
  asio::co_spawn(
      asio::make_strand(io_), [this, server_id] { return refresh_tools(server_id); }, asio::detached);
}

asio::awaitable<bool> Gateway::register_server(const config::ServerConfig& server) {
  auto& logger = log::Logger::instance();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.gateway.startup_timeout);
  const std::string shared_session;  // "" names the server's shared connection
  auto conn = co_await launcher_.connection(server.id, shared_session);
  if (!conn) co_return false;
  const std::string tools_method = "tools/list", prompts_method = "prompts/list";
  auto listed = co_await list_all(**conn, tools_method, "tools", deadline);
  if (!listed) {
    status_.record_error(server.id, listed.error().message);
    logger.server(server.id, log::Level::kError, "backend", "tools/list failed: " + listed.error().message);
    co_return false;
  }
  std::vector<Tool> tools;
  for (const auto& item : *listed) {
    auto tool = make_tool(server, item);
    if (!tool) {
      logger.server(server.id, log::Level::kWarn, "backend", "skipping a tool: " + tool.error().message);
    } else if (allowed(server, tool->name)) {
      tools.push_back(std::move(*tool));
    }
  }
  logger.server(server.id, log::Level::kInfo, "backend",
                "Registered " + std::to_string(tools.size()) + " tool(s) from " + server.id);
  registry_.set_tools(server.id, std::move(tools));
  std::string capabilities = capabilities_of((*conn)->initialize_result());
  registry_.set_capabilities(server.id, capabilities);
  if (declares(capabilities, "prompts")) {
    auto prompts = co_await list_all(**conn, prompts_method, "prompts", deadline);
    std::vector<Prompt> list;
    for (const auto& item : prompts ? *prompts : std::vector<std::string>{}) {
      auto doc = json::parse(item);
      if (doc && !json::string_or(*doc, "name").empty())
        list.push_back({server.id, json::string_or(*doc, "name"), item});
    }
    registry_.set_prompts(server.id, std::move(list));
  }
  co_return true;
}

asio::awaitable<void> Gateway::start_backends() {
  std::vector<std::string> failed;
  auto done = async::Mailbox<std::pair<std::string, bool>>::create(co_await asio::this_coro::executor);
  size_t launched = 0;
  for (const auto& server : config_.servers)
    if (server.type != config::ServerType::kCustom) status_.record_starting(server.id, true);
  for (const auto& server : config_.servers) {
    if (server.type == config::ServerType::kCustom) continue;
    ++launched;
    if (settings_.sequential_launch) {
      if (!co_await register_server(server)) failed.push_back(server.id);
      continue;
    }
    asio::co_spawn(asio::make_strand(io_), register_server(server),
                   [done, id = server.id](std::exception_ptr e, bool ok) {
                     done->push({id, !e && ok});
                   });
  }
  if (!settings_.sequential_launch) {
    for (size_t i = 0; i < launched; ++i) {
      auto r = co_await done->receive(std::chrono::steady_clock::time_point::max());
      if (r && !r->second) failed.push_back(r->first);
    }
  }
  if (!failed.empty()) {
    std::sort(failed.begin(), failed.end());
    log::warn("backend", "Tool registration incomplete: " + std::to_string(failed.size()) + " of " +
                             std::to_string(launched) + " backends failed: [" + base::join(failed, " ") +
                             "] \xE2\x80\x94 agents will not see tools from these servers");
  }
  started_ = true;
  for (const auto& server : config_.servers) status_.record_starting(server.id, false);
  auto health = status_.snapshot();
  for (const auto& id : failed) restart(id, health[id].error, false);
  auto& logger = log::Logger::instance();
  if (logger.has_dir()) {
    auto written = base::write_file_atomic(logger.dir() + "/tools.json", registry_.tools_json());
    if (!written) log::warn("startup", "cannot write tools.json: " + written.error().message);
  }
}

namespace {

std::vector<std::string> definitions(const std::vector<Tool>& tools) {
  std::vector<std::string> out;
  for (const auto& t : tools) out.push_back(t.definition);
  return out;
}

}  // namespace

// Notifications come in bursts (a backend that adds five tools says so five times): one refresh runs at a
// time per server, and what arrives meanwhile makes one more. Clients hear of real changes only.
asio::awaitable<std::optional<bool>> Gateway::refresh_tools(const std::string& server_id) {
  const config::ServerConfig* server = config_.find_server(server_id);
  if (!server) co_return false;
  {
    std::lock_guard lock(refresh_mutex_);
    auto [it, idle] = refreshing_.try_emplace(server_id, false);
    if (!idle) {
      it->second = true;  // once more when the running refresh ends
      co_return std::nullopt;
    }
  }
  bool registered = false;
  while (true) {
    auto before = definitions(registry_.tools(server_id));
    registered = co_await register_server(*server);
    if (registered && definitions(registry_.tools(server_id)) != before) {
      const std::string changed = mcp::notification_message("notifications/tools/list_changed", "");
      for (auto& s : sessions_.all()) {
        if (s->initialized && (s->route == server_id || s->route.empty())) s->push_to_stream(changed);
      }
    }
    std::lock_guard lock(refresh_mutex_);
    auto it = refreshing_.find(server_id);
    if (!it->second) {
      refreshing_.erase(it);
      co_return registered;
    }
    it->second = false;
  }
}

asio::awaitable<std::string> Gateway::answer(frontend::Session& session, const json::Value& request,
                                             const std::string& id,
                                             const std::shared_ptr<backend::EventBox>& events,
                                             const telemetry::SpanContext& trace) {
  std::string reply = co_await answer_request(backends_, session, request, id, events, trace);
  co_return reply;
}

bool Gateway::may_stream(std::string_view method) const {
  return method == "tools/call" || relayed_method(method);
}

void Gateway::notified(frontend::Session& session, const json::Value& message, std::string_view raw) {
  client_notification(launcher_, session, message, raw);
}

void Gateway::ended(const frontend::Session& session) {
  if (!sessions_.has_agent(session.agent)) launcher_.close_agent(session.agent);
}

size_t Gateway::expire_sessions(std::chrono::nanoseconds idle) {
  auto ended = sessions_.expire(idle);
  for (const auto& s : ended) this->ended(*s);
  return ended.size();
}

void Gateway::stop_backends() {
  monitor_.stop();
  if (jq_) jq_->stop();  // a filter in flight (a looping one) fails now, not at its deadline
  launcher_.close_all();
}

}  // namespace awmg::gateway
