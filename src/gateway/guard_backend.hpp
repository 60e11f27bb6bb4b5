#pragma once
#include <string>

#include "gateway/backends.hpp"
#include "guard/backend_caller.hpp"

namespace awmg::gateway {

// env.call_backend for a guard: a tools/call on the same backend connection the session uses. Called on a
// guard worker thread; the call itself runs on the I/O side and the worker waits for it, bounded by the
// deadline.
class GuardBackend : public guard::BackendCaller {
 public:
  GuardBackend(const Backends& backends, std::string server_id, std::string agent)
      : backends_(backends), server_id_(std::move(server_id)), agent_(std::move(agent)) {}
  Result<std::string> call_tool(const std::string& tool, const std::string& args_json,
                                std::chrono::steady_clock::time_point deadline) override;

 private:
  const Backends& backends_;
  std::string server_id_;
  std::string agent_;
};

}  // namespace awmg::gateway
