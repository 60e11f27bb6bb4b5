// JSON-RPC messages as clients and backends send them: parsing (bounded depth), classification, the exact id
// and members as written, error results, and a backend's tool result converted for the client.
#include <cstdint>
#include <string>

#include "gateway/tool_call.hpp"
#include "json/json.hpp"
#include "mcp/jsonrpc.hpp"

using namespace awmg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto doc = json::parse(raw);
  if (doc) {
    (void)mcp::classify(*doc);
    (void)mcp::exact_id(*doc, raw);
    (void)mcp::exact_member(*doc, raw, {"params", "_meta"});
    (void)mcp::is_error_result(*doc);
    (void)json::to_string(*doc);
  }
  (void)mcp::is_error_result(std::string(raw));
  (void)gateway::convert_tool_result(std::string(raw));
  return 0;
}
