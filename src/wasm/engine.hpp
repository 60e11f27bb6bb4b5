#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/result.hpp"
#include "wasm/code_cache.hpp"
#include "wasm/instance.hpp"
#include "wasm/interpreter.hpp"
#include "wasm/module.hpp"
#include "wasm/native.hpp"
#include "wasm/native_compiler.hpp"
#include "wasm/watchdog.hpp"

namespace awmg::wasm {

// Where a module's native tier stands.
enum class NativeState { kCompiling, kReady, kUnavailable };

// The code of one module on both tiers. Tier 0 is ready at once; tier 1 comes from the cache at load or from
// a background compile, and instantiate() uses it as soon as it is ready.
class Code {
 public:
  const std::shared_ptr<const Module>& module() const { return module_; }
  // Instantiates on the best ready tier (or `tier`). The module's start function does not run: the caller
  // runs start_instance() once it can interrupt the instance (under its own watch), so no guest code ever
  // runs out of its reach.
  Result<std::unique_ptr<Instance>> instantiate(const HostFunctions& host,
                                                std::optional<Tier> tier = {}) const;
  NativeState native_state() const;
  std::string native_detail() const;  // where the native code came from, or why there is none
  // Waits for the native compile to finish (tests, `awmg guard compile`); true when native code is ready.
  bool wait_native(std::chrono::milliseconds timeout) const;

 private:
  friend class Engine;
  void set_native(std::shared_ptr<const NativeCode> native, std::string detail);
  void set_unavailable(std::string detail);

  std::shared_ptr<const Module> module_;
  std::shared_ptr<const InterpreterCode> interpreter_;
  std::string cache_path_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::shared_ptr<const NativeCode> native_;
  NativeState state_ = NativeState::kUnavailable;
  std::string detail_;
};

// Runs a module's start function on a fresh instance (when ModuleInfo::has_start); its failure in words.
Status start_instance(Instance& instance);

// ThreadSanitizer cannot run the native tier's trap handling (a SIGSEGV handler on an alternate stack that
// leaves by siglongjmp: the process dies), so a Tsan build runs guards on the interpreter tier only.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kNativeTierBuilt = false;
#else
inline constexpr bool kNativeTierBuilt = true;
#endif

struct EngineOptions {
  std::string cache_dir;  // prepared directory; "" = in-memory cache
  bool native = true;     // false: interpreter only (no compiler runs)
};

// The guard runtime of one process: the compiled-code cache, the background compiler and the watchdog.
// Destroying it cancels compiles and closes the cache (an in-memory cache's directory is removed); it must
// outlive every Code and Instance it made.
class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads a module: identical bytes share one Code. Errors are the engine's words; the caller adds context.
  Result<std::shared_ptr<Code>> load(std::string_view bytes);

  CodeCache& cache() { return cache_; }
  Watchdog& watchdog() { return watchdog_; }
  const std::optional<Toolchain>& toolchain() const { return toolchain_; }

 private:
  void attach_native(const std::shared_ptr<Code>& code);
  void compile_loop();

  EngineOptions options_;
  CodeCache cache_;
  Watchdog watchdog_;
  std::optional<Toolchain> toolchain_;
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<Code>> codes_;
  std::condition_variable queue_changed_;
  std::deque<std::shared_ptr<Code>> queue_;
  std::atomic<bool> cancel_{false};
  std::thread compiler_;
};

}  // namespace awmg::wasm
