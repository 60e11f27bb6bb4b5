#include "wasm/engine.hpp"

#include <unistd.h>

#include "log/logger.hpp"

namespace awmg::wasm {
namespace {

std::string seconds(std::chrono::steady_clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fs", std::chrono::duration<double>(d).count());
  return text;
}

std::string short_sha(const Module& module) {
  return module.sha256().substr(0, 12);
}

}  // namespace

Result<std::unique_ptr<Instance>> Code::instantiate(const HostFunctions& host,
                                                    std::optional<Tier> tier) const {
  std::shared_ptr<const NativeCode> native;
  {
    std::lock_guard lock(mutex_);
    native = native_;
  }
  if (tier == Tier::kNative && !native) return Error{"the native tier is not ready: " + native_detail()};
  if (native && tier != Tier::kInterpreter) return native->instantiate(host);
  return interpreter_->instantiate(host);
}

Status start_instance(Instance& instance) {
  Outcome started = instance.call(kStartExport, {});
  switch (started.kind) {
    case Outcome::Kind::kReturned:
      return ok_status();
    case Outcome::Kind::kTrapped:
      return Error{started.trap};
    case Outcome::Kind::kInterrupted:
      return Error{"wasm error: the start function's deadline passed"};
    default:
      return Error{"wasm error: the start function exited (proc_exit " + std::to_string(started.exit_code) +
                   ")"};
  }
}

NativeState Code::native_state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::string Code::native_detail() const {
  std::lock_guard lock(mutex_);
  return detail_;
}

bool Code::wait_native(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return state_ != NativeState::kCompiling; });
  return state_ == NativeState::kReady;
}

void Code::set_native(std::shared_ptr<const NativeCode> native, std::string detail) {
  {
    std::lock_guard lock(mutex_);
    native_ = std::move(native);
    state_ = NativeState::kReady;
    detail_ = std::move(detail);
  }
  changed_.notify_all();
}

void Code::set_unavailable(std::string detail) {
  {
    std::lock_guard lock(mutex_);
    state_ = NativeState::kUnavailable;
    detail_ = std::move(detail);
  }
  changed_.notify_all();
}

Engine::Engine(EngineOptions options) : options_(std::move(options)), cache_(options_.cache_dir) {
  options_.native = options_.native && kNativeTierBuilt;
  if (!options_.native) return;
  toolchain_ = Toolchain::find();
  if (!toolchain_) {
    log::warn("guard",
              "No C compiler found (set CC or install gcc): WASM guards run on the interpreter tier; "
              "the native tier and its compilation cache are off");
    return;
  }
  compiler_ = std::thread([this] { compile_loop(); });
}

Engine::~Engine() {
  cancel_.store(true);
  queue_changed_.notify_all();
  if (compiler_.joinable()) compiler_.join();
}

Result<std::shared_ptr<Code>> Engine::load(std::string_view bytes) {
  AWMG_TRY(auto module, Module::load(bytes));
  std::lock_guard lock(mutex_);
  if (auto existing = codes_[module->sha256()].lock()) return existing;
  auto code = std::make_shared<Code>();
  code->module_ = module;
  AWMG_TRY(code->interpreter_, InterpreterCode::prepare(module));
  if (!options_.native) {
    code->set_unavailable("native tier disabled");
  } else if (!toolchain_) {
    code->set_unavailable("no C compiler");
  } else if (!cache_.usable()) {
    code->set_unavailable("no directory for compiled code");
  } else {
    code->cache_path_ = cache_.entry_path(module->sha256(), toolchain_->id);
    attach_native(code);
  }
  codes_[module->sha256()] = code;
  return code;
}

// A cache hit makes the native tier ready now; anything else queues a compile while tier 0 serves.
void Engine::attach_native(const std::shared_ptr<Code>& code) {
  std::string why, object;
  switch (cache_.lookup(code->cache_path_, &why, &object)) {
    case CodeCache::Lookup::kHit: {
      auto native = NativeCode::load(code->module_, object);
      if (native) return code->set_native(*native, "cache hit: " + code->cache_path_);
      log::warn("guard", "Discarding unloadable cached native code " + code->cache_path_ + ": " +
                             native.error().message);
      ::unlink(code->cache_path_.c_str());
      break;
    }
    case CodeCache::Lookup::kCorrupt:
      log::warn("guard",
                "Discarding corrupt cached native code " + code->cache_path_ + " (" + why + "); recompiling");
      break;
    case CodeCache::Lookup::kMiss:
      break;
  }
  {
    std::lock_guard lock(code->mutex_);
    code->state_ = NativeState::kCompiling;
    code->detail_ = "compiling in the background";
  }
  queue_.push_back(code);
  queue_changed_.notify_all();
}

void Engine::compile_loop() {
  while (true) {
    std::shared_ptr<Code> code;
    {
      std::unique_lock lock(mutex_);
      queue_changed_.wait(lock, [&] { return cancel_.load() || !queue_.empty(); });
      if (cancel_.load()) break;
      code = std::move(queue_.front());
      queue_.pop_front();
    }
    auto started = std::chrono::steady_clock::now();
    auto built = build_native(*code->module_, *toolchain_, cache_.dir(), cancel_);
    if (!built) {
      if (cancel_.load()) break;
      log::warn("guard", "Native compile of WASM module " + short_sha(*code->module_) +
                             " failed; it stays on the interpreter tier: " + built.error().message);
      code->set_unavailable("compile failed: " + built.error().message);
      continue;
    }
    auto took = seconds(std::chrono::steady_clock::now() - started);
    if (auto stored = cache_.store(code->cache_path_, *built); !stored) {
      log::warn("guard",
                "Cannot store native code; it stays on the interpreter tier: " + stored.error().message);
      code->set_unavailable("cannot store: " + stored.error().message);
      continue;
    }
    std::string why, object;
    if (cache_.lookup(code->cache_path_, &why, &object) != CodeCache::Lookup::kHit) {
      code->set_unavailable("the stored entry did not verify: " + why);
      continue;
    }
    auto native = NativeCode::load(code->module_, object);
    if (!native) {
      code->set_unavailable("cannot load: " + native.error().message);
      continue;
    }
    log::info("guard", "Native code for WASM module " + short_sha(*code->module_) + " compiled in " + took);
    code->set_native(*native, "compiled in " + took + ": " + code->cache_path_);
  }
  std::lock_guard lock(mutex_);
  for (auto& pending : queue_) pending->set_unavailable("compile cancelled");
  queue_.clear();
}

}  // namespace awmg::wasm
