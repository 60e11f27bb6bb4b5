#include "http_transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The value of header `name` (lower-case) in a request head, or "".
std::string header(const std::string& head, const std::string& name) {
  std::string lowered = lower(head);
  auto at = lowered.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  auto start = at + name.size() + 3;
  auto end = head.find("\r\n", start);
  std::string value = head.substr(start, end - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

bool send_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string response(int status, const std::string& body, const std::string& extra = "") {
  const char* reason = status == 200 ? "OK" : status == 202 ? "Accepted" : "Method Not Allowed";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n" +
         extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void serve_connection(int fd, const std::function<std::string(const std::string&)>& answer) {
  static std::atomic<int> sessions{0};
  std::string buffer;
  char chunk[65536];
  while (true) {
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    std::string head = buffer.substr(0, head_end);
    size_t length = std::strtoul(header(head, "content-length").c_str(), nullptr, 10);
    while (buffer.size() < head_end + 4 + length) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    std::string body = buffer.substr(head_end + 4, length);
    buffer.erase(0, head_end + 4 + length);
    std::string out;
    if (head.compare(0, 5, "POST ") != 0) {
      out = response(405, "", "Allow: POST\r\n");
    } else {
      std::string reply = answer(body);
      bool initialize = body.find("\"initialize\"") != std::string::npos;
      std::string session = initialize ? "Mcp-Session-Id: demo-" + std::to_string(++sessions) + "\r\n" : "";
      out = reply.empty() ? response(202, "") : response(200, reply, session);
    }
    if (!send_all(fd, out)) return;
  }
}

}  // namespace

int serve_http(int port, const std::function<std::string(const std::string&)>& answer) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 128) != 0) {
    std::perror("awmg-demo-server: cannot listen");
    return 1;
  }
  std::fprintf(stderr, "awmg-demo-server: serving http://127.0.0.1:%d/mcp\n", port);
  while (true) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    std::thread([fd, &answer] {
      serve_connection(fd, answer);
      ::close(fd);
    }).detach();
  }
}
