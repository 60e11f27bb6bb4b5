#pragma once
#include <chrono>
#include <string>

#include "base/result.hpp"

namespace awmg::guard {

// How a guard reaches the backend it protects (env.call_backend): a synchronous MCP tools/call, bounded by
// the request's deadline. Returns the raw result object as JSON; a JSON-RPC error or transport failure is an
// Error.
class BackendCaller {
 public:
  virtual ~BackendCaller() = default;
  virtual Result<std::string> call_tool(const std::string& tool, const std::string& args_json,
                                        std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace awmg::guard
