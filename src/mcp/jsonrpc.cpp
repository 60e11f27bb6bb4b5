#include "mcp/jsonrpc.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <vector>

namespace awmg::mcp {

bool supported_protocol_version(std::string_view v) {
  return v == "2025-11-25" || v == "2025-06-18" || v == "2025-03-26" || v == "2024-11-05";
}

MessageKind classify(const json::Value& m) {
  if (!m.IsObject()) return MessageKind::kInvalid;
  const json::Value* method = json::member(m, "method");
  const json::Value* id = json::member(m, "id");
  // JSON-RPC 2.0: an id is a string, a number or null.
  if (id && !id->IsString() && !id->IsNumber() && !id->IsNull()) return MessageKind::kInvalid;
  if (method) {
    if (!method->IsString()) return MessageKind::kInvalid;
    return id ? MessageKind::kRequest : MessageKind::kNotification;
  }
  if (id && (json::member(m, "result") || json::member(m, "error"))) return MessageKind::kResponse;
  return MessageKind::kInvalid;
}

namespace {

// Reads a message with numbers kept as text and keeps the number at `path` (object keys from the top).
struct NumberScanner : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, NumberScanner> {
  explicit NumberScanner(const std::vector<std::string_view>& target) : path(target) {}
  const std::vector<std::string_view>& path;
  std::vector<std::string>
      keys;  // the key at each open object level ("" in arrays, and before the first key)
  std::string found;
  bool at_path() const {
    if (keys.size() != path.size()) return false;
    for (size_t i = 0; i < path.size(); ++i)
      if (keys[i] != path[i]) return false;
    return true;
  }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    if (at_path() && found.empty()) found.assign(text, length);  // the first, as the parsed document keeps it
    return true;
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    keys.back().assign(text, length);
    return true;
  }
  bool StartObject() {
    keys.emplace_back();
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    keys.pop_back();
    return true;
  }
  bool StartArray() {
    keys.emplace_back("\x01");  // matches no key
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    keys.pop_back();
    return true;
  }
};

}  // namespace

std::string exact_member(const json::Value& message, std::string_view raw,
                         const std::vector<std::string_view>& path) {
  const json::Value* value = &message;
  for (std::string_view key : path) {
    value = value->IsObject() ? json::member(*value, std::string(key).c_str()) : nullptr;
    if (!value) return "null";
  }
  if (!value->IsDouble()) return json::to_string(*value);  // strings, null and 64-bit integers are exact
  NumberScanner scanner(path);
  rapidjson::MemoryStream stream(raw.data(), raw.size());
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(stream, scanner);
  return scanner.found.empty() ? json::to_string(*value) : scanner.found;
}

std::string exact_id(const json::Value& message, std::string_view raw) {
  return exact_member(message, raw, {"id"});
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

bool is_error_result(const json::Value& result) {
  const json::Value* flag = result.IsObject() ? json::member(result, "isError") : nullptr;
  return flag && flag->IsBool() && flag->GetBool();
}

bool is_error_result(const std::string& result) {
  if (result.find("\"isError\"") == std::string::npos) return false;
  auto doc = json::parse(result);
  return doc && is_error_result(*doc);
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
