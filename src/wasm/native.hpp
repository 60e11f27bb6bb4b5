#pragma once
#include <memory>
#include <string>

#include "base/result.hpp"
#include "wasm/instance.hpp"
#include "wasm/module.hpp"

namespace awmg::wasm {

// Tier 1: a guard compiled to a shared object (native_compiler.hpp) and loaded with dlopen. Out-of-bounds
// accesses and native stack overflow fault into a process-wide SIGSEGV/SIGBUS handler that turns them into
// traps when, and only when, the faulting thread is inside guard code; any other fault goes to the previous
// handler. Each load gets its own copy of the object and refuses a handle the loader already gave out, and
// the object must name the module it was compiled from: no guard can ever run another guard's code.
class NativeCode : public std::enable_shared_from_this<NativeCode> {
 public:
  static Result<std::shared_ptr<const NativeCode>> load(std::shared_ptr<const Module> module,
                                                        std::string_view object);
  ~NativeCode();
  Result<std::unique_ptr<Instance>> instantiate(const HostFunctions& host) const;

  struct Glue;  // the functions the shared object exports to the host

 private:
  std::shared_ptr<const Module> module_;
  void* handle_ = nullptr;
  int fd_ = -1;
  std::unique_ptr<Glue> glue_;
  friend class NativeInstance;
};

}  // namespace awmg::wasm
