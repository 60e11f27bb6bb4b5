#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace awmg::test {

inline const std::string kAwmg = AWMG_BINARY;
inline const std::string kDemoServer = AWMG_DEMO_SERVER;

// Options for running the real binary with its logs in a private temporary directory.
inline ProcessOptions awmg_env(const TempDir& dir, std::map<std::string, std::string> extra = {}) {
  ProcessOptions o;
  o.env = {{"MCP_GATEWAY_LOG_DIR", dir.file("logs")}, {"MCP_GATEWAY_PAYLOAD_DIR", dir.file("payloads")}};
  for (auto& [k, v] : extra) o.env[k] = v;
  o.unset_env = {"DEBUG",
                 "MCP_GATEWAY_WASM_CACHE_DIR",
                 "MCP_GATEWAY_GUARDS_MODE",
                 "MCP_GATEWAY_TOOL_TIMEOUT",
                 "MCP_GATEWAY_GUARD_POLICY_JSON",
                 "MCP_GATEWAY_TLS_CERT",
                 "MCP_GATEWAY_TLS_KEY",
                 "OTEL_EXPORTER_OTLP_ENDPOINT",
                 "OTEL_EXPORTER_OTLP_HEADERS",
                 "OTEL_SERVICE_NAME",
                 "GH_AW_OTLP_ENDPOINTS",
                 "MCP_GATEWAY_HEALTH_INTERVAL",
                 "GITHUB_REPOSITORY"};
  return o;
}

inline RunResult run_awmg(const std::vector<std::string>& args, const ProcessOptions& options,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  std::vector<std::string> argv = {kAwmg};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, options, timeout);
}

// A log file once it holds `needle` (the gateway writes its logs at most a few milliseconds late), or as it
// is after `limit`.
inline std::string read_log_when(const std::string& path, const std::string& needle,
                                 std::chrono::milliseconds limit = std::chrono::seconds(3)) {
  auto until = std::chrono::steady_clock::now() + limit;
  std::string text = read_text(path);
  while (text.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    text = read_text(path);
  }
  return text;
}

// GET and POST to a server on 127.0.0.1.
class LocalServer {
 public:
  explicit LocalServer(int port) : port_(port) {}
  int port() const { return port_; }
  HttpReply get(const std::string& target, std::map<std::string, std::string> headers = {}) {
    return http_request(port_, "GET", target, headers);
  }
  HttpReply post(const std::string& target, const std::string& body,
                 std::map<std::string, std::string> headers = {}) {
    return http_request(port_, "POST", target, headers, body);
  }

 protected:
  int port_;
};

// A running gateway: started, and ready once its stdout holds the complete client-config document.
class RunningGateway : public LocalServer {
 public:
  RunningGateway(const std::vector<std::string>& args, const ProcessOptions& options)
      : LocalServer(free_port()) {
    std::vector<std::string> argv = {kAwmg, "--listen", "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    child_ = std::make_unique<Child>(argv, options);
    ready_ = child_->wait_for_stdout([](const std::string& out) { return json::parse(out).ok(); },
                                     std::chrono::seconds(20));
    if (ready_) {
      auto doc = json::parse(child_->out());
      const auto& servers = (*doc)["mcpServers"];
      for (const auto& m : servers.GetObject()) {
        agent_id_ = json::string_or(m.value["headers"], "Authorization");
        break;
      }
    }
  }

  bool ready() const { return ready_; }
  const std::string& agent_id() const { return agent_id_; }
  Child& child() { return *child_; }
  // How many processes the gateway has started and not yet reaped (its backends).
  int children() {
    auto r = run({"/usr/bin/pgrep", "-P", std::to_string(child_->pid())});
    return static_cast<int>(std::count(r.out.begin(), r.out.end(), '\n'));
  }

 private:
  std::unique_ptr<Child> child_;
  bool ready_ = false;
  std::string agent_id_;
};

}  // namespace awmg::test
