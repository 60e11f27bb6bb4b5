#pragma once
// What the host changes in every guard module before a tier runs it:
// - memory limits capped at kMaxMemoryPages, tables capped, a hidden memory exported as kMemoryExport;
// - the start section turned into an export (kStartExport) that the host calls after instantiation, under a
//   deadline like any call;
// - an interrupt check at every function entry and loop header, and before every bulk memory or table
//   operation, in the form the tier runs best.
#include <string>
#include <string_view>

namespace wabt {
struct Module;
}

namespace awmg::wasm {

enum class InterruptCheck {
  // Reads a mutable global exported as kInterruptExport and executes `unreachable` when it is set. The native
  // tier makes that global a C11 `_Atomic` in its generated C, so the watchdog's store is no data race; a
  // check costs one load and a branch, and a call overruns its deadline by one bulk operation at most.
  kFlag,
  // Counts down a global private to the guest, a unit per check (per 64 instructions it guards) and per
  // 64 KiB a bulk operation may touch. When the budget runs out the guest calls the host import
  // kHostModule.kPollImport, which traps the call when the host has interrupted it and otherwise answers a
  // new budget (kPollBudget). The interpreter's globals are plain memory the watchdog must not write while
  // the guest reads them, so there the flag stays in the host, read on the guard's own thread.
  kPoll,
};

// Changes with whatever instrument() emits, and is part of the engine version that names the code cache:
// native code instrumented another way is never loaded. 2: bulk operations checked, work-weighted budgets.
inline constexpr std::string_view kInstrumentationVersion = "instrumentation-2";

// Instruments `module` in place; returns the name under which its memory is exported (empty: no memory).
std::string instrument(wabt::Module& module, InterruptCheck check);

}  // namespace awmg::wasm
