// Configuration as the gateway reads it: the input's first byte picks TOML (--config) or JSON
// (--config-stdin), the rest is the document; ${VAR} references may name the variables set here.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/json_loader.hpp"
#include "config/toml_loader.hpp"

using namespace awmg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool once = [] {
    ::setenv("FUZZ_VAR", "value", 1);
    ::setenv("FUZZ_URL", "https://collector.example", 1);
    ::setenv("FUZZ_EMPTY", "", 1);
    return true;
  }();
  (void)once;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1)
    (void)config::load_json_config(text);
  else
    (void)config::load_toml_config(text, "fuzz.toml");
  return 0;
}
