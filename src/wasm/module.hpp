#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "wasm/host.hpp"

namespace awmg::wasm {

// The host's memory ceiling per guard (upstream: wazero's 512-page limit, 32 MiB).
inline constexpr uint32_t kMaxMemoryPages = 512;
inline constexpr uint64_t kPageSize = 65536;

// Table sizes the host accepts: an interpreter table is a vector, so a huge one would exhaust memory.
inline constexpr uint64_t kMaxTableElements = 1u << 20;

// Names the instrumentation (instrument.hpp) adds; a guard that uses them itself is refused.
inline constexpr std::string_view kInterruptExport = "__awmg_interrupt";
inline constexpr std::string_view kMemoryExport = "__awmg_memory";
inline constexpr std::string_view kStartExport = "__awmg_start";
// The interpreter's interrupt poll, `(import "__awmg" "poll" (func (result i32)))`, after the guard's
// imports.
inline constexpr std::string_view kHostModule = "__awmg";
inline constexpr std::string_view kPollImport = "poll";
// The budget the host answers a poll with, in units of about 64 instructions or 64 KiB of bulk work.
inline constexpr uint32_t kPollBudget = 1024;

enum class ExternKind : uint8_t { kFunc, kTable, kMemory, kGlobal, kTag };
const char* extern_kind_name(ExternKind kind);

struct ImportInfo {
  std::string module;
  std::string name;
  ExternKind kind;
  Signature signature;  // functions only
};

struct ExportInfo {
  std::string name;
  ExternKind kind;
  Signature signature;  // functions only
};

// What a module declares, as its author wrote it (before instrumentation).
struct ModuleInfo {
  std::vector<ImportInfo> imports;
  std::vector<ExportInfo> exports;
  bool has_memory = false;
  uint64_t memory_min_pages = 0;
  std::optional<uint64_t> memory_max_pages;  // as declared
  bool has_start = false;

  const ExportInfo* find_export(std::string_view name) const;
  const ExportInfo* find_function(std::string_view name) const;
};

// A parsed, validated module, instrumented for the interpreter (instrument.hpp): immutable, shared by every
// instance and both tiers.
class Module {
 public:
  // Errors are the engine's words (wabt's validation text, the memory-limit text); callers add their prefix.
  static Result<std::shared_ptr<const Module>> load(std::string_view bytes);

  const ModuleInfo& info() const { return info_; }
  const std::string& bytes() const {
    return bytes_;
  }                                                      // as the author wrote it: the native compiler
                                                         // instruments it for its own check (kFlag)
  const std::string& sha256() const { return sha256_; }  // hex digest of bytes()
  const std::string& instrumented() const { return instrumented_; }    // the binary the interpreter runs
  const std::string& memory_export() const { return memory_export_; }  // empty: the module has no memory

 private:
  ModuleInfo info_;
  std::string bytes_;
  std::string sha256_;
  std::string instrumented_;
  std::string memory_export_;
};

}  // namespace awmg::wasm
