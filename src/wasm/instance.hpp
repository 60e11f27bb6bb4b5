#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "wasm/host.hpp"
#include "wasm/module.hpp"

namespace awmg::wasm {

enum class Tier { kInterpreter, kNative };
const char* tier_name(Tier tier);

// How a call into the guest ended.
struct Outcome {
  enum class Kind { kReturned, kTrapped, kInterrupted, kExited };
  Kind kind = Kind::kReturned;
  std::optional<uint64_t>
      result;              // the raw slot (i32 zero-extended); guard functions return one value at most
  std::string trap;        // "wasm error: <why>" for kTrapped
  uint32_t exit_code = 0;  // kExited

  bool returned() const { return kind == Kind::kReturned; }
};

// One instantiated guard module on one tier. Not thread-safe: one call at a time (the guard's mutex), except
// interrupt(), which any thread may call: the running call ends at its next interrupt check (instrument.hpp),
// and a call made while it is set does not run.
class Instance {
 public:
  virtual ~Instance() = default;
  virtual Tier tier() const = 0;
  virtual Outcome call(std::string_view function, std::span<const uint64_t> args) = 0;
  virtual LinearMemory memory() = 0;
  // memory.grow from the host side: the old size in pages, or nullopt when the limit refuses it.
  virtual std::optional<uint32_t> grow_memory(uint32_t pages) = 0;
  virtual void interrupt() = 0;
  virtual void clear_interrupt() = 0;
};

// Resolves every import of `module` against `host`, in import order. The error names the missing or
// mismatched import (upstream words: the module name and field).
Result<std::vector<const HostFunction*>> resolve_imports(const ModuleInfo& module, const HostFunctions& host);

}  // namespace awmg::wasm
