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

// Names the instrumentation adds; a guard that uses them itself is refused.
inline constexpr std::string_view kInterruptExport = "__awmg_interrupt";
inline constexpr std::string_view kMemoryExport = "__awmg_memory";
inline constexpr std::string_view kStartExport = "__awmg_start";

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

// A parsed, validated and instrumented module: immutable, shared by every instance and both tiers.
// Instrumentation (one pass, feeding both tiers): memory limits capped at kMaxMemoryPages, tables capped, a
// hidden memory exported as kMemoryExport, the start section turned into an export (kStartExport) that the
// host calls after instantiation, under a deadline like any call, and a check of a host-owned interrupt
// global (kInterruptExport) at every function entry and loop header, which executes `unreachable` when the
// host has set it.
class Module {
 public:
  // Errors are the engine's words (wabt's validation text, the memory-limit text); callers add their prefix.
  static Result<std::shared_ptr<const Module>> load(std::string_view bytes);

  const ModuleInfo& info() const { return info_; }
  const std::string& sha256() const { return sha256_; }                // hex digest of the original bytes
  const std::string& instrumented() const { return instrumented_; }    // the binary both tiers run
  const std::string& memory_export() const { return memory_export_; }  // empty: the module has no memory

 private:
  ModuleInfo info_;
  std::string sha256_;
  std::string instrumented_;
  std::string memory_export_;
};

}  // namespace awmg::wasm
