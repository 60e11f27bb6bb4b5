#pragma once
#include <atomic>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "wasm/module.hpp"

namespace awmg::wasm {

// The system C compiler the native tier uses: $CC, else `cc` on PATH. `id` names the exact compiler binary
// (path, size, modification time) so a cache entry built by another compiler is never loaded.
struct Toolchain {
  std::string cc;
  std::string id;
  static std::optional<Toolchain> find();
};

// A version string for the native code's ABI: it changes whenever the runtime, the glue or wabt's C writer
// could produce different code, so entries from another engine version are never loaded.
const std::string& engine_version();

// wasm2c's C identifier mangling (an identifier keeps [A-Za-z0-9_] except 'Z'; anything else is Z + hex).
std::string mangle_c_name(std::string_view name);

// Emits C for the instrumented module with wabt's C writer, adds the runtime and the glue the host binds to,
// and builds a shared object with the system compiler in a private directory under `work_parent`. Returns the
// shared object's bytes. `cancel` stops a running compiler (gateway shutdown).
Result<std::string> build_native(const Module& module, const Toolchain& toolchain,
                                 const std::string& work_parent, const std::atomic<bool>& cancel);

}  // namespace awmg::wasm
