#pragma once
#include <memory>

#include "base/result.hpp"
#include "wasm/instance.hpp"
#include "wasm/module.hpp"

namespace awmg::wasm {

// Tier 0: wabt's interpreter. Ready in milliseconds, so a guard serves calls as soon as it loads.
class InterpreterCode {
 public:
  static Result<std::shared_ptr<const InterpreterCode>> prepare(std::shared_ptr<const Module> module);
  // Instantiates and runs the module's start section (never `_start`/`_initialize`).
  Result<std::unique_ptr<Instance>> instantiate(const HostFunctions& host) const;

  struct Parsed;  // wabt's module description, parsed once and copied per instance

 private:
  std::shared_ptr<const Module> module_;
  std::shared_ptr<const Parsed> parsed_;
};

}  // namespace awmg::wasm
