#include "cli/gateway_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "backend/server_status.hpp"
#include "base/version.hpp"
#include "cli/config_source.hpp"
#include "cli/env_file.hpp"
#include "cli/settings.hpp"
#include "cli/validate_env.hpp"
#include "gateway/client_config.hpp"
#include "gateway/routes.hpp"
#include "http/server.hpp"
#include "log/debug.hpp"
#include "log/logger.hpp"
#include "wasm/cache_dir.hpp"

namespace awmg::cli {
namespace {

namespace asio = boost::asio;

// Prints a fatal startup error: stderr verbatim, and the logs.
int fail(const std::string& message) {
  auto& logger = log::Logger::instance();
  if (logger.has_dir()) {  // without a log directory the log is stderr, which gets the message below
    log::error("startup", message);
    logger.markdown(log::Level::kError, "startup", message);
  }
  logger.close();
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

void open_logs(const GatewayOptions& o) {
  auto& logger = log::Logger::instance();
  std::string problem = logger.open(o.log_dir);
  if (!problem.empty()) log::warn("startup", problem);
  std::string version = "MCPG Gateway version: " + base::version_string();
  log::info("startup", version);
  logger.markdown(log::Level::kInfo, "startup", version);
}

std::string prepare_wasm_cache(const GatewayOptions& o) {
  auto cache = wasm::prepare_cache_dir(resolve_wasm_cache_dir(o));
  if (!cache.warning.empty()) {
    log::warn("startup", cache.warning);
    std::fprintf(stderr, "WARN: %s\n", cache.warning.c_str());
  }
  log::info("startup", "WASM compilation cache directory: " + cache.path);
  return cache.path;
}

void log_config(const config::Config& config, const config::Settings& settings) {
  for (const auto& w : config.warnings) log::warn("config", w);
  log::info("startup", "Loaded " + std::to_string(config.servers.size()) + " server(s); mode=" +
                           (settings.unified ? "unified" : "routed") + ", guards-mode=" + settings.guards_mode);
  if (!settings.hmac_secret.empty() || (config.gateway.telemetry && !config.gateway.telemetry->endpoint.empty())) {
    log::warn("startup", "HMAC request signing and OpenTelemetry export are not available in this build yet");
  }
}

std::vector<std::string> server_ids(const config::Config& config) {
  std::vector<std::string> ids;
  for (const auto& s : config.servers) ids.push_back(s.id);
  return ids;
}

// Owns the running HTTP side: the I/O threads, the listener and the shutdown sequence.
class Runtime {
 public:
  Runtime(const config::Config& config, const config::Settings& settings)
      : config_(config), settings_(settings), status_(server_ids(config)), signals_(io_, SIGINT, SIGTERM) {}

  Status listen() {
    gateway::RouteContext ctx{&config_, &settings_, &status_, &shutting_down_,
                              [this] { begin_shutdown(std::chrono::seconds(30)); }};
    server_ = std::make_unique<http::Server>(io_, gateway::make_routes(ctx));
    AWMG_TRY(endpoint_, server_->listen(settings_.listen));
    return ok_status();
  }

  int serve() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      log::info("shutdown", "Received signal " + std::to_string(signal) + ", shutting down");
      shutting_down_ = true;
      begin_shutdown(std::chrono::milliseconds(settings_.shutdown_timeout_ms), /*fail_on_timeout=*/true);
    });
    server_->start();
    unsigned threads = std::max(2u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([this] { io_.run(); });
    io_.run();
    for (auto& t : pool) t.join();
    log::info("shutdown", "Gateway stopped");
    return exit_code_;
  }

 private:
  // Stops accepting, lets open requests finish within `budget`, then stops the I/O threads.
  void begin_shutdown(std::chrono::nanoseconds budget, bool fail_on_timeout = false) {
    asio::post(io_, [this, budget, fail_on_timeout] {
      if (draining_) return;
      draining_ = true;
      signals_.cancel();
      server_->stop();
      for (const auto& id : server_ids(config_)) status_.record_stop(id);
      deadline_ = std::chrono::steady_clock::now() + budget;
      poll_drain(fail_on_timeout);
    });
  }

  void poll_drain(bool fail_on_timeout) {
    bool drained = server_->open_connections() == 0;
    bool late = std::chrono::steady_clock::now() >= deadline_;
    if (drained || late) {
      if (!drained) {
        log::error("shutdown", "graceful shutdown exceeded the shutdown timeout; closing open connections");
        if (fail_on_timeout) exit_code_ = 1;
      }
      io_.stop();
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(10));
    timer->async_wait([this, timer, fail_on_timeout](const boost::system::error_code&) { poll_drain(fail_on_timeout); });
  }

  const config::Config& config_;
  const config::Settings& settings_;
  asio::io_context io_;
  backend::ServerStatus status_;
  asio::signal_set signals_;
  std::unique_ptr<http::Server> server_;
  asio::ip::tcp::endpoint endpoint_;
  std::atomic<bool> shutting_down_{false};
  bool draining_ = false;
  std::chrono::steady_clock::time_point deadline_;
  int exit_code_ = 0;
};

void print_client_config(const config::Config& config, const config::Settings& settings) {
  std::string doc = gateway::client_config_document(config, settings.listen, settings.tls, settings.unified);
  std::fwrite(doc.data(), 1, doc.size(), stdout);
  std::fflush(stdout);
  std::string url = std::string(settings.tls ? "https" : "http") + "://" +
                    gateway::client_host_port(settings.listen);
  std::fprintf(stderr, "awmg: serving %zu server(s) at %s/mcp%s (%s mode); send the Authorization value from the "
               "JSON on stdout. Health: curl %s/health\n",
               config.servers.size(), url.c_str(), settings.unified ? "" : "/<server>",
               settings.unified ? "unified" : "routed", url.c_str());
}

}  // namespace

int run_gateway(const GatewayOptions& o) {
  apply_verbosity(o.verbose);
  if (!o.env_file.empty()) {
    if (auto loaded = load_env_file(o.env_file); !loaded) return fail(loaded.error().message);
  }
  open_logs(o);
  std::string cache_dir = prepare_wasm_cache(o);
  if (o.validate_env) {
    if (auto valid = validate_environment(); !valid) return fail(valid.error().message);
  }
  auto config = load_config(o);
  if (!config) return fail("failed to load config: " + config.error().message);
  auto settings = resolve_settings(o, *config);
  if (!settings) return fail(settings.error().message);
  settings->wasm_cache_dir = cache_dir;
  if (auto tls = check_tls_options(o); !tls) return fail(tls.error().message);
  if (settings->tls) return fail("failed to configure TLS: TLS serving is not available in this build yet");
  log_config(*config, *settings);
  log::Debug("cmd:root").print("starting the HTTP server on " + settings->listen);
  Runtime runtime(*config, *settings);
  if (auto listening = runtime.listen(); !listening) return fail(listening.error().message);
  print_client_config(*config, *settings);
  int code = runtime.serve();
  log::Logger::instance().close();
  return code;
}

}  // namespace awmg::cli
