#pragma once
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace awmg::test {

// An MCP server over HTTP whose tools misbehave on purpose, for fault tests of HTTP backends. It answers
// initialize (with a session id), takes notifications (202), refuses the standalone GET stream (405), and on
// tools/call runs the tool named:
//   ok          a JSON result "ok"
//   slow        the same "slow done", after 700 ms
//   hang        starts an event stream and never writes to it again
//   close       starts an event stream and closes the connection
//   html        answers 200 with text/html
//   unknown_id  answers JSON with a response to an id nobody sent
//   garbage     streams a non-JSON event, then the result
//   flood       streams 5000 log notifications, then the result
//   ask         streams an elicitation/create request (id "q1"), waits up to 10 s for its answer, and returns
//               the answer's JSON as the result text
//   drop        streams a priming event (id "e1", retry 50 ms) and closes; a GET with Last-Event-ID "e1"
//               resumes the stream with the result "resumed"
//   drop_hang   the same, but the resumed stream never writes
// It is also GitHub's REST API for `GET /repos/{o}/{r}/collaborators/{user}/permission` with
// `Authorization: token rest-token` (`{"permission":"admin",...}`; 404 for the user "nobody") and for
// `GET /repos/octo/{public-repo,old-public-repo,private-repo}` (visibility; any other repository: 500), and a
// GitHub Actions OIDC issuer: `GET /token?audience=...` with `Authorization: Bearer request-token` answers
// `{"value": kOidcJwt}`. Plain sockets and a thread per connection; the destructor closes everything and
// joins. A JWT whose payload is {"exp":4102444800} (2100-01-01).
inline constexpr const char* kOidcJwt = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";

class ScriptedBackend {
 public:
  ScriptedBackend();
  ~ScriptedBackend();
  ScriptedBackend(const ScriptedBackend&) = delete;
  ScriptedBackend& operator=(const ScriptedBackend&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mcp"; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string token_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/token?api-version=2.0";
  }
  // Every JSON-RPC message POSTed to it, in order.
  std::vector<std::string> received() const;
  // The tools called under the current session, in order.
  std::vector<std::string> tools_called() const;
  // The value of `name` on the last request that had it (lower-case name).
  std::string last_header(const std::string& name) const;
  int initializations() const { return initializations_; }
  int open_connections() const { return open_; }
  // Requests under the current session id get 404 from now on.
  void forget_sessions();
  // GitHub's answer for `user`'s permission from now on (default: admin).
  void set_permission(const std::string& user, const std::string& permission) {
    std::lock_guard lock(mutex_);
    permissions_[user] = permission;
  }
  // initialize takes `ms` from now on.
  void slow_initialize(int ms) { initialize_delay_ms_ = ms; }
  // While set, every MCP request is read and never answered (a backend that hangs).
  void set_hanging(bool hanging) {
    std::lock_guard lock(mutex_);
    hanging_ = hanging;
    changed_.notify_all();
  }
  // The OTLP export requests POSTed to /v1/traces (held while hanging), and their headers (lower-case names).
  std::vector<std::string> traces() const {
    std::lock_guard lock(mutex_);
    return traces_;
  }
  std::vector<std::map<std::string, std::string>> trace_headers() const {
    std::lock_guard lock(mutex_);
    return trace_headers_;
  }
  // Waits up to `ms` for a received message containing `text`.
  bool wait_for(const std::string& text, int ms) const;

 private:
  struct Request;
  void accept_loop();
  void serve(int fd);
  bool handle(int fd, const Request& request);  // false: the connection is done
  void call_tool(int fd, const std::string& id, const std::string& tool);
  void record(const std::string& message);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_{0};
  std::atomic<int> initializations_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
  std::vector<std::string> received_;
  std::vector<std::string> tools_called_;  // under the current session
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string session_ = "s-1";
  int sessions_ = 1;
  std::atomic<int> initialize_delay_ms_{0};
  std::map<std::string, std::string> permissions_;
  std::string dropped_id_;     // the request whose stream `drop` closed
  bool resume_hangs_ = false;  // `drop_hang`
  bool hanging_ = false;
  std::vector<std::string> traces_;
  std::vector<std::map<std::string, std::string>> trace_headers_;
};

}  // namespace awmg::test
