#include "log/rpc_log.hpp"

#include <chrono>

#include "json/json.hpp"
#include "log/logger.hpp"
#include "log/sanitizer.hpp"

namespace awmg::log {
namespace {

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json::quote(items[i]);
  return out + "]";
}

}  // namespace

std::string sanitize_json_payload(std::string_view payload) {
  std::string clean = sanitize(payload);
  // One line of the file: valid JSON without line breaks is written as it is; anything else is parsed and
  // written again.
  if (clean.find_first_of("\r\n") == std::string::npos && json::valid(clean)) return clean;
  auto doc = json::parse(clean);
  if (!doc) return "{\"_error\":\"invalid JSON\",\"_raw\":" + json::quote(clean) + "}";
  return json::to_string(*doc);
}

std::string format_rpc_record(const RpcRecord& r, std::string_view timestamp) {
  std::string line = "{\"timestamp\":" + json::quote(timestamp) + ",\"event\":";
  line += r.direction == "OUT" ? "\"rpc_request\"" : "\"rpc_response\"";
  line += ",\"_schema\":\"rpc-message/v2\",\"direction\":" + json::quote(r.direction);
  line += ",\"server_id\":" + json::quote(r.server_id);
  if (!r.method.empty()) line += ",\"method\":" + json::quote(r.method);
  if (!r.error.empty()) line += ",\"error\":" + json::quote(sanitize(r.error));
  if (r.tags) {
    line += ",\"agent_secrecy\":" + string_array(r.tags->secrecy);
    line += ",\"agent_integrity\":" + string_array(r.tags->integrity);
  }
  line += ",\"payload\":" + sanitize_json_payload(r.payload) + "}";
  return line;
}

void write_rpc_record(const RpcRecord& record) {
  auto now = std::chrono::system_clock::now();
  Logger::instance().jsonl_deferred([record, now] { return format_rpc_record(record, timestamp(now)); },
                                    record.payload.size() + 256);
}

}  // namespace awmg::log
