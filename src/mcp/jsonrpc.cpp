#include "mcp/jsonrpc.hpp"

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

}  // namespace awmg::mcp
