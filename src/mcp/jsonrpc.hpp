#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.hpp"

namespace awmg::mcp {

// The protocol versions the gateway speaks, newest first.
inline constexpr const char* kLatestProtocolVersion = "2025-11-25";
bool supported_protocol_version(std::string_view version);
inline constexpr const char* kSupportedVersionsText = "2025-11-25,2025-06-18,2025-03-26,2024-11-05";

// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;

enum class MessageKind { kRequest, kNotification, kResponse, kInvalid };

// What one decoded JSON-RPC message is.
MessageKind classify(const json::Value& message);

// The message's id as JSON text, exactly as `raw` (the message's text) wrote it: an integer too large for 64
// bits is a double once parsed, and must not come back to its sender as another number.
std::string exact_id(const json::Value& message, std::string_view raw);
// The same for the member at `path` (object keys from the top, e.g. {"params", "requestId"}); "null" when
// absent.
std::string exact_member(const json::Value& message, std::string_view raw,
                         const std::vector<std::string_view>& path);

// `{"jsonrpc":"2.0","id":<id_json>,"result":<result_json>}`; `id_json` is already JSON ("1", "\"a\"",
// "null").
std::string result_message(std::string_view id_json, std::string_view result_json);
std::string error_message(std::string_view id_json, int code, std::string_view message);
std::string request_message(std::string_view id_json, std::string_view method, std::string_view params_json);
std::string notification_message(std::string_view method, std::string_view params_json);

// MCP log levels (RFC 5424 severities), least severe first: debug = 0 ... emergency = 7; nullopt for a name
// that is none of them.
std::optional<int> log_severity(std::string_view level);

// A tool result that reports a failure to the model:
// `{"content":[{"type":"text","text":...}],"isError":true}`.
std::string tool_error_result(std::string_view text);
// Whether a tool result (a parsed object, or JSON text) reports a failure: `"isError": true`. The text form
// parses only a result that mentions isError at all.
bool is_error_result(const json::Value& result);
bool is_error_result(const std::string& result);

}  // namespace awmg::mcp
