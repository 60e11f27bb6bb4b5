#pragma once
// What the host changes in every guard module before a tier runs it:
// - memory limits capped at kMaxMemoryPages, tables capped, a hidden memory exported as kMemoryExport;
// - the start section turned into an export (kStartExport) that the host calls after instantiation, under a
//   deadline like any call;
// - an interrupt check at every function entry and loop header, in the form the tier runs best.
#include <string>

namespace wabt {
struct Module;
}

namespace awmg::wasm {

enum class InterruptCheck {
  // Reads a mutable global exported as kInterruptExport and executes `unreachable` when it is set. The native
  // tier makes that global a C11 `_Atomic` in its generated C, so the watchdog's store is no data race; a
  // check costs one load and a branch.
  kFlag,
  // Counts down a global private to the guest and, when it reaches zero, calls the host import
  // kHostModule.kPollImport, which traps the call when the host has interrupted it and otherwise answers the
  // next budget (kChecksPerPoll). The interpreter's globals are plain memory the watchdog must not write
  // while the guest reads them, so there the flag stays in the host, read on the guard's own thread.
  kPoll,
};

// Instruments `module` in place; returns the name under which its memory is exported (empty: no memory).
std::string instrument(wabt::Module& module, InterruptCheck check);

}  // namespace awmg::wasm
