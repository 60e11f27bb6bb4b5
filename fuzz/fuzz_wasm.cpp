// Guard modules as the engine takes them: the module checks and instrumentation (wabt's reader and validator,
// the memory limit, the interrupt injection), the interpreter tier's load, and instantiation without imports.
// Seeded with the example guards; the fuzzer mutates them.
#include <cstdint>
#include <string>

#include "wasm/engine.hpp"
#include "wasm/module.hpp"

using namespace awmg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static wasm::Engine engine(wasm::EngineOptions{"", false});
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto module = wasm::Module::load(bytes);
  if (!module) return 0;
  auto code = engine.load(bytes);
  if (!code) return 0;
  auto instance = (*code)->instantiate({}, wasm::Tier::kInterpreter);
  (void)instance;
  return 0;
}
