#pragma once
#include <map>
#include <string>

namespace awmg::test {

struct HttpReply {
  int status = 0;                              // 0: no response (connection failed or closed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One HTTP/1.1 request to 127.0.0.1:`port` (Connection: close), bounded by 20 s; status 0 when no answer
// came.
HttpReply http_request(int port, const std::string& method, const std::string& target,
                       const std::map<std::string, std::string>& headers = {}, const std::string& body = "");

// Writes raw bytes to 127.0.0.1:`port` and returns whatever comes back until the peer closes or `timeout_ms`.
std::string raw_exchange(int port, const std::string& bytes, int timeout_ms = 5000);

}  // namespace awmg::test
