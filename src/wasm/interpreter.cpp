#include "wasm/interpreter.hpp"

#include <atomic>

#include "wasm/wabt_interp.hpp"

namespace awmg::wasm {

struct InterpreterCode::Parsed {
  std::shared_ptr<const wabt_interp::Parsed> wabt;
};

namespace {

class InterpreterInstance final : public Instance, public Caller {
 public:
  explicit InterpreterInstance(std::shared_ptr<const Module> module) : module_(std::move(module)) {}

  Status instantiate(const std::shared_ptr<const wabt_interp::Parsed>& parsed,
                     const std::vector<const HostFunction*>& host) {
    for (const HostFunction* fn : host) host_.push_back(*fn);
    std::vector<wabt_interp::Import> imports;
    for (const HostFunction& fn : host_) imports.push_back(bridge(fn));
    imports.push_back(poll());
    std::string error;
    try {
      machine_ = wabt_interp::Machine::instantiate(parsed, std::move(imports), &error);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!machine_) return Error{"wasm error: " + error};
    return ok_status();
  }

  Tier tier() const override { return Tier::kInterpreter; }

  Outcome call(std::string_view function, std::span<const uint64_t> args) override {
    Outcome outcome;
    std::string trap;
    exit_code_.reset();
    host_error_.clear();
    std::vector<uint64_t> results;
    if (interrupted_.load()) return Outcome{Outcome::Kind::kInterrupted, {}, "", 0};
    try {
      if (machine_->call(std::string(function), args.data(), args.size(), &results, &trap)) {
        if (!results.empty()) outcome.result = results[0];
        return outcome;
      }
    } catch (const std::exception& e) {  // e.g. bad_alloc growing a table: the guard's failure, not ours
      return Outcome{Outcome::Kind::kTrapped, {}, std::string("wasm error: ") + e.what(), 0};
    }
    if (exit_code_) return Outcome{Outcome::Kind::kExited, {}, "", *exit_code_};
    if (interrupted_.load()) return Outcome{Outcome::Kind::kInterrupted, {}, "", 0};
    if (!host_error_.empty()) trap = "host function failed: " + host_error_;
    return Outcome{Outcome::Kind::kTrapped, {}, "wasm error: " + trap, 0};
  }

  LinearMemory memory() override {
    LinearMemory view;
    if (!module_->memory_export().empty()) machine_->memory(module_->memory_export(), &view.data, &view.size);
    return view;
  }

  std::optional<uint32_t> grow_memory(uint32_t pages) override {
    uint32_t old_pages = 0;
    if (module_->memory_export().empty() ||
        !machine_->grow_memory(module_->memory_export(), pages, &old_pages))
      return std::nullopt;
    return old_pages;
  }

  void interrupt() override { interrupted_.store(true); }
  void clear_interrupt() override { interrupted_.store(false); }

 private:
  // The instrumentation's poll: the guard's own thread reads the flag the watchdog sets.
  wabt_interp::Import poll() {
    wabt_interp::Import entry;
    entry.has_result = true;
    entry.call = [this](const uint64_t*, uint64_t* result, std::string* trap) {
      if (interrupted_.load()) {
        *trap = "interrupted";
        return false;
      }
      *result = kPollBudget;
      return true;
    };
    return entry;
  }

  wabt_interp::Import bridge(const HostFunction& fn) {
    wabt_interp::Import entry;
    for (ValType t : fn.signature.params) entry.param_is_i64.push_back(t == ValType::kI64);
    entry.has_result = !fn.signature.results.empty();
    entry.result_is_i64 = entry.has_result && fn.signature.results[0] == ValType::kI64;
    entry.call = [this, &fn](const uint64_t* args, uint64_t* result, std::string* trap) {
      return call_host(fn, args, result, trap);
    };
    return entry;
  }

  bool call_host(const HostFunction& fn, const uint64_t* args, uint64_t* result, std::string* trap) {
    if (interrupted_.load()) {  // a host function may do milliseconds of work: none past the deadline
      *trap = "interrupted";
      return false;
    }
    try {
      HostReturn ret = fn.call(*this, args);
      if (ret.exit_code) {
        exit_code_ = ret.exit_code;
        *trap = "proc_exit";
        return false;
      }
      *result = ret.value;
      return true;
    } catch (const std::exception& e) {
      host_error_ = e.what();
    } catch (...) {
      host_error_ = "unknown exception";
    }
    *trap = "host function failed";
    return false;
  }

  std::shared_ptr<const Module> module_;
  std::vector<HostFunction> host_;  // bridges point into it: filled once, never resized
  std::unique_ptr<wabt_interp::Machine> machine_;
  std::atomic<bool> interrupted_{false};
  std::optional<uint32_t> exit_code_;
  std::string host_error_;
};

}  // namespace

Result<std::shared_ptr<const InterpreterCode>> InterpreterCode::prepare(
    std::shared_ptr<const Module> module) {
  std::string error;
  auto parsed = wabt_interp::parse(module->instrumented(), &error);
  if (!parsed) return Error{error};
  auto code = std::make_shared<InterpreterCode>();
  code->module_ = std::move(module);
  code->parsed_ = std::make_shared<Parsed>(Parsed{std::move(parsed)});
  return std::shared_ptr<const InterpreterCode>(std::move(code));
}

Result<std::unique_ptr<Instance>> InterpreterCode::instantiate(const HostFunctions& host) const {
  AWMG_TRY(auto imports, resolve_imports(module_->info(), host));
  auto instance = std::make_unique<InterpreterInstance>(module_);
  AWMG_CHECK(instance->instantiate(parsed_->wabt, imports));
  return std::unique_ptr<Instance>(std::move(instance));
}

}  // namespace awmg::wasm
