#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awmg::log {

// The DIFC tag snapshot attached to RPC records of sink servers (--guards-sink-server-ids).
struct AgentTags {
  std::vector<std::string> secrecy;
  std::vector<std::string> integrity;
};

// One `rpc-message/v2` record of rpc-messages.jsonl. `direction` is "OUT" for a
// gateway->backend request (then `method` is set) and "IN" for a backend response.
struct RpcRecord {
  std::string direction;
  std::string server_id;
  std::string method;
  std::string payload;  // raw JSON text; sanitized and compacted when written
  std::string error;
  std::optional<AgentTags> tags;
};

// Builds the JSONL line (compact, sanitized; a payload that is not JSON becomes {"_error","_raw"}).
std::string format_rpc_record(const RpcRecord& record, std::string_view timestamp);

// Sanitizes JSON text and re-compacts it; non-JSON becomes {"_error":"invalid JSON","_raw":"<text>"}.
std::string sanitize_json_payload(std::string_view payload);

// Appends the record to rpc-messages.jsonl of the process logger.
void write_rpc_record(const RpcRecord& record);

}  // namespace awmg::log
