#include "guard/guard.hpp"

#include "guard/wasm_guard.hpp"
#include "json/json.hpp"

namespace awmg::guard {
namespace {

class NoopGuard final : public Guard {
 public:
  const std::string& name() const override { return name_; }
  bool is_noop() const override { return true; }
  Result<AgentLabels> label_agent(const std::string&, BackendCaller*, Clock::time_point) override {
    return AgentLabels{{}, difc::Mode::kStrict, ""};
  }
  Result<ResourceLabels> label_resource(const std::string&, const std::string&, BackendCaller*,
                                        Clock::time_point) override {
    return ResourceLabels{{"noop resource (no restrictions)", {}}, difc::Operation::kReadWrite};
  }
  Result<std::optional<difc::ResponseLabels>> label_response(const std::string&, const std::string&,
                                                             const std::string&, BackendCaller*,
                                                             Clock::time_point) override {
    return std::optional<difc::ResponseLabels>();
  }

 private:
  std::string name_ = "noop";
};

class WriteSinkGuard final : public Guard {
 public:
  WriteSinkGuard(std::vector<std::string> accept, std::string visibility)
      : accept_(std::move(accept)), public_(visibility == "public") {}
  const std::string& name() const override { return name_; }
  Result<AgentLabels> label_agent(const std::string&, BackendCaller*, Clock::time_point) override {
    return AgentLabels{{}, difc::Mode::kFilter, ""};
  }
  Result<ResourceLabels> label_resource(const std::string& tool, const std::string&, BackendCaller*,
                                        Clock::time_point) override {
    ResourceLabels out;
    out.operation = difc::Operation::kWrite;
    out.resource.description = (public_ ? "write-sink:public (" : "write-sink (") + tool + ")";
    if (!public_) out.resource.labels.secrecy = difc::Label(accept_);
    return out;
  }
  Result<std::optional<difc::ResponseLabels>> label_response(const std::string&, const std::string&,
                                                             const std::string&, BackendCaller*,
                                                             Clock::time_point) override {
    return std::optional<difc::ResponseLabels>();
  }

 private:
  std::string name_ = "write-sink";
  std::vector<std::string> accept_;
  bool public_;
};

class FailedGuard final : public Guard {
 public:
  FailedGuard(std::string name, std::string reason) : name_(std::move(name)), reason_(std::move(reason)) {}
  const std::string& name() const override { return name_; }
  Result<AgentLabels> label_agent(const std::string&, BackendCaller*, Clock::time_point) override {
    return error();
  }
  Result<ResourceLabels> label_resource(const std::string&, const std::string&, BackendCaller*,
                                        Clock::time_point) override {
    return error();
  }
  Result<std::optional<difc::ResponseLabels>> label_response(const std::string&, const std::string&,
                                                             const std::string&, BackendCaller*,
                                                             Clock::time_point) override {
    return error();
  }

 private:
  Error error() const { return Error{"guard '" + name_ + "' is not available: " + reason_}; }
  std::string name_, reason_;
};

class WasmGuardAdapter final : public Guard {
 public:
  explicit WasmGuardAdapter(std::unique_ptr<WasmGuard> guard) : guard_(std::move(guard)) {}
  const std::string& name() const override { return guard_->name(); }
  bool may_block() const override { return true; }
  void stop() override { guard_->stop(); }
  Result<AgentLabels> label_agent(const std::string& policy_json, BackendCaller* backend,
                                  Clock::time_point deadline) override {
    AWMG_TRY(std::string output, guard_->call("label_agent", policy_json, backend, deadline));
    return parse_agent_labels(output);
  }
  Result<ResourceLabels> label_resource(const std::string& tool, const std::string& args_json,
                                        BackendCaller* backend, Clock::time_point deadline) override {
    std::string input =
        R"({"capabilities":{},"tool_args":)" + args_json + R"(,"tool_name":)" + json::quote(tool) + "}";
    AWMG_TRY(std::string output, guard_->call("label_resource", input, backend, deadline));
    return parse_resource_labels(output);
  }
  Result<std::optional<difc::ResponseLabels>> label_response(const std::string& tool,
                                                             const std::string& args_json,
                                                             const std::string& result_json,
                                                             BackendCaller* backend,
                                                             Clock::time_point deadline) override {
    std::string input = R"({"capabilities":{},"tool_args":)" + args_json + R"(,"tool_name":)" +
                        json::quote(tool) + R"(,"tool_result":)" + result_json + "}";
    AWMG_TRY(std::string output, guard_->call("label_response", input, backend, deadline));
    return parse_response_labels(output);
  }

 private:
  std::unique_ptr<WasmGuard> guard_;
};

}  // namespace

std::unique_ptr<Guard> make_noop_guard() {
  return std::make_unique<NoopGuard>();
}

std::unique_ptr<Guard> make_write_sink_guard(std::vector<std::string> accept, std::string visibility) {
  return std::make_unique<WriteSinkGuard>(std::move(accept), std::move(visibility));
}

std::unique_ptr<Guard> make_failed_guard(std::string name, std::string reason) {
  return std::make_unique<FailedGuard>(std::move(name), std::move(reason));
}

std::unique_ptr<Guard> make_wasm_guard(std::unique_ptr<WasmGuard> guard) {
  return std::make_unique<WasmGuardAdapter>(std::move(guard));
}

}  // namespace awmg::guard
