// awmg-bench: measures what the gateway adds to a tools/call.
//
// For 1, 8 and 32 concurrent clients it runs the same echo call two ways, in one run:
//   direct  - each client drives its own awmg-demo-server over its stdin/stdout pipes;
//   gateway - each client has its own MCP session (and so its own backend process) through awmg over HTTP
//             keep-alive, the way an agent does.
// Then the same for an HTTP backend (awmg-demo-server --http): direct over HTTP against through /mcp/demo.
// It prints throughput, p50 and p99 for both, their ratio and the latency the gateway adds, then the
// gateway's RSS with 3 idle backends and per idle session. Loopback only; every run is bounded in count and
// time.
//
//   awmg-bench [--calls N] [--clients 1,8,32] [--sessions N] [--only http|difc|results|observability]
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "base/strings.hpp"
#include "gateway/gateway_metrics.hpp"
#include "load_clients.hpp"

namespace {

using namespace awmg_bench;

void print_comparison_header() {
  std::printf(
      "| clients | direct calls/s | gateway calls/s | ratio | direct p50 us | gateway p50 us | added p50 us "
      "| direct p99 us | gateway p99 us |\n|---|---|---|---|---|---|---|---|---|\n");
}

void print_comparison(int clients, Stats& direct, Stats& through) {
  std::printf("| %d | %.0f | %.0f | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", clients,
              direct.throughput(), through.throughput(), through.throughput() / direct.throughput(),
              direct.percentile(0.5), through.percentile(0.5),
              through.percentile(0.5) - direct.percentile(0.5), direct.percentile(0.99),
              through.percentile(0.99));
}

// An HTTP backend: awmg-demo-server --http on a free port, killed at the end.
struct HttpBackend {
  pid_t pid = -1;
  int port = 0;
  HttpBackend() {
    for (int attempt = 0; attempt < 20 && pid < 0; ++attempt) {
      port = 20000 + static_cast<int>(Clock::now().time_since_epoch().count() % 20000);
      auto p = awmg::backend::spawn_process({AWMG_DEMO_SERVER, "--http", std::to_string(port)}, {});
      if (!p) throw std::runtime_error(p.error().message);
      ::close(p->stdin_fd);
      ::close(p->stdout_fd);
      char line[256];
      ssize_t n = ::read(p->stderr_fd, line, sizeof line);  // "serving ..." or "cannot listen"
      ::close(p->stderr_fd);
      if (n > 0 && std::string(line, static_cast<size_t>(n)).find("serving") != std::string::npos) {
        pid = p->pid;
      } else {
        ::waitpid(p->pid, nullptr, 0);
      }
    }
    if (pid < 0) throw std::runtime_error("the HTTP demo backend did not start");
  }
  ~HttpBackend() {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
};

// tools/call through /mcp/<id> to an HTTP backend against the same backend called directly, in one run.
void http_backend(const std::vector<int>& client_counts, int calls, const std::string& work) {
  HttpBackend backend;
  Gateway gw(
      "[gateway]\nagent_id = \"bench-key\"\n[servers.demo]\ntype = \"http\"\nurl = "
      "\"http://127.0.0.1:" +
          std::to_string(backend.port) + "/mcp\"\n",
      work);
  std::printf("\ntools/call echo to an HTTP backend (awmg-demo-server --http), %d calls per client\n\n",
              calls);
  print_comparison_header();
  for (int clients : client_counts) {
    int per_client = std::max(200, calls / clients);
    Stats direct = measure<HttpClient>(clients, per_client, [&](int i) {
      return std::make_unique<HttpClient>(backend.port, "", "direct-" + std::to_string(i), kEcho,
                                          "hello from the benchmark", "/mcp");
    });
    Stats through = measure<HttpClient>(clients, per_client, [&](int i) {
      return std::make_unique<HttpClient>(gw.port, "bench-key", "bench-http-" + std::to_string(i));
    });
    print_comparison(clients, direct, through);
  }
}

// What the guard pipeline adds to one tools/call with a ~10 KB response (search_issues, 40 issues): the same
// gateway without DIFC, with DIFC and the noop guard, and with the example repository guard on the native
// tier (compiled into the cache first), one client, in one run.
void difc_cost(int calls, const std::string& work) {
  const std::string policy =
      R"(guard_policies = { "allow-only" = { repos = "public", "min-integrity" = "none" } })";
  const std::string guard = std::string(AWMG_GUARD_DIR) + "/repo_guard.wasm";
  if (std::system(("MCP_GATEWAY_WASM_CACHE_DIR=" + work + "/wasm-cache " + AWMG_BINARY + " guard compile " +
                   guard + " >/dev/null")
                      .c_str()) != 0) {
    std::printf("\n(guard compile failed: DIFC cost skipped)\n");
    return;
  }
  struct Case {
    const char* name;
    std::string extra;
  };
  const std::vector<Case> cases = {
      {"no DIFC", ""},
      {"DIFC, noop guard", policy + "\n"},
      {"DIFC, repository guard (wasm, native tier)",
       "guard = \"repos\"\n[guards.repos]\ntype = \"wasm\"\npath = \"" + guard +
           "\"\npolicy = " + R"({ "allow-only" = { repos = "public", "min-integrity" = "none" } })" + "\n"},
  };
  const std::string params = R"({"name":"search_issues","arguments":{"repeat":10}})";
  std::printf("\ntools/call search_issues (40 issues, about 10 KB), 1 client, %d calls\n\n", calls);
  std::printf("| pipeline | calls/s | p50 us | p99 us | added p50 us |\n|---|---|---|---|---|\n");
  double baseline = 0;
  for (const auto& c : cases) {
    Gateway gw(demo_toml(1, c.extra), work);
    Stats s = measure<HttpClient>(1, calls, [&](int) {
      return std::make_unique<HttpClient>(gw.port, "bench-key", "bench-difc", params, "Crash on start");
    });
    double p50 = s.percentile(0.5);
    if (baseline == 0) baseline = p50;
    std::printf("| %s | %.0f | %.1f | %.1f | %.1f |\n", c.name, s.throughput(), p50, s.percentile(0.99),
                p50 - baseline);
  }
}

// What the result pipeline costs, each against the same call without it, in one run: a 1 MB result written
// to the payload directory (the default 512 KiB threshold) against the same result returned whole, and a jq
// filter on a 100 KB JSON result against no filter.
void results_cost(const std::string& work) {
  const std::string big(1 << 20, 'x');
  const std::string spill_params = R"({"name":"echo","arguments":{"message":")" + big + R"("}})";
  std::string items = "[";
  for (int i = 0; items.size() < 100 * 1024; ++i)
    items +=
        std::string(i ? "," : "") + R"({\"id\":)" + std::to_string(i) + R"(,\"title\":\"an issue title\"})";
  const std::string json_text = R"({\"items\":)" + items + "]}";
  const std::string jq_params = R"({"name":"echo","arguments":{"message":")" + json_text + R"("}})";
  struct Case {
    const char* name;
    std::string gateway_extra, server_extra, params, expect;
  };
  const std::vector<Case> cases = {
      {"1 MB result, returned whole (threshold 16 MiB)", "payload_size_threshold = 16777216\n", "",
       spill_params, "xxxxxxxx"},
      {"1 MB result, written to the payload directory", "", "", spill_params, "payloadPath"},
      {"100 KB JSON result, no filter", "", "", jq_params, "an issue title"},
      {"100 KB JSON result, jq filter `{n: (.items | length)}`", "",
       "tool_response_filters = { echo = \"{n: (.items | length)}\" }\n", jq_params, "{\\\"n\\\":"},
  };
  std::printf(
      "\nresult pipeline, 1 client, 200 calls per row\n\n| case | calls/s | p50 us | p99 us "
      "|\n|---|---|---|---|\n");
  for (const auto& c : cases) {
    Gateway gw("[gateway]\nagent_id = \"bench-key\"\n" + c.gateway_extra + "[servers.demo]\ncommand = \"" +
                   AWMG_DEMO_SERVER + "\"\n" + c.server_extra,
               work);
    Stats s = measure<HttpClient>(1, 200, [&](int) {
      return std::make_unique<HttpClient>(gw.port, "bench-key", "bench-results", c.params, c.expect);
    });
    std::printf("| %s | %.0f | %.1f | %.1f |\n", c.name, s.throughput(), s.percentile(0.5),
                s.percentile(0.99));
  }
}

// An OTLP collector that takes every POST and answers 200 (a thread per connection, keep-alive).
class Collector {
 public:
  Collector() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      while (true) {
        tcp::socket socket(io_);
        beast::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        std::thread([s = std::move(socket)]() mutable {
          beast::flat_buffer buffer;
          beast::error_code e;
          while (true) {
            beast::http::request<beast::http::string_body> req;
            beast::http::read(s, buffer, req, e);
            if (e) return;
            beast::http::response<beast::http::string_body> res{beast::http::status::ok, req.version()};
            res.body() = "{}";
            res.prepare_payload();
            beast::http::write(s, res, e);
            if (e) return;
          }
        }).detach();
      }
    });
  }
  ~Collector() {
    stopping_ = true;
    tcp::socket poke(io_);
    beast::error_code ec;
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  int port = 0;

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// What tracing and metrics add to a tools/call: the same echo call with tracing off, at sample rate 0 and at
// 1.0 (to a loopback collector), interleaved over rounds, medians of p50; and the metrics' own per-request
// work (the counters and the histogram a tools/call touches), timed in process.
void observability_cost(int calls, const std::string& work) {
  Collector collector;
  const std::string tracing =
      "[gateway.tracing]\nendpoint = \"http://127.0.0.1:" + std::to_string(collector.port) + "\"\n";
  struct Case {
    const char* name;
    std::string extra;
    std::vector<double> p50s;
  };
  std::vector<Case> cases = {{"tracing off", "", {}},
                             {"tracing on, sample rate 0", tracing + "sample_rate = 0.0\n", {}},
                             {"tracing on, sample rate 1.0", tracing + "sample_rate = 1.0\n", {}}};
  std::vector<std::unique_ptr<Gateway>> gateways;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string dir = work + "/observability-" + std::to_string(i);
    std::system(("mkdir -p " + dir).c_str());
    gateways.push_back(std::make_unique<Gateway>(demo_toml(1, cases[i].extra), dir));
  }
  const int rounds = 5;
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < cases.size(); ++i) {
      Stats s = measure<HttpClient>(1, calls / rounds, [&](int) {
        return std::make_unique<HttpClient>(gateways[i]->port, "bench-key", "bench-obs");
      });
      cases[i].p50s.push_back(s.percentile(0.5));
    }
  }
  std::printf("\ntools/call echo, 1 client, %d rounds of %d calls, interleaved\n\n", rounds, calls / rounds);
  std::printf("| case | median p50 us | added p50 us |\n|---|---|---|\n");
  double baseline = 0;
  for (auto& c : cases) {
    std::sort(c.p50s.begin(), c.p50s.end());
    double p50 = c.p50s[c.p50s.size() / 2];
    if (baseline == 0) baseline = p50;
    std::printf("| %s | %.1f | %.1f |\n", c.name, p50, p50 - baseline);
  }
  awmg::gateway::GatewayMetrics metrics;
  const int n = 1000000;
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    metrics.tool_calls.with({"demo", "ok"}).inc();
    metrics.requests.with({"mcp", "demo"}).inc();
    metrics.request_seconds.with({"mcp", "demo"}).observe(std::chrono::microseconds(i % 5000));
  }
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / n;
  std::printf(
      "\nmetrics' work per tools/call (two counters and a histogram, by labels), in process: %.0f ns\n", ns);
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 4000, sessions = 1000;
  std::string only;  // one section: "http", "difc", "results" or "observability"
  std::vector<int> client_counts = {1, 8, 32};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--calls") calls = std::stoi(argv[i + 1]);
    if (flag == "--sessions") sessions = std::stoi(argv[i + 1]);
    if (flag == "--only") only = argv[i + 1];
    if (flag == "--clients") {
      client_counts.clear();
      for (auto& c : awmg::base::split(argv[i + 1], ',')) client_counts.push_back(std::stoi(c));
    }
  }
  ::signal(SIGPIPE, SIG_IGN);
  char tmpl[] = "/tmp/awmg-bench-XXXXXX";
  std::string work = ::mkdtemp(tmpl);

  if (only == "http") {
    http_backend(client_counts, calls, work);
    return 0;
  }
  if (only == "difc") {
    difc_cost(calls, work);
    return 0;
  }
  if (only == "observability") {
    observability_cost(calls, work);
    return 0;
  }
  if (only == "results") {
    results_cost(work);
    return 0;
  }
  std::printf("tools/call echo, %d calls per client, %u cores\n\n", calls,
              std::thread::hardware_concurrency());
  print_comparison_header();
  {
    Gateway gw(demo_toml(1), work);
    for (int clients : client_counts) {
      int per_client = std::max(200, calls / clients);
      Stats direct =
          measure<DirectCall>(clients, per_client, [](int) { return std::make_unique<DirectCall>(); });
      Stats through = measure<HttpClient>(clients, per_client, [&](int i) {
        return std::make_unique<HttpClient>(gw.port, "bench-key", "bench-agent-" + std::to_string(i));
      });
      print_comparison(clients, direct, through);
    }
  }
  {
    Gateway gw(demo_toml(3), work);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    long idle = rss_kb(gw.pid);
    // Eight agents (each agent keeps at most 256 sessions, and a server runs backends for at most 32 agents).
    constexpr int kAgents = 8;
    std::vector<std::unique_ptr<HttpClient>> open;
    for (int i = 0; i < sessions; ++i)
      open.push_back(
          std::make_unique<HttpClient>(gw.port, "bench-key", "agent-" + std::to_string(i % kAgents)));
    long with_sessions = rss_kb(gw.pid);
    std::printf("\ngateway RSS with 3 idle backends: %.1f MB\n", idle / 1024.0);
    std::printf(
        "RSS per idle session (%d sessions of %d agents, each on its own keep-alive connection): %.1f KB\n",
        sessions, kAgents, double(with_sessions - idle) / sessions);
    const int threads = 8, rounds = 10;
    Stats all = across_sessions(open, threads, rounds);
    std::printf(
        "%d open sessions, %d clients calling each of theirs in turn (tools/call echo, stdio backend, %zu "
        "calls): %.0f calls/s, p50 %.0f us, p99 %.0f us (goal: p99 < 5000 us)\n",
        sessions, threads, all.calls, all.throughput(), all.percentile(0.5), all.percentile(0.99));
  }
  http_backend(client_counts, calls, work);
  difc_cost(calls, work);
  results_cost(work);
  observability_cost(calls, work);
  std::system(("rm -rf " + work).c_str());
  return 0;
}
