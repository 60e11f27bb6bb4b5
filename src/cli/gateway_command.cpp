#include "cli/gateway_command.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "async/io_threads.hpp"
#include "backend/process.hpp"
#include "base/version.hpp"
#include "cli/config_source.hpp"
#include "cli/env.hpp"
#include "cli/env_file.hpp"
#include "cli/settings.hpp"
#include "cli/tracing_setup.hpp"
#include "cli/validate_env.hpp"
#include "gateway/client_config.hpp"
#include "gateway/gateway.hpp"
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

int finish(int code) {
  log::Logger::instance().close();
  return code;
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
  log::info("startup", "Loaded " + std::to_string(config.servers.size()) +
                           " server(s); mode=" + (settings.unified ? "unified" : "routed") +
                           ", guards-mode=" + settings.guards_mode);
  if (!settings.hmac_secret.empty()) log::info("startup", "HMAC request signing required on the MCP routes");
}

// The tuning variables, read once before anything starts, so one that does not parse is refused at startup.
struct Tuning {
  unsigned main_threads;
  unsigned io_threads;
  std::chrono::seconds http_read_timeout;  // (a knob for tests of slow clients; the default suits real ones)
  std::chrono::nanoseconds session_timeout;
};

Tuning read_tuning() {
  return Tuning{static_cast<unsigned>(env_int("AWMG_MAIN_THREADS", 1)),
                static_cast<unsigned>(env_int("AWMG_IO_THREADS", std::thread::hardware_concurrency())),
                std::chrono::duration_cast<std::chrono::seconds>(
                    env_duration("AWMG_HTTP_READ_TIMEOUT", http::ServerOptions{}.read_timeout)),
                env_duration("MCP_GATEWAY_SESSION_TIMEOUT", std::chrono::hours(6))};
}

// Owns the running gateway: the I/O threads, the backends, the listener and the shutdown sequence.
class Runtime {
 public:
  Runtime(const config::Config& config, const config::Settings& settings, const Tuning& tuning,
          gateway::Guards& guards, std::optional<telemetry::TracerOptions> tracing)
      : settings_(settings),
        tuning_(tuning),
        guards_(guards),
        threads_(tuning.main_threads, tuning.io_threads),
        io_(threads_.main()),
        gateway_(io_, config, settings, guards),
        signals_(io_, SIGINT, SIGTERM) {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      log::info("shutdown", "Received signal " + std::to_string(signal) + ", shutting down");
      begin_shutdown(std::chrono::milliseconds(settings_.shutdown_timeout_ms), /*fail_on_timeout=*/true);
    });
    if (tracing) {
      auto& m = gateway_.metrics();
      tracing->counters = {&m.trace_spans_exported, &m.trace_spans_dropped, &m.trace_export_failures};
      log::info("startup", "Tracing to " + std::to_string(tracing->endpoints.size()) +
                               " OTLP endpoint(s), sample rate " + std::to_string(tracing->sample_rate));
      telemetry::Tracer::instance().start(std::move(*tracing));
    }
    threads_.start();
  }

  ~Runtime() {
    guards_.stop();  // first: no guard call may hold the shutdown up
    threads_.stop_and_join();
    guards_.join();  // guard workers call into the gateway, which goes next
    gateway_.stop_backends();
    telemetry::Tracer::instance().shutdown(std::chrono::seconds(5));  // (while the backends stop)
    // What pending handlers hold goes while the gateway they refer to still exists, and before the wait
    // below: a backend still starting is owned by its handlers only, and stops when they go.
    threads_.shut_down();
    backend::wait_for_terminations();
  }

  // Launches the backends and registers their tools; returns when every backend registered or failed.
  void start_backends() {
    std::promise<void> done;
    asio::co_spawn(asio::make_strand(io_), gateway_.start_backends(),
                   [&done](std::exception_ptr) { done.set_value(); });
    done.get_future().wait();
    gateway_.launcher().start_sweeper(tuning_.session_timeout, std::chrono::minutes(5));
    gateway_.start_health_monitor();
    expire_sessions_every(std::chrono::minutes(5));
  }

  Status listen() {
    http::ServerOptions options;
    options.connection_contexts = threads_.fronts();
    if (settings_.tls) {
      AWMG_TRY(options.tls,
               http::server_tls_context(settings_.tls_cert, settings_.tls_key, settings_.tls_ca));
    }
    options.read_timeout = tuning_.http_read_timeout;
    server_ = std::make_shared<http::Server>(
        io_, gateway::make_routes(gateway_, [this] { begin_shutdown(std::chrono::seconds(30)); }), options);
    AWMG_TRY(auto endpoint, server_->listen(settings_.listen));
    bound_port_ = endpoint.port();
    server_->start();
    return ok_status();
  }

  // The listen address with the port actually bound (`:0` asks the system for a free one).
  std::string bound_address() const {
    auto colon = settings_.listen.rfind(':');
    return settings_.listen.substr(0, colon + 1) + std::to_string(bound_port_);
  }

  bool stopping() const { return draining_; }

  // Blocks until a signal or /close has stopped the gateway; returns the exit code.
  int wait() {
    std::unique_lock lock(mutex_);
    stopped_.wait(lock, [this] { return finished_; });
    log::info("shutdown", "Gateway stopped");
    return exit_code_;
  }

 private:
  // Front-end sessions idle longer than MCP_GATEWAY_SESSION_TIMEOUT (6 h) end, as upstream's SDK does.
  void expire_sessions_every(std::chrono::nanoseconds every) {
    session_timer_.expires_after(every);
    session_timer_.async_wait([this, every](const boost::system::error_code& ec) {
      if (ec) return;
      size_t ended = gateway_.expire_sessions(tuning_.session_timeout);
      if (ended) log::info("client", "Ended " + std::to_string(ended) + " idle session(s)");
      expire_sessions_every(every);
    });
  }

  // Stops accepting, stops the backends, lets open requests finish within `budget`, then wakes wait().
  void begin_shutdown(std::chrono::nanoseconds budget, bool fail_on_timeout = false) {
    asio::post(io_, [this, budget, fail_on_timeout] {
      if (draining_.exchange(true)) return;
      gateway_.shutting_down() = true;
      signals_.cancel();
      session_timer_.cancel();
      gateway_.sessions().close_streams();
      if (server_) server_->stop();
      guards_.stop();  // a guard call in flight (a looping guard) fails closed now, not at its deadline
      gateway_.stop_backends();
      deadline_ = std::chrono::steady_clock::now() + budget;
      poll_drain(fail_on_timeout);
    });
  }

  void poll_drain(bool fail_on_timeout) {
    bool drained = !server_ || server_->open_connections() == 0;
    if (drained || std::chrono::steady_clock::now() >= deadline_) {
      std::lock_guard lock(mutex_);
      if (!drained) {
        const char* message = "graceful shutdown exceeded the shutdown timeout; closing open connections";
        log::error("shutdown", message);
        if (fail_on_timeout) {
          exit_code_ = 1;
          std::fprintf(stderr, "%s\n", message);
        }
      }
      finished_ = true;
      stopped_.notify_all();
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(10));
    timer->async_wait(
        [this, timer, fail_on_timeout](const boost::system::error_code&) { poll_drain(fail_on_timeout); });
  }

  const config::Settings& settings_;
  const Tuning tuning_;
  gateway::Guards& guards_;
  async::IoThreads threads_;
  asio::io_context& io_;
  gateway::Gateway gateway_;
  asio::signal_set signals_;
  asio::steady_timer session_timer_{io_};
  std::shared_ptr<http::Server> server_;
  unsigned short bound_port_ = 0;
  std::atomic<bool> draining_{false};
  std::chrono::steady_clock::time_point deadline_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool finished_ = false;
  int exit_code_ = 0;
};

void print_client_config(const config::Config& config, const config::Settings& settings,
                         const std::string& address) {
  std::string doc = gateway::client_config_document(config, address, settings.tls, settings.unified);
  std::fwrite(doc.data(), 1, doc.size(), stdout);
  std::fflush(stdout);
  std::string url = std::string(settings.tls ? "https" : "http") + "://" + gateway::client_host_port(address);
  std::fprintf(stderr,
               "awmg: serving %zu server(s) at %s/mcp%s (%s mode); send the Authorization value from the "
               "JSON on stdout. Health: curl %s/health\n",
               config.servers.size(), url.c_str(), settings.unified ? "" : "/<server>",
               settings.unified ? "unified" : "routed", url.c_str());
}

}  // namespace

int run_gateway(const GatewayOptions& given) {
  GatewayOptions o = given;
  if (!o.env_file.empty()) {
    if (auto loaded = load_env_file(o.env_file); !loaded) return fail(loaded.error().message);
    // The flags' environment defaults were read before the file was loaded: read them again.
    auto reparsed = parse_gateway_options(o.args);
    if (!reparsed) return fail(reparsed.error().message);
    o = std::move(*reparsed);
  }
  apply_verbosity(o.verbose);
  open_logs(o);
  std::string cache_dir = prepare_wasm_cache(o);
  if (o.validate_env) {
    if (auto valid = validate_environment(); !valid) return fail(valid.error().message);
  }
  auto config = load_config(o);
  if (!config) return fail("failed to load config: " + config.error().message);
  auto settings = resolve_settings(o, *config);
  if (!settings) return fail(settings.error().message);
  const Tuning tuning = read_tuning();
  // Every variable is read by now (the flags' defaults, the settings, the tuning), and nothing has started.
  if (auto refused = environment_refusals(); !refused) return fail(refused.error().message);
  settings->wasm_cache_dir = cache_dir;
  if (auto tls = check_tls_options(o); !tls) return fail(tls.error().message);
  if (settings->tls) {  // checked before any backend starts (the listener makes its own context later)
    auto context = http::server_tls_context(settings->tls_cert, settings->tls_key, settings->tls_ca);
    if (!context) return fail(context.error().message);
  }
  auto tracing =
      tracing_options(o.telemetry, o.was_set("otlp-service-name"), o.was_set("otlp-sample-rate"), *config);
  if (!tracing) return fail(tracing.error().message);
  log_config(*config, *settings);
  // Guards outlive the runtime, which stops them first and joins their workers before the gateway goes.
  auto guards = gateway::Guards::create(*config, *settings);
  if (!guards) return fail(guards.error().message);
  log::Debug("cmd:root").print("starting the HTTP server on " + settings->listen);
  int code = 0;
  Status listening = ok_status();
  {
    Runtime runtime(*config, *settings, tuning, **guards, *tracing);
    // Listening first: /health answers (servers "starting") while slow backends start. The client
    // configuration, which wrapper scripts wait for, is printed once every backend registered or failed.
    listening = runtime.listen();
    if (listening) runtime.start_backends();
    // A signal that arrived while the backends were starting ends the run before the configuration is out.
    if (listening && !runtime.stopping()) {
      print_client_config(*config, *settings, runtime.bound_address());
      code = runtime.wait();
    }
  }  // the runtime (threads, backends) is gone before the logs close
  if (!listening) return fail(listening.error().message);
  return finish(code);
}

}  // namespace awmg::cli
