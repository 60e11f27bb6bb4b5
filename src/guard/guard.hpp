#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "difc/labeled_data.hpp"
#include "guard/backend_caller.hpp"
#include "guard/label_parse.hpp"

namespace awmg::guard {

using Clock = std::chrono::steady_clock;

// What labels a server's tool calls: a guard labels, the gateway decides.
class Guard {
 public:
  virtual ~Guard() = default;
  virtual const std::string& name() const = 0;
  virtual bool is_noop() const { return false; }
  // Whether a call may block (a WASM guard calls its backend, or runs until its deadline): such guards run on
  // worker threads, the built-in ones inline.
  virtual bool may_block() const { return false; }
  // Ends a running call at once and fails every later one: shutdown never waits on a guard.
  virtual void stop() {}
  virtual Result<AgentLabels> label_agent(const std::string& policy_json, BackendCaller* backend,
                                          Clock::time_point deadline) = 0;
  // `args_json` is the client's arguments object.
  virtual Result<ResourceLabels> label_resource(const std::string& tool, const std::string& args_json,
                                                BackendCaller* backend, Clock::time_point deadline) = 0;
  virtual Result<std::optional<difc::ResponseLabels>> label_response(const std::string& tool,
                                                                     const std::string& args_json,
                                                                     const std::string& result_json,
                                                                     BackendCaller* backend,
                                                                     Clock::time_point deadline) = 0;
};

// No restrictions of its own: empty labels, strict mode, every call read-write.
std::unique_ptr<Guard> make_noop_guard();

// For output servers: every call writes; the resource's secrecy is the accepted
// scopes, or empty when the sink is public, so agents holding secrets cannot write there.
std::unique_ptr<Guard> make_write_sink_guard(std::vector<std::string> accept, std::string visibility);

// Stands in for a configured guard that could not be loaded: every call fails with `reason` (fail closed).
std::unique_ptr<Guard> make_failed_guard(std::string name, std::string reason);

class WasmGuard;
// The upstream ABI's JSON in and out around a WASM guard.
std::unique_ptr<Guard> make_wasm_guard(std::unique_ptr<WasmGuard> guard);

}  // namespace awmg::guard
