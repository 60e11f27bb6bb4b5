#include "guard/wasm_guard.hpp"

#include "json/json.hpp"
#include "log/debug.hpp"
#include "log/logger.hpp"

namespace awmg::guard {

using wasm::Outcome;

struct WasmGuard::Invocation {
  BackendCaller* backend = nullptr;
  Clock::time_point deadline;
  int backend_calls = 0;
};

namespace {

const wasm::Signature kLabelSignature{
    {wasm::ValType::kI32, wasm::ValType::kI32, wasm::ValType::kI32, wasm::ValType::kI32},
    {wasm::ValType::kI32}};

const char* log_level_name(uint64_t level) {
  switch (level) {
    case 0:
      return "DEBUG";
    case 1:
      return "INFO";
    case 2:
      return "WARN";
    case 3:
      return "ERROR";
    default:
      return "LOG";
  }
}

Status validate_exports(const wasm::ModuleInfo& info) {
  bool has_resource = info.find_function("label_resource");
  bool has_response = info.find_function("label_response");
  if (!has_resource || !has_response) {
    if (info.find_function("_start") && !has_resource)
      return Error{
          "WASM module does not export guard functions. This usually means the guard was compiled with "
          "standard "
          "Go instead of TinyGo. Build it with a toolchain that exports label_agent, label_resource and "
          "label_response (TinyGo, Rust, C)"};
    return Error{"WASM module must export label_resource and label_response functions"};
  }
  if (!info.find_function("label_agent")) return Error{"WASM module must export label_agent"};
  for (const char* name : {"label_resource", "label_response", "label_agent"}) {
    const auto& sig = info.find_function(name)->signature;
    if (sig != kLabelSignature)
      return Error{std::string("WASM module function ") + name +
                   " must have signature (i32,i32,i32,i32)->i32, got " + sig.to_string()};
  }
  // Upstream finds a mismatched allocator at call time; here it is refused at load, with its signature named.
  const auto i32 = wasm::ValType::kI32;
  for (auto [name, want] : {std::pair{"alloc", wasm::Signature{{i32}, {i32}}},
                            std::pair{"dealloc", wasm::Signature{{i32, i32}, {}}}}) {
    const wasm::ExportInfo* fn = info.find_function(name);
    if (fn && fn->signature != want)
      return Error{std::string("WASM module function ") + name + " must have signature " + want.to_string() +
                   ", got " + fn->signature.to_string()};
  }
  return ok_status();
}

uint32_t pages_for(uint64_t bytes) {
  return static_cast<uint32_t>((bytes + wasm::kPageSize - 1) / wasm::kPageSize);
}

}  // namespace

Result<std::unique_ptr<WasmGuard>> WasmGuard::create(std::string name, std::string_view bytes,
                                                     wasm::Engine& engine, WasmGuardOptions options) {
  if (name.empty()) name = "guard";
  auto code = engine.load(bytes);
  if (!code) return Error{"failed to instantiate WASM module: " + code.error().message};
  std::unique_ptr<WasmGuard> guard(new WasmGuard(std::move(name), *code, engine, std::move(options)));
  {
    guard->call_slot_.take_until(Clock::time_point::max());  // (free: nobody else knows the guard yet)
    SlotHeld held{guard->call_slot_};
    WasmGuard* raw = guard.get();
    wasm::Watchdog::Scope watch(engine.watchdog(), Clock::now() + guard->options_.create_timeout,
                                [raw] { raw->expire(); });
    if (auto made = guard->ensure_instance(); !made)
      return Error{"failed to instantiate WASM module: " + made.error().message};
  }
  AWMG_CHECK(validate_exports(guard->code_->module()->info()));
  log::info("guard", "WASM guard created successfully: name=" + guard->name_);
  return guard;
}

WasmGuard::WasmGuard(std::string name, std::shared_ptr<wasm::Code> code, wasm::Engine& engine,
                     WasmGuardOptions options)
    : name_(std::move(name)), code_(std::move(code)), engine_(engine), options_(std::move(options)) {
  const auto& info = code_->module()->info();
  has_allocator_ = info.find_function("alloc") && info.find_function("dealloc");
}

bool WasmGuard::healthy() const {
  std::lock_guard lock(state_mutex_);
  return unavailable_.empty() && !stopped_;
}

wasm::Tier WasmGuard::tier() const {
  std::lock_guard lock(state_mutex_);
  if (instance_) return instance_->tier();
  return code_->native_state() == wasm::NativeState::kReady && options_.tier != wasm::Tier::kInterpreter
             ? wasm::Tier::kNative
             : wasm::Tier::kInterpreter;
}

Result<std::string> WasmGuard::call(std::string_view function, std::string_view input, BackendCaller* backend,
                                    Clock::time_point deadline) {
  if (!call_slot_.take_until(deadline))
    return Error{"WASM guard '" + name_ + "' was busy with earlier calls until this call's deadline"};
  SlotHeld held{call_slot_};
  {
    std::lock_guard state(state_mutex_);
    if (stopped_) return Error{"WASM guard '" + name_ + "' is stopped: the gateway is shutting down"};
    if (!unavailable_.empty())
      return Error{"WASM guard '" + name_ + "' is unavailable after a previous trap: " + unavailable_};
    expired_ = false;
    if (instance_)
      instance_->clear_interrupt();  // a watch that fired after the previous call's last guest call
  }
  if (Clock::now() >= deadline)  // waited past it for the calls before: not worth an instance
    return Error{"wasm error: the call deadline passed before the guard could run " + std::string(function)};
  if (input.size() > kMaxInputBytes)
    return Error{"input too large: " + std::to_string(input.size()) + " bytes (max " +
                 std::to_string(kMaxInputBytes) + ")"};
  const wasm::ExportInfo* exp = code_->module()->info().find_function(function);
  if (!exp) return Error{"WASM module does not export function " + std::string(function)};
  if (exp->signature != kLabelSignature)
    return Error{"WASM module function " + std::string(function) +
                 " must have signature (i32,i32,i32,i32)->i32, got " + exp->signature.to_string()};
  Invocation invocation{backend, deadline, 0};
  invocation_ = &invocation;
  struct Reset {
    Invocation*& slot;
    ~Reset() { slot = nullptr; }
  } reset{invocation_};
  // One watch for the whole call: instance creation, label_agent replay, every attempt and buffer call.
  wasm::Watchdog::Scope watch(engine_.watchdog(), deadline, [this] { expire(); });
  AWMG_CHECK(ensure_instance());
  auto output = invoke(function, input);
  if (output && function == "label_agent" &&
      std::find(agent_payloads_.begin(), agent_payloads_.end(), input) == agent_payloads_.end())
    agent_payloads_.emplace_back(input);
  return output;
}

bool WasmGuard::CallSlot::take_until(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (!free_.wait_until(lock, deadline, [this] { return !busy_; })) return false;
  busy_ = true;
  return true;
}

void WasmGuard::CallSlot::give_back() {
  {
    std::lock_guard lock(mutex_);
    busy_ = false;
  }
  free_.notify_one();
}

void WasmGuard::stop() {
  std::lock_guard lock(state_mutex_);
  stopped_ = true;
  if (instance_) instance_->interrupt();
}

// A fresh instance after a trap, or a switch to the native tier once it is ready; either way the policies set
// by label_agent are replayed so guard-global state is as before.
Status WasmGuard::ensure_instance() {
  bool native_ready = code_->native_state() == wasm::NativeState::kReady;
  if (instance_ && instance_->tier() == wasm::Tier::kInterpreter && native_ready && !options_.tier) {
    log::info("guard", "WASM guard '" + name_ + "' switches to the native tier");
    replace_instance(nullptr);
  }
  if (instance_) return ok_status();
  AWMG_TRY(auto fresh, code_->instantiate(host_functions(), options_.tier));
  wasm::Instance* raw = fresh.get();
  replace_instance(
      std::move(fresh));  // from here the call's watch and stop() reach it, start function included
  if (code_->module()->info().has_start) {
    if (auto started = wasm::start_instance(*raw); !started) {
      replace_instance(nullptr);
      return started;
    }
  }
  // A fresh instance without its policies would label under the guard's defaults: it must not serve.
  for (const std::string& payload : agent_payloads_) {
    if (auto replay = invoke("label_agent", payload); !replay) {
      replace_instance(nullptr);
      return Error{"WASM guard '" + name_ +
                   "' could not restore its policy on a fresh instance: " + replay.error().message};
    }
  }
  return ok_status();
}

Result<std::string> WasmGuard::invoke(std::string_view function, std::string_view input) {
  uint32_t out_cap = kInitialOutputBytes;
  for (int attempt_no = 1; attempt_no <= kMaxAttempts; ++attempt_no) {
    int32_t status = 0;
    AWMG_TRY(std::string output, attempt(function, input, out_cap, &status));
    if (status >= 0) return output;
    if (status != -2) return Error{"WASM function returned error code: " + std::to_string(status)};
    uint32_t hint = output.size() == 4
                        ? uint32_t(uint8_t(output[0])) | uint32_t(uint8_t(output[1])) << 8 |
                              uint32_t(uint8_t(output[2])) << 16 | uint32_t(uint8_t(output[3])) << 24
                        : 0;
    if (attempt_no == kMaxAttempts) break;
    uint64_t next = hint > 0 ? hint : uint64_t(out_cap) * 2;
    if (next > kMaxOutputBytes)
      return Error{"guard requires buffer of " + std::to_string(next) + " bytes which exceeds maximum of " +
                   std::to_string(kMaxOutputBytes) + " bytes"};
    log::Debug("guard:wasm")
        .print("[guard:" + name_ + "] " + std::string(function) + " needs " + std::to_string(next) +
               " output bytes; retrying");
    out_cap = static_cast<uint32_t>(next);
  }
  return Error{"failed after " + std::to_string(kMaxAttempts) + " attempts, buffer size " +
               std::to_string(out_cap) + " still insufficient"};
}

// One attempt of the buffer protocol. On status -2 the returned bytes are the 4-byte size hint (or empty).
Result<std::string> WasmGuard::attempt(std::string_view function, std::string_view input, uint32_t out_cap,
                                       int32_t* status) {
  if (code_->module()->memory_export().empty()) return Error{"WASM module has no memory"};
  auto in_len = static_cast<uint32_t>(input.size());
  uint64_t in_ptr = 0, out_ptr = 0;
  if (has_allocator_) {
    for (auto [size, ptr, what] :
         {std::tuple{in_len, &in_ptr, "input"}, std::tuple{out_cap, &out_ptr, "output"}}) {
      const uint64_t arg = size;
      auto allocated = guest_call("alloc", std::span(&arg, 1), ptr);
      if (!allocated)
        return Error{std::string("failed to allocate WASM ") + what +
                     " buffer: " + allocated.error().message};
      *ptr &= 0xffffffffu;
      if (*ptr == 0) return Error{"alloc returned null pointer"};
    }
  } else {
    if (!warned_direct_memory_) {
      warned_direct_memory_ = true;
      log::warn("guard",
                "WASM guard '" + name_ + "' is using the direct memory fallback for " +
                    std::string(function.empty() ? "<unknown>" : function) +
                    " without alloc/dealloc exports; export alloc/dealloc to avoid linear-memory overlap "
                    "risks");
    }
    uint64_t required = uint64_t(in_len) + out_cap + wasm::kPageSize;
    uint64_t size = instance_->memory().size;
    if (size < required && !instance_->grow_memory(pages_for(required - size)))
      return Error{"failed to grow WASM memory from " + std::to_string(size) + " to " +
                   std::to_string(required) + " bytes"};
    uint64_t top = instance_->memory().size;
    out_ptr = top - out_cap;
    in_ptr = out_ptr - in_len;
  }
  auto memory = instance_->memory();
  if (!memory.write(in_ptr, input)) return Error{"failed to write input to WASM memory"};
  memory.store_u32(out_ptr, 0);  // a -2 without a hint must not read stale bytes as one (Q8)
  invocation_->backend_calls = 0;
  const uint64_t args[4] = {in_ptr, in_len, out_ptr, out_cap};
  uint64_t raw = 0;
  AWMG_CHECK(guest_call(function, args, &raw));
  *status = static_cast<int32_t>(static_cast<uint32_t>(raw));
  std::string output;
  if (*status >= 0) {
    auto n = static_cast<uint32_t>(*status);
    if (n > out_cap)
      return Error{"WASM function returned " + std::to_string(n) + " bytes, more than its " +
                   std::to_string(out_cap) + "-byte output buffer"};
    auto bytes = instance_->memory().read(out_ptr, n);
    if (!bytes) return Error{"failed to read output from WASM memory (len=" + std::to_string(n) + ")"};
    output.assign(*bytes);
  } else if (*status == -2) {
    if (auto bytes = instance_->memory().read(out_ptr, 4)) output.assign(*bytes);
  }
  if (has_allocator_) {
    for (auto [ptr, size] : {std::pair{out_ptr, uint64_t(out_cap)}, std::pair{in_ptr, uint64_t(in_len)}}) {
      if (ptr == 0 || size == 0) continue;
      const uint64_t dealloc_args[2] = {ptr, size};
      uint64_t ignored = 0;
      if (auto freed = guest_call("dealloc", dealloc_args, &ignored); !freed) {
        log::warn("guard", "WASM guard '" + name_ + "' dealloc failed: " + freed.error().message);
        break;
      }
    }
  }
  return output;
}

Result<std::string> WasmGuard::guest_call(std::string_view function, std::span<const uint64_t> args,
                                          uint64_t* result) {
  if (!instance_) return Error{"WASM guard '" + name_ + "' has no instance"};
  // The interrupt flag stops guest code at its next check; one raised before the call started is not lost,
  // but a call that would start after the deadline is not worth entering.
  Outcome outcome =
      expired() ? Outcome{Outcome::Kind::kInterrupted, {}, "", 0} : instance_->call(function, args);
  std::string error;
  switch (outcome.kind) {
    case Outcome::Kind::kReturned:
      if (outcome.result) *result = *outcome.result;
      return std::string();
    case Outcome::Kind::kTrapped:
      error = outcome.trap;
      break;
    case Outcome::Kind::kInterrupted:
      // A missed deadline may be a slow backend, not a broken guard: fresh instance, not counted as a trap.
      replace_instance(nullptr);
      log::error("backend", "WASM guard deadline: guard=" + name_ + ", func=" + std::string(function));
      return Error{"wasm error: the call deadline passed while the guard was running " +
                   std::string(function)};
    case Outcome::Kind::kExited:
      replace_instance(nullptr);
      if (outcome.exit_code == 0)
        return Error{"WASM guard '" + name_ + "' exited (proc_exit 0) during " + std::string(function)};
      error = "wasm error: proc_exit(" + std::to_string(outcome.exit_code) + ")";
      break;
  }
  replace_instance(nullptr);
  record_trap(function, error);
  return Error{error};
}

void WasmGuard::replace_instance(std::unique_ptr<wasm::Instance> instance) {
  std::unique_ptr<wasm::Instance> old;
  std::lock_guard lock(state_mutex_);
  old = std::move(instance_);
  instance_ = std::move(instance);
  if (instance_ && (expired_ || stopped_)) instance_->interrupt();
}

// The watchdog's callback: the deadline stays passed for the rest of the call, whichever instance runs it.
void WasmGuard::expire() {
  std::lock_guard lock(state_mutex_);
  expired_ = true;
  if (instance_) instance_->interrupt();
}

bool WasmGuard::expired() const {
  std::lock_guard lock(state_mutex_);
  return expired_ || stopped_;
}

void WasmGuard::record_trap(std::string_view function, const std::string& error) {
  log::error("backend",
             "WASM guard trap: guard=" + name_ + ", func=" + std::string(function) + ", error=" + error);
  auto now = Clock::now();
  traps_.push_back(now);
  while (!traps_.empty() && now - traps_.front() > kTrapWindow) traps_.pop_front();
  if (static_cast<int>(traps_.size()) >= kTrapLimit) {
    std::lock_guard lock(state_mutex_);
    unavailable_ = error;
    log::error("guard", "WASM guard '" + name_ + "' trapped " + std::to_string(kTrapLimit) +
                            " times within " + std::to_string(kTrapWindow.count()) +
                            "s; it is unavailable and its calls fail closed");
  }
}

wasm::HostFunctions WasmGuard::host_functions() {
  wasm::HostFunctions fns = wasm::wasi_preview1(options_.output);
  auto i32 = wasm::ValType::kI32;
  fns.push_back({"env",
                 "call_backend",
                 {{i32, i32, i32, i32, i32, i32}, {i32}},
                 [this](wasm::Caller& caller, const uint64_t* a) -> wasm::HostReturn {
                   auto fail = wasm::HostReturn{uint32_t(-1), std::nullopt};
                   Invocation* inv = invocation_;
                   if (!inv || ++inv->backend_calls > kMaxBackendCallsPerInvocation) return fail;
                   auto memory = caller.memory();
                   auto tool = memory.read(a[0], a[1]);
                   auto args = memory.read(a[2], a[3]);
                   if (!tool || !args || !inv->backend) return fail;
                   std::string args_json = "null";
                   if (!args->empty()) {
                     if (!json::parse(*args)) return fail;
                     args_json.assign(*args);
                   }
                   auto result = inv->backend->call_tool(std::string(*tool), args_json, inv->deadline);
                   if (!result) return fail;
                   memory = caller.memory();
                   if (result->size() > a[5]) {
                     if (a[5] >= 4) memory.store_u32(a[4], static_cast<uint32_t>(result->size()));
                     return wasm::HostReturn{uint32_t(-2), std::nullopt};
                   }
                   if (!memory.write(a[4], *result)) return fail;
                   return wasm::HostReturn{result->size(), std::nullopt};
                 }});
  fns.push_back({"env",
                 "host_log",
                 {{i32, i32, i32}, {}},
                 [this](wasm::Caller& caller, const uint64_t* a) -> wasm::HostReturn {
                   auto message = caller.memory().read(a[1], a[2]);
                   if (!message) return {};
                   log::Debug("guard:wasm")
                       .print("[guard:" + name_ + "] " + log_level_name(a[0]) + ": " + std::string(*message));
                   if (a[0] == 2) log::warn("guard", "[" + name_ + "] " + std::string(*message));
                   if (a[0] == 3) log::error("guard", "[" + name_ + "] " + std::string(*message));
                   return {};
                 }});
  return fns;
}

}  // namespace awmg::guard
