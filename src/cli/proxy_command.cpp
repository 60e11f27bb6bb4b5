#include "cli/proxy_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "async/io_threads.hpp"
#include "base/files.hpp"
#include "base/version.hpp"
#include "cli/env.hpp"
#include "cli/gateway_options.hpp"
#include "cli/tracing_setup.hpp"
#include "github/rest.hpp"
#include "guard/policy.hpp"
#include "guard/wasm_guard.hpp"
#include "http/server.hpp"
#include "log/logger.hpp"
#include "proxy/certificates.hpp"
#include "proxy/proxy.hpp"
#include "wasm/cache_dir.hpp"
#include "wasm/engine.hpp"

namespace awmg::cli {
namespace {

namespace asio = boost::asio;

int fail(const std::string& message) {
  auto& logger = log::Logger::instance();
  if (logger.has_dir()) {
    log::error("startup", message);
    logger.markdown(log::Level::kError, "startup", message);
  }
  logger.close();
  std::fprintf(stderr, "awmg proxy: %s\n", message.c_str());
  return 1;
}

// The upstream API base: --github-api-url, else GITHUB_API_URL, else derived from GITHUB_SERVER_URL, else
// api.github.com; and the fallback token: --github-token, else the environment's.
std::string api_base(const ProxyOptions& o) {
  std::string flag = o.github_api_url;
  while (!flag.empty() && flag.back() == '/') flag.pop_back();
  return flag.empty() ? github::api_base_from_environment() : flag;
}

std::string fallback_token(const ProxyOptions& o) {
  return o.github_token.empty() ? github::token_from_environment() : o.github_token;
}

// The label_agent input, from --policy (or MCP_GATEWAY_GUARD_POLICY_JSON): allow-only only, repos forced
// to public when the workflow's repository is public, with the trusted bots and users. "" without a policy.
Result<std::string> policy_payload(const ProxyOptions& o, const github::Api& api) {
  if (o.policy.empty()) return std::string();
  auto policy = guard::parse_policy(o.policy);
  if (!policy) return Error{"invalid --policy: " + policy.error().message};
  if (policy->kind != guard::Policy::Kind::kAllowOnly)
    return Error{
        "invalid --policy: the proxy enforces an allow-only policy (write-sink is for output servers)"};
  if (o.force_public_repos) {
    auto repository_public = github::workflow_repository_public(api, std::chrono::seconds(10));
    if (!repository_public) {
      log::warn("startup", "force-public-repos: the visibility of GITHUB_REPOSITORY could not be read (" +
                               repository_public.error().message + "); the policy is left as it is");
    } else if (repository_public->value_or(false)) {
      guard::force_public_repos(*policy);
      log::warn("difc",
                "FORCED REPOS=PUBLIC: the workflow repository is public, so the proxy reads public "
                "repositories only (--force-public-repos=false turns this off)");
    }
  }
  return guard::label_agent_payload(*policy, o.trusted_bots, o.trusted_users);
}

Result<std::unique_ptr<guard::Guard>> load_guard(const std::string& path, wasm::Engine& engine) {
  auto bytes = base::read_file(path);
  if (!bytes) return Error{"cannot read the guard " + path + ": " + bytes.error().message};
  auto wasm = guard::WasmGuard::create("github", *bytes, engine);
  if (!wasm) return Error{"cannot load the guard " + path + ": " + wasm.error().message};
  return guard::make_wasm_guard(std::move(*wasm));
}

std::string client_host(const std::string& listen, unsigned short port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "localhost";
  return host + ":" + std::to_string(port);
}

void print_banner(const ProxyOptions& o, const proxy::Proxy& p, const std::string& guard_path,
                  unsigned short port, const std::string& ca_cert) {
  std::string host = client_host(o.listen, port);
  std::string scheme = ca_cert.empty() ? "http" : "https";
  std::string text = "MCPG GitHub API Proxy\n  Listening: " + scheme + "://" + host +
                     "\n  Upstream:  " + p.upstream().base() + "\n  Mode:      " + difc::mode_name(p.mode()) +
                     (p.enforcing() ? "" : " (no policy: guarded reads answer 503)") +
                     "\n  Guard:     " + guard_path + "\n";
  if (!ca_cert.empty()) {
    text += "  CA cert:   " + ca_cert + "\n\nexport GH_HOST=" + host +
            "\nexport NODE_EXTRA_CA_CERTS=" + ca_cert + "\nexport SSL_CERT_FILE=" + ca_cert +
            "\nexport GIT_SSL_CAINFO=" + ca_cert + "\n";
  } else {
    text += "\n  curl " + scheme + "://" + host + "/repos/<owner>/<repo>/issues\n";
  }
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

// Serves until SIGINT or SIGTERM, then drains within the shutdown budget.
class Serving {
 public:
  Serving(asio::io_context& io, std::shared_ptr<http::Server> server, std::chrono::nanoseconds budget)
      : io_(io), server_(std::move(server)), budget_(budget), signals_(io, SIGINT, SIGTERM) {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      log::info("shutdown", "Received signal " + std::to_string(signal) + ", shutting down");
      server_->stop();
      deadline_ = std::chrono::steady_clock::now() + budget_;
      poll();
    });
  }

  int wait() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return finished_; });
    return code_;
  }

 private:
  void poll() {
    bool drained = server_->open_connections() == 0;
    if (drained || std::chrono::steady_clock::now() >= deadline_) {
      std::lock_guard lock(mutex_);
      if (!drained) {
        log::error("shutdown", "graceful shutdown exceeded the shutdown timeout; closing open connections");
        code_ = 1;
      }
      finished_ = true;
      done_.notify_all();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(10));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) poll();
    });
  }

  asio::io_context& io_;
  std::shared_ptr<http::Server> server_;
  std::chrono::nanoseconds budget_;
  asio::signal_set signals_;
  asio::steady_timer timer_{io_};
  std::chrono::steady_clock::time_point deadline_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  int code_ = 0;
};

}  // namespace

int run_proxy(const ProxyOptions& o) {
  auto& logger = log::Logger::instance();
  if (std::string problem = logger.open(o.log_dir, log::Logger::LogSet::kProxy); !problem.empty())
    log::warn("startup", problem);
  log::info("startup", "MCPG proxy version: " + base::version_string());
  auto mode = difc::parse_mode(o.guards_mode);
  if (!mode) return fail("invalid --guards-mode \"" + o.guards_mode + "\" (strict, filter or propagate)");
  // (AWMG_PROXY_UPSTREAM_TIMEOUT: an undocumented knob for tests of a hanging upstream)
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      env_duration("AWMG_PROXY_UPSTREAM_TIMEOUT", std::chrono::seconds(60)));
  const auto io_threads =
      static_cast<unsigned>(env_int("AWMG_IO_THREADS", std::thread::hardware_concurrency()));
  const auto shutdown_timeout = env_duration("MCP_GATEWAY_SHUTDOWN_TIMEOUT", std::chrono::seconds(5));
  if (auto refused = environment_refusals(); !refused) return fail(refused.error().message);
  auto upstream = proxy::Upstream::create(api_base(o), fallback_token(o), timeout);
  if (!upstream) return fail("invalid --github-api-url: " + upstream.error().message);
  auto payload = policy_payload(o, upstream->api());
  if (!payload) return fail(payload.error().message);
  auto tracing = tracing_options(o.telemetry, o.was_set("otlp-service-name"), o.was_set("otlp-sample-rate"),
                                 config::Config{});
  if (!tracing) return fail(tracing.error().message);
  auto cache = wasm::prepare_cache_dir(
      resolve_wasm_cache_dir(o.was_set("wasm-cache-dir"), o.wasm_cache_dir, o.log_dir));
  if (!cache.warning.empty()) log::warn("startup", cache.warning);
  std::string ca_cert;
  std::shared_ptr<asio::ssl::context> tls;
  if (o.tls) {
    auto files = proxy::generate_certificates(o.tls_dir.empty() ? o.log_dir + "/proxy-tls" : o.tls_dir);
    if (!files) return fail("--tls: " + files.error().message);
    auto context = http::server_tls_context(files->server_cert, files->server_key, "");
    if (!context) return fail("--tls: " + context.error().message);
    ca_cert = files->ca_cert;
    tls = *context;
  }
  wasm::Engine engine(wasm::EngineOptions{cache.path, true});
  auto guard = load_guard(o.guard_wasm, engine);
  if (!guard) return fail(guard.error().message);
  async::IoThreads threads(1, io_threads);
  int code = 0;
  {
    const bool mode_given = o.was_set("guards-mode") || !env_string("MCP_GATEWAY_GUARDS_MODE", "").empty();
    proxy::ProxySettings settings{o.passthrough_unrecognized, *mode, mode_given, *payload};
    proxy::Proxy gateway(threads.main(), std::move(*upstream), std::move(*guard), std::move(settings));
    threads.start();  // (label_agent may ask GitHub through the main context)
    if (auto ready = gateway.initialize(); !ready) {
      threads.stop_and_join();
      return fail(ready.error().message);
    }
    if (*tracing) telemetry::Tracer::instance().start(std::move(**tracing));
    http::ServerOptions options;
    options.connection_contexts = threads.fronts();
    options.tls = tls;
    auto server = std::make_shared<http::Server>(
        threads.main(),
        [&gateway](const http::Request& req, http::Responder& res) { return gateway.handle(req, res); },
        options);
    auto endpoint = server->listen(o.listen);
    if (!endpoint) {
      gateway.stop();
      threads.stop_and_join();
      return fail(endpoint.error().message);
    }
    server->start();
    if (!endpoint->address().is_loopback()) {
      std::string warning =
          "the proxy listens on " + o.listen +
          ", beyond this machine: anyone who reaches it reads GitHub with its fallback token";
      log::warn("startup", warning);
      std::fprintf(stderr, "WARN: %s\n", warning.c_str());
    }
    log::info("startup", "Proxy listening on " + o.listen + ", upstream " + gateway.upstream().base() +
                             ", mode " + difc::mode_name(gateway.mode()));
    Serving serving(threads.main(), server, shutdown_timeout);
    print_banner(o, gateway, o.guard_wasm, endpoint->port(),
                 ca_cert);  // (callers wait for it: signals first)
    code = serving.wait();
    gateway.stop();
    threads.stop_and_join();
    telemetry::Tracer::instance().shutdown(std::chrono::seconds(5));
    threads.shut_down();
  }
  logger.close();
  return code;
}

}  // namespace awmg::cli
