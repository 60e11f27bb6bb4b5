#include "backend/launcher.hpp"

#include "backend/http_connection.hpp"
#include "backend/process.hpp"
#include "backend/stdio_connection.hpp"
#include "log/logger.hpp"

namespace awmg::backend {

namespace asio = boost::asio;

Launcher::Launcher(asio::io_context& io, const config::Config& config, ServerStatus& status)
    : io_(io), config_(config), status_(status) {}

Launcher::~Launcher() {
  close_all();
}

asio::awaitable<Result<std::shared_ptr<Connection>>> Launcher::launch(const config::ServerConfig& server,
                                                                      const std::string& agent) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.gateway.startup_timeout);
  std::function<std::optional<log::AgentTags>()> tags;
  if (tag_source_ && !agent.empty()) {
    tags = [source = tag_source_, id = server.id, agent] { return source(id, agent); };
  }
  if (server.type == config::ServerType::kHttp) {
    log::Logger::instance().server(server.id, log::Level::kInfo, "launcher",
                                   "Connecting to " + server.id + " over HTTP");
    HttpConnection::Options options{server.id,
                                    server.url,
                                    server.headers,
                                    std::chrono::seconds(server.connect_timeout),
                                    std::chrono::seconds(std::max(0, config_.gateway.keepalive_interval)),
                                    tags,
                                    nullptr,
                                    ""};
    if (server.auth && oidc_) {  // github-oidc; config validation refuses it where there is no provider
      options.oidc = *oidc_;
      options.audience = server.auth->audience.empty() ? server.url : server.auth->audience;
    }
    auto started = co_await HttpConnection::start(io_, options, deadline);
    if (!started) co_return started.error();
    co_return std::static_pointer_cast<Connection>(started.value());
  }
  if (server.type == config::ServerType::kCustom) {
    co_return Error{"server type '" + server.type_name + "' cannot be launched"};
  }
  std::vector<std::string> argv = {server.command};
  auto args = server.command == "docker" ? inline_passthrough_env(server.args) : server.args;
  argv.insert(argv.end(), args.begin(), args.end());
  log::Logger::instance().server(server.id, log::Level::kInfo, "launcher",
                                 "Launching " + server.id + ": command=" + server.command);
  StdioConnection::Options options{server.id, argv, server.env, server.working_directory, tags};
  auto started = co_await StdioConnection::start(io_, options, deadline);
  if (!started) co_return started.error();
  co_return std::static_pointer_cast<Connection>(started.value());
}

asio::awaitable<Result<std::shared_ptr<Connection>>> Launcher::connection(const std::string& server_id,
                                                                          const std::string& agent) {
  const config::ServerConfig* server = config_.find_server(server_id);
  if (!server) co_return Error{"unknown server " + server_id};
  Key key{server_id, agent};  // each agent its own process or backend session
  std::shared_ptr<async::Mailbox<bool>> wait_box;
  {
    std::lock_guard lock(mutex_);
    if (closed_) co_return Error{"gateway is shutting down"};
    // Checked under mutex_, which close_agent takes after the agent's last session is gone: either this sees
    // it gone, or close_agent sees this entry.
    if (!agent.empty() && agent_open_ && !agent_open_(agent))
      co_return Error{"the agent's MCP session ended"};
    auto found = entries_.find(key);
    bool live = found != entries_.end() && found->second.connection && found->second.connection->alive();
    // While the server is down an agent's own stdio process may still serve it; an HTTP agent's session goes
    // to the server that is down. (Checked before an entry exists: refusals take no agent slot.)
    if (!agent.empty() && (!live || server->type == config::ServerType::kHttp)) {
      if (auto why = status_.down(server_id))
        co_return Error{"server " + server_id + " is unavailable: " + *why +
                        "; the gateway is starting it again"};
    }
    if (!agent.empty() && found == entries_.end() && agent_count(server_id) >= kMaxAgentsPerServer)
      co_return Error{"server " + server_id + " already runs a backend for " +
                      std::to_string(kMaxAgentsPerServer) +
                      " agents, the limit; one is freed when an agent's last MCP session ends (DELETE or "
                      "idle timeout)"};
    Entry& e = entries_[key];
    e.last_used = std::chrono::steady_clock::now();
    if (live) co_return e.connection;
    if (e.launching) {
      wait_box = async::Mailbox<bool>::create(co_await asio::this_coro::executor);
      e.waiters.push_back(wait_box);
    } else {
      e.launching = true;
    }
  }
  if (wait_box) {
    co_await wait_box->receive(std::chrono::steady_clock::now() +
                               std::chrono::seconds(config_.gateway.startup_timeout + 5));
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.connection && it->second.connection->alive())
      co_return it->second.connection;
    co_return Error{"failed to connect to backend " + server_id};
  }
  auto result = co_await launch(*server, key.second);
  finish_launch(key, result);
  if (!result) co_return Error{"failed to connect to backend " + server_id + ": " + result.error().message};
  co_return result;
}

void Launcher::finish_launch(const Key& key, const Result<std::shared_ptr<Connection>>& result) {
  if (result && on_connect_) on_connect_(key.first, key.second, result.value());  // before anyone uses it
  std::vector<std::shared_ptr<async::Mailbox<bool>>> waiters;
  {
    std::lock_guard lock(mutex_);
    Entry& e = entries_[key];
    e.launching = false;
    waiters.swap(e.waiters);
    if (result) {
      e.connection = result.value();
      if (closed_ || e.closing) result.value()->close();
    }
    if (e.closing) entries_.erase(key);
  }
  for (auto& w : waiters) w->push(result.ok());
  if (result) {
    status_.record_start(key.first);
    log::Logger::instance().server(key.first, log::Level::kInfo, "launcher",
                                   "Connected to " + key.first + (key.second.empty() ? "" : " for an agent"));
  } else {
    status_.record_error(key.first, result.error().message);
    log::Logger::instance().server(key.first, log::Level::kError, "launcher",
                                   "Failed to launch " + key.first + ": " + result.error().message);
  }
}

void Launcher::start_sweeper(std::chrono::nanoseconds idle, std::chrono::nanoseconds every) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  if (!sweeper_) sweeper_ = std::make_unique<asio::steady_timer>(io_);
  sweeper_->expires_after(every);
  sweeper_->async_wait([this, idle, every](const boost::system::error_code& ec) {
    if (ec) return;
    sweep(idle);
    start_sweeper(idle, every);
  });
}

void Launcher::sweep(std::chrono::nanoseconds idle) {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Connection>> stale;
  {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      Entry& e = it->second;
      bool session_entry = !it->first.second.empty();
      bool dead = !e.connection || !e.connection->alive();  // never launched, failed, or exited
      bool orphan = session_entry && agent_open_ && !agent_open_(it->first.second);
      if (!e.launching && (dead || orphan || (session_entry && now - e.last_used > idle))) {
        if (e.connection) stale.push_back(e.connection);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : stale) {
    c->set_listener(nullptr);
    c->close();
  }
}

size_t Launcher::agent_count(const std::string& server_id) const {
  size_t n = 0;
  for (const auto& [key, e] : entries_) n += key.first == server_id && !key.second.empty() ? 1 : 0;
  return n;
}

void Launcher::close_agent(const std::string& agent) {
  if (agent.empty()) return;
  std::vector<std::shared_ptr<Connection>> ended;
  {
    std::lock_guard lock(mutex_);
    // Checked again under mutex_: a session of the agent may have opened since the caller looked.
    if (agent_open_ && agent_open_(agent)) return;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->first.second != agent) {
        ++it;
        continue;
      }
      if (it->second.launching) {  // finish_launch closes it
        it->second.closing = true;
        ++it;
        continue;
      }
      if (it->second.connection) ended.push_back(it->second.connection);
      it = entries_.erase(it);
    }
  }
  for (auto& c : ended) {
    c->set_listener(nullptr);
    c->close();
  }
}

void Launcher::close_all() {
  std::vector<std::shared_ptr<Connection>> all;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& [key, e] : entries_) {
      if (e.connection) all.push_back(e.connection);
    }
    entries_.clear();
    if (sweeper_) sweeper_->cancel();
  }
  for (auto& c : all) {
    c->set_listener(nullptr);
    c->close();
  }
}

std::vector<std::shared_ptr<Connection>> Launcher::connections_of(const std::string& agent,
                                                                  const std::string& server) const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Connection>> out;
  for (const auto& [key, e] : entries_) {
    bool mine = key.second == agent || key.second.empty();
    if (e.connection && mine && (server.empty() || key.first == server)) out.push_back(e.connection);
  }
  return out;
}

std::vector<Launcher::OpenConnection> Launcher::live_connections() const {
  std::lock_guard lock(mutex_);
  std::vector<OpenConnection> out;
  for (const auto& [key, e] : entries_)
    if (e.connection && e.connection->alive()) out.push_back({key.first, key.second, e.connection});
  return out;
}

bool Launcher::shared_alive(const std::string& server_id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(Key{server_id, ""});
  return it != entries_.end() && it->second.connection && it->second.connection->alive();
}

void Launcher::drop(const std::string& server_id, const std::string& agent,
                    const std::shared_ptr<Connection>& connection) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(Key{server_id, agent});
    if (it == entries_.end() || it->second.connection != connection) return;
    it->second.connection.reset();
  }
  connection->set_listener(nullptr);
  connection->close();
}

void Launcher::drop_shared(const std::string& server_id) {
  std::shared_ptr<Connection> ended;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(Key{server_id, ""});
    if (it == entries_.end() || !it->second.connection) return;
    ended = std::move(it->second.connection);
  }
  ended->set_listener(nullptr);
  ended->close();
}

size_t Launcher::open_connections() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [key, e] : entries_) n += e.connection && e.connection->alive() ? 1 : 0;
  return n;
}

}  // namespace awmg::backend
