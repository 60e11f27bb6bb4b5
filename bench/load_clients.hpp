#pragma once
// What awmg-bench drives the gateway with: clients over pipes and over HTTP keep-alive, timing, the gateway
// as a child process on a TOML config.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend/process.hpp"
#include "json/json.hpp"

namespace awmg_bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;
using tcp = asio::ip::tcp;

inline constexpr const char* kEcho = R"({"name":"echo","arguments":{"message":"hello from the benchmark"}})";

struct Stats {
  double seconds = 0;
  size_t calls = 0;
  std::vector<double> latencies_us;
  double throughput() const { return calls / seconds; }
  double percentile(double p) {
    std::sort(latencies_us.begin(), latencies_us.end());
    return latencies_us.empty()
               ? 0
               : latencies_us[std::min(latencies_us.size() - 1, size_t(p * latencies_us.size()))];
  }
};

// ---- direct: one demo server per client over pipes -------------------------------------------------------

class PipeClient {
 public:
  PipeClient() {
    auto p = awmg::backend::spawn_process({AWMG_DEMO_SERVER}, {});
    if (!p) throw std::runtime_error(p.error().message);
    process_ = *p;
    call(R"("initialize")",
         R"({"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}})");
  }
  ~PipeClient() {
    ::close(process_.stdin_fd);
    awmg::backend::terminate_process(process_.pid, 1000);
    ::close(process_.stdout_fd);
    ::close(process_.stderr_fd);
  }
  void call(const std::string& method_json, const std::string& params) {
    std::string line = R"({"jsonrpc":"2.0","id":)" + std::to_string(++id_) + R"(,"method":)" + method_json +
                       R"(,"params":)" + params + "}\n";
    if (::write(process_.stdin_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      throw std::runtime_error("write failed");
    }
    while (buffer_.find('\n') == std::string::npos) {
      char chunk[65536];
      ssize_t n = ::read(process_.stdout_fd, chunk, sizeof chunk);
      if (n <= 0) throw std::runtime_error("backend closed");
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    buffer_.erase(0, buffer_.find('\n') + 1);
  }

 private:
  awmg::backend::SpawnedProcess process_;
  std::string buffer_;
  int id_ = 0;
};

// ---- gateway: one MCP session per client over HTTP keep-alive ---------------------------------------------

class HttpClient {
 public:
  // `params` is the tools/call each call() makes; its reply must contain `expect`.
  HttpClient(int port, const std::string& key, const std::string& agent, std::string params = kEcho,
             std::string expect = "hello from the benchmark", std::string target = "/mcp/demo")
      : stream_(io_),
        port_(port),
        key_(key),
        params_(std::move(params)),
        expect_(std::move(expect)),
        target_(std::move(target)) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    agent_ = agent;
    auto reply =
        post(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
             R"("capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})");
    auto it = reply.find("Mcp-Session-Id");
    if (it == reply.end()) throw std::runtime_error("no session id: " + reply.body());
    session_ = std::string(it->value());
  }
  void call() {
    auto reply = post(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":)" + params_ + "}");
    if (reply.body().find(expect_) == std::string::npos) {
      throw std::runtime_error("bad reply: " + reply.body());
    }
  }

 private:
  beast::http::response<beast::http::string_body> post(const std::string& body) {
    beast::http::request<beast::http::string_body> req{beast::http::verb::post, target_, 11};
    req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(port_));
    req.set(beast::http::field::authorization, key_);
    req.set(beast::http::field::content_type, "application/json");
    req.set(beast::http::field::accept, "application/json, text/event-stream");
    req.set("X-Agent-ID", agent_);
    if (!session_.empty()) req.set("Mcp-Session-Id", session_);
    req.body() = body;
    req.prepare_payload();
    beast::http::write(stream_, req);
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream_, buffer_, res);
    return res;
  }

  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  int port_;
  std::string key_, agent_, session_, params_, expect_, target_;
};

// Runs `clients` threads of `calls` calls each; `make` builds a client, `call` uses it.
template <typename Client, typename Make>
inline Stats measure(int clients, int calls, Make make) {
  std::vector<std::unique_ptr<Client>> pool;
  for (int i = 0; i < clients; ++i) pool.push_back(make(i));
  for (auto& c : pool) {
    for (int w = 0; w < 20; ++w) c->call();  // warm-up
  }
  std::vector<std::vector<double>> per_thread(clients);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      per_thread[i].reserve(calls);
      for (int n = 0; n < calls; ++n) {
        auto t0 = Clock::now();
        pool[i]->call();
        per_thread[i].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  Stats s;
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per_thread) s.latencies_us.insert(s.latencies_us.end(), v.begin(), v.end());
  s.calls = s.latencies_us.size();
  return s;
}

// `threads` threads share `sessions` out and call each of theirs in turn, `rounds` times over.
inline Stats across_sessions(std::vector<std::unique_ptr<HttpClient>>& sessions, int threads, int rounds) {
  std::vector<std::vector<double>> per_thread(threads);
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        for (size_t i = t; i < sessions.size(); i += threads) {
          auto t0 = Clock::now();
          sessions[i]->call();
          per_thread[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  Stats s;
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per_thread) s.latencies_us.insert(s.latencies_us.end(), v.begin(), v.end());
  s.calls = s.latencies_us.size();
  return s;
}

struct DirectCall : PipeClient {
  void call() { PipeClient::call(R"("tools/call")", kEcho); }
};

inline long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A config with `servers` demo backends; `extra` is appended to the first one's table.
inline std::string demo_toml(int servers, const std::string& extra = "") {
  std::string toml = "[gateway]\nagent_id = \"bench-key\"\n";
  for (int i = 0; i < servers; ++i) {
    toml += "[servers." + std::string(i == 0 ? "demo" : "demo" + std::to_string(i)) + "]\ncommand = \"" +
            AWMG_DEMO_SERVER + "\"\n" + (i == 0 ? extra : "");
  }
  return toml;
}

// The gateway under test: started on a free port with the given config.
struct Gateway {
  pid_t pid = -1;
  int port = 0;
  std::string dir;
  Gateway(const std::string& toml, const std::string& work) : dir(work) {
    std::ofstream(dir + "/bench.toml") << toml;
    auto p = awmg::backend::spawn_process({AWMG_BINARY, "-c", dir + "/bench.toml", "--listen", "127.0.0.1:0"},
                                          {{"MCP_GATEWAY_LOG_DIR", dir + "/logs"},
                                           {"MCP_GATEWAY_WASM_CACHE_DIR", dir + "/wasm-cache"},
                                           {"MCP_GATEWAY_PAYLOAD_DIR", dir + "/payloads"}});
    if (!p) throw std::runtime_error(p.error().message);
    pid = p->pid;
    std::string out;
    char buf[4096];
    while (!awmg::json::parse(out).ok()) {
      ssize_t n = ::read(p->stdout_fd, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("gateway did not start");
      out.append(buf, static_cast<size_t>(n));
    }
    auto url = awmg::json::string_or((*awmg::json::parse(out))["mcpServers"]["demo"], "url");
    port = std::stoi(url.substr(url.rfind(':') + 1));
    ::close(p->stdin_fd);
    ::close(p->stdout_fd);
    ::close(p->stderr_fd);  // nobody drains it; a full pipe must not stall the gateway
  }
  ~Gateway() {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
};

// The table both comparisons print: direct against through the gateway, for a number of clients.

}  // namespace awmg_bench
