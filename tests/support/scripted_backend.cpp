#include "support/scripted_backend.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "base/strings.hpp"
#include "json/json.hpp"

namespace awmg::test {

struct ScriptedBackend::Request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

namespace {

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string json_reply(int status, const std::string& body, const std::string& extra_headers = "") {
  std::string reason = status == 200   ? "OK"
                       : status == 202 ? "Accepted"
                       : status == 404 ? "Not Found"
                                       : "Status";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const char* kSseHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

std::string event(const std::string& data) {
  return "event: message\ndata: " + data + "\n\n";
}

std::string text_result(const std::string& id, const std::string& text) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":{"content":[{"type":"text","text":)" +
         json::quote(text) + "}]}}";
}

constexpr const char* kTools =
    R"({"tools":[{"name":"ok","inputSchema":{"type":"object"}},{"name":"hang","inputSchema":{"type":"object"}},)"
    R"({"name":"close","inputSchema":{"type":"object"}},{"name":"html","inputSchema":{"type":"object"}},)"
    R"({"name":"unknown_id","inputSchema":{"type":"object"}},{"name":"garbage","inputSchema":{"type":"object"}},)"
    R"({"name":"flood","inputSchema":{"type":"object"}},{"name":"ask","inputSchema":{"type":"object"}},)"
    R"({"name":"drop","inputSchema":{"type":"object"}},{"name":"drop_hang","inputSchema":{"type":"object"}},)"
    R"({"name":"slow","inputSchema":{"type":"object"}}]})";

}  // namespace

ScriptedBackend::ScriptedBackend() {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener_, 64);
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

ScriptedBackend::~ScriptedBackend() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  changed_.notify_all();
  for (auto& t : workers) t.join();
}

void ScriptedBackend::accept_loop() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    fds_.push_back(fd);
    ++open_;
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void ScriptedBackend::serve(int fd) {
  std::string buffer;
  char chunk[65536];
  bool alive = true;
  while (alive && !stopping_) {
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        alive = false;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (!alive) break;
    Request request;
    auto lines = base::split(buffer.substr(0, head_end), '\n');
    request.method = lines.empty() ? "" : std::string(lines[0].substr(0, lines[0].find(' ')));
    if (!lines.empty()) {
      auto first = lines[0].find(' '), second = lines[0].rfind(' ');
      if (first != std::string_view::npos && second > first)
        request.target = std::string(lines[0].substr(first + 1, second - first - 1));
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      auto colon = lines[i].find(':');
      if (colon == std::string_view::npos) continue;
      request.headers[base::to_lower(base::trim(lines[i].substr(0, colon)))] =
          std::string(base::trim(lines[i].substr(colon + 1)));
    }
    size_t length = std::strtoul(request.headers["content-length"].c_str(), nullptr, 10);
    buffer.erase(0, head_end + 4);
    while (buffer.size() < length) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, std::min(length, buffer.size()));
    alive = handle(fd, request);
  }
  {
    std::lock_guard lock(mutex_);
    fds_.erase(std::remove(fds_.begin(), fds_.end(), fd), fds_.end());
  }
  ::close(fd);
  --open_;
}

bool ScriptedBackend::handle(int fd, const Request& request) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, value] : request.headers) headers_.emplace_back(name, value);
  }
  if (request.method == "GET" && request.target.rfind("/token", 0) == 0) {  // a GitHub Actions OIDC issuer
    record("GET " + request.target);
    auto auth = request.headers.find("authorization");
    if (auth == request.headers.end() || auth->second != "Bearer request-token")
      return write_all(fd, json_reply(401, R"({"message":"bad request token"})"));
    return write_all(fd, json_reply(200, std::string(R"({"value":")") + kOidcJwt + "\"}"));
  }
  if (request.method == "GET" && request.target.rfind("/repos/", 0) == 0) {  // GitHub's REST API
    record("GET " + request.target);
    auto auth = request.headers.find("authorization");
    if (auth == request.headers.end() || auth->second != "token rest-token")
      return write_all(fd, json_reply(401, R"({"message":"Bad credentials"})"));
    if (request.target.find("/collaborators/nobody/") != std::string::npos)
      return write_all(fd, json_reply(404, R"({"message":"Not Found"})"));
    if (auto at = request.target.find("/collaborators/"); at != std::string::npos) {
      std::string user = request.target.substr(at + 15, request.target.find('/', at + 15) - at - 15);
      std::string permission = "admin";
      {
        std::lock_guard lock(mutex_);
        if (auto it = permissions_.find(user); it != permissions_.end()) permission = it->second;
      }
      return write_all(fd, json_reply(200, R"({"permission":")" + permission + R"(","user":{"login":")" +
                                               user + R"("}})"));
    }
    if (request.target == "/repos/octo/public-repo")
      return write_all(fd, json_reply(200, R"({"full_name":"octo/public-repo","visibility":"public"})"));
    if (request.target == "/repos/octo/old-public-repo")
      return write_all(fd, json_reply(200, R"({"full_name":"octo/old-public-repo","private":false})"));
    if (request.target == "/repos/octo/private-repo")
      return write_all(fd, json_reply(200, R"({"full_name":"octo/private-repo","visibility":"private"})"));
    return write_all(fd, json_reply(500, R"({"message":"Server Error"})"));
  }
  if (request.method == "GET" && request.headers.count("last-event-id")) {
    record("GET Last-Event-ID: " + request.headers.at("last-event-id"));
    std::string id;
    bool hang = false;
    {
      std::lock_guard lock(mutex_);
      id = dropped_id_;
      hang = resume_hangs_;
    }
    if (id.empty() || request.headers.at("last-event-id") != "e1") return write_all(fd, json_reply(404, ""));
    write_all(fd, kSseHead);
    if (hang) {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_.load(); });
      return false;
    }
    write_all(fd, event(text_result(id, "resumed")));
    return false;
  }
  if (request.method == "GET") return write_all(fd, json_reply(405, ""));
  if (request.method == "DELETE") return write_all(fd, json_reply(200, ""));
  if (request.target == "/v1/traces") {  // an OTLP/HTTP receiver
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return stopping_.load() || !hanging_; });
    traces_.push_back(request.body);
    trace_headers_.push_back(request.headers);
    changed_.notify_all();
    lock.unlock();
    return write_all(fd, json_reply(200, "{}"));
  }
  auto doc = json::parse(request.body);
  if (!doc || !doc->IsObject()) return write_all(fd, json_reply(400, "not JSON"));
  record(request.body);
  {
    std::unique_lock lock(mutex_);
    if (hanging_) {
      changed_.wait(lock, [this] { return stopping_.load() || !hanging_; });
      return false;  // the request is never answered
    }
  }
  std::string method = json::string_or(*doc, "method");
  std::string id = doc->HasMember("id") ? json::to_string((*doc)["id"]) : "";
  auto session = request.headers.find("mcp-session-id");
  std::string current;
  {
    std::lock_guard lock(mutex_);
    current = session_;
  }
  if (method == "initialize") {
    std::this_thread::sleep_for(std::chrono::milliseconds(initialize_delay_ms_));
    ++initializations_;
    std::string result = R"({"protocolVersion":"2025-11-25","capabilities":{"tools":{}},)"
                         R"("serverInfo":{"name":"scripted","version":"1"}})";
    return write_all(fd, json_reply(200, R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + result + "}",
                                    "Mcp-Session-Id: " + current + "\r\n"));
  }
  if (session == request.headers.end() || session->second != current)
    return write_all(
        fd, json_reply(
                404, R"({"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"session not found"}})"));
  if (id.empty() || method.empty()) return write_all(fd, json_reply(202, ""));  // notifications, answers
  if (method == "tools/list")
    return write_all(fd, json_reply(200, R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + kTools + "}"));
  if (method == "ping")
    return write_all(fd, json_reply(200, R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":{}})"));
  if (method != "tools/call")
    return write_all(fd, json_reply(200, R"({"jsonrpc":"2.0","id":)" + id +
                                             R"(,"error":{"code":-32601,"message":"Method not found"}})"));
  const json::Value* params = json::member(*doc, "params");
  std::string tool = params ? json::string_or(*params, "name") : "";
  {
    std::lock_guard lock(mutex_);
    tools_called_.push_back(tool);
  }
  call_tool(fd, id, tool);
  return false;
}

void ScriptedBackend::call_tool(int fd, const std::string& id, const std::string& tool) {
  if (tool == "ok") {
    write_all(fd, json_reply(200, text_result(id, "ok")));
  } else if (tool == "slow") {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    write_all(fd, json_reply(200, text_result(id, "slow done")));
  } else if (tool == "hang") {
    write_all(fd, kSseHead);
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return stopping_.load(); });
  } else if (tool == "close") {
    write_all(fd, kSseHead);
  } else if (tool == "drop" || tool == "drop_hang") {
    {
      std::lock_guard lock(mutex_);
      dropped_id_ = id;
      resume_hangs_ = tool == "drop_hang";
    }
    write_all(fd, std::string(kSseHead) + "id: e1\nretry: 50\ndata: \n\n");
  } else if (tool == "html") {
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>");
  } else if (tool == "unknown_id") {
    write_all(fd, json_reply(200, text_result("987654", "lost")));
  } else if (tool == "garbage") {
    write_all(fd, std::string(kSseHead) + event("this is not JSON {") + event(text_result(id, "survived")));
  } else if (tool == "flood") {
    std::string out = kSseHead;
    for (int i = 0; i < 5000; ++i)
      out += event(
          R"({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"line )" +
          std::to_string(i) + "\"}}");
    write_all(fd, out + event(text_result(id, "flooded")));
  } else if (tool == "ask") {
    write_all(
        fd,
        std::string(kSseHead) +
            event(R"({"jsonrpc":"2.0","id":"q1","method":"elicitation/create","params":{"message":"name?",)"
                  R"("requestedSchema":{"type":"object","properties":{}}}})"));
    std::string answer;
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::seconds(10), [&] {
        for (const auto& m : received_)
          if (m.find(R"("id":"q1")") != std::string::npos && m.find("\"method\"") == std::string::npos) {
            answer = m;
            return true;
          }
        return stopping_.load();
      });
    }
    write_all(fd, event(text_result(id, answer.empty() ? "no answer" : answer)));
  } else {
    write_all(fd, json_reply(200, text_result(id, "unknown tool " + tool)));
  }
}

void ScriptedBackend::record(const std::string& message) {
  {
    std::lock_guard lock(mutex_);
    received_.push_back(message);
  }
  changed_.notify_all();
}

std::vector<std::string> ScriptedBackend::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::string ScriptedBackend::last_header(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (auto it = headers_.rbegin(); it != headers_.rend(); ++it)
    if (it->first == name) return it->second;
  return "";
}

void ScriptedBackend::forget_sessions() {
  std::lock_guard lock(mutex_);
  session_ = "s-" + std::to_string(++sessions_);
  tools_called_.clear();
}

std::vector<std::string> ScriptedBackend::tools_called() const {
  std::lock_guard lock(mutex_);
  return tools_called_;
}

bool ScriptedBackend::wait_for(const std::string& text, int ms) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(ms), [&] {
    for (const auto& m : received_)
      if (m.find(text) != std::string::npos) return true;
    return false;
  });
}

}  // namespace awmg::test
