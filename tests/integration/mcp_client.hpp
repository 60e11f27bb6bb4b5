#pragma once
#include <map>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "support/http_client.hpp"

namespace awmg::test {

// The `data:` payloads of an SSE body, in order; a priming event (an id with empty data) carries none.
inline std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    size_t end = body.find('\n', pos);
    if (end > pos + 6) out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

// A minimal MCP client over Streamable HTTP, written against the spec, for driving the gateway in tests.
class McpClient {
 public:
  McpClient(int port, std::string path, std::string key)
      : port_(port), path_(std::move(path)), key_(std::move(key)) {}

  HttpReply post(const std::string& body, std::map<std::string, std::string> headers = {}) {
    for (const auto& [name, value] : identity_) headers.emplace(name, value);
    headers.emplace("Authorization", key_);
    headers.emplace("Content-Type", "application/json");
    headers.emplace("Accept", "application/json, text/event-stream");
    if (!session_id.empty()) headers.emplace("Mcp-Session-Id", session_id);
    return http_request(port_, "POST", path_, headers, body);
  }

  // initialize + notifications/initialized; returns the initialize result.
  json::Document initialize(std::map<std::string, std::string> headers = {}) {
    return initialize_with("{}", std::move(headers));
  }

  // Initializes declaring `capabilities` (a JSON object).
  // An X-Agent-ID among `headers` goes with every later request too: a session belongs to its agent.
  json::Document initialize_with(const std::string& capabilities,
                                 std::map<std::string, std::string> headers = {}) {
    if (auto agent = headers.find("X-Agent-ID"); agent != headers.end()) identity_ = {*agent};
    auto reply =
        post(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
             R"("capabilities":)" +
                 capabilities + R"(,"clientInfo":{"name":"awmg-test","version":"1"}}})",
             headers);
    session_id = reply.headers["mcp-session-id"];
    post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return last_message(reply);
  }

  // Sends a request; returns its response message (the last SSE event, or the JSON body).
  json::Document request(const std::string& method, const std::string& params = "{}") {
    last_reply = post(R"({"jsonrpc":"2.0","id":)" + std::to_string(++next_id_) + R"(,"method":")" + method +
                      R"(","params":)" + params + "}");
    return last_message(last_reply);
  }

  static json::Document last_message(const HttpReply& reply) {
    auto events = sse_data(reply.body);
    auto doc = json::parse(events.empty() ? reply.body : events.back());
    return doc ? std::move(*doc) : json::Document();
  }

  std::string session_id;
  HttpReply last_reply;

 private:
  int port_;
  std::string path_;
  std::string key_;
  std::map<std::string, std::string> identity_;
  int next_id_ = 0;
};

// The text of a tool result's first content item.
inline std::string result_text(const json::Value& response) {
  const json::Value* result = json::member(response, "result");
  const json::Value* content = result ? json::member(*result, "content") : nullptr;
  if (!content || !content->IsArray() || content->Empty()) return "";
  return json::string_or((*content)[0], "text");
}

// How often `needle` occurs in `text`.
inline size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

inline bool is_error_result(const json::Value& response) {
  const json::Value* result = json::member(response, "result");
  const json::Value* flag = result ? json::member(*result, "isError") : nullptr;
  return flag && flag->IsBool() && flag->GetBool();
}

}  // namespace awmg::test
