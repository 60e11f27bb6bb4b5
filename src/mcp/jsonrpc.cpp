#include "mcp/jsonrpc.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace awmg::mcp {

bool supported_protocol_version(std::string_view v) {
  return v == "2025-11-25" || v == "2025-06-18" || v == "2025-03-26" || v == "2024-11-05";
}

MessageKind classify(const json::Value& m) {
  if (!m.IsObject()) return MessageKind::kInvalid;
  const json::Value* method = json::member(m, "method");
  const json::Value* id = json::member(m, "id");
  if (method) {
    if (!method->IsString()) return MessageKind::kInvalid;
    return id ? MessageKind::kRequest : MessageKind::kNotification;
  }
  if (id && (json::member(m, "result") || json::member(m, "error"))) return MessageKind::kResponse;
  return MessageKind::kInvalid;
}

namespace {

// Reads a message with numbers kept as text and keeps the top-level "id" member's number.
struct IdScanner : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, IdScanner> {
  int depth = 0;
  bool at_id = false;
  std::string id;
  bool Default() {
    at_id = false;
    return true;
  }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    if (at_id && id.empty()) id.assign(text, length);  // the first "id", as the parsed document keeps it
    return Default();
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    at_id = depth == 1 && std::string_view(text, length) == "id";
    return true;
  }
  bool StartObject() {
    ++depth;
    return Default();
  }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    return Default();
  }
  bool StartArray() {
    ++depth;
    return Default();
  }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    return Default();
  }
};

}  // namespace

std::string exact_id(const json::Value& message, std::string_view raw) {
  const json::Value* id = message.IsObject() ? json::member(message, "id") : nullptr;
  if (!id) return "null";
  if (!id->IsDouble()) return json::to_string(*id);  // strings, null and 64-bit integers are exact already
  IdScanner scanner;
  rapidjson::MemoryStream stream(raw.data(), raw.size());
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(stream, scanner);
  return scanner.id.empty() ? json::to_string(*id) : scanner.id;
}

std::string result_message(std::string_view id_json, std::string_view result_json) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out.append(id_json).append(R"(,"result":)").append(result_json).append("}");
  return out;
}

std::string error_message(std::string_view id_json, int code, std::string_view message) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out.append(id_json).append(R"(,"error":{"code":)").append(std::to_string(code));
  out.append(R"(,"message":)").append(json::quote(message)).append("}}");
  return out;
}

std::string request_message(std::string_view id_json, std::string_view method, std::string_view params_json) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out.append(id_json).append(R"(,"method":)").append(json::quote(method));
  if (!params_json.empty()) out.append(R"(,"params":)").append(params_json);
  return out + "}";
}

std::string notification_message(std::string_view method, std::string_view params_json) {
  std::string out = R"({"jsonrpc":"2.0","method":)";
  out.append(json::quote(method));
  if (!params_json.empty()) out.append(R"(,"params":)").append(params_json);
  return out + "}";
}

std::string tool_error_result(std::string_view text) {
  return R"({"content":[{"type":"text","text":)" + json::quote(text) + R"(}],"isError":true})";
}

std::optional<int> log_severity(std::string_view level) {
  static constexpr std::string_view kLevels[] = {"debug", "info",     "notice", "warning",
                                                 "error", "critical", "alert",  "emergency"};
  for (int i = 0; i < 8; ++i) {
    if (kLevels[i] == level) return i;
  }
  return std::nullopt;
}

}  // namespace awmg::mcp
