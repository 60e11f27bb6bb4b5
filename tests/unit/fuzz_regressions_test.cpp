// Every input a fuzzer found to crash the gateway (fuzz/regressions/<target>/), run through what it crashed,
// in the ordinary test suite: each must now be an error, never an abort.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/files.hpp"
#include "wasm/module.hpp"

namespace awmg {
namespace {

std::vector<std::string> regressions(const std::string& target) {
  std::vector<std::string> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(AWMG_SOURCE_DIR) + "/fuzz/regressions/" + target))
    out.push_back(entry.path().string());
  return out;
}

TEST(FuzzRegressions, MalformedGuardModulesAreRefusedNotAborted) {
  auto files = regressions("wasm");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    auto bytes = base::read_file(file);
    ASSERT_TRUE(bytes) << file;
    auto module = wasm::Module::load(*bytes);
    EXPECT_FALSE(module) << file;  // (before: wabt's IR reader asserted and the process aborted)
  }
}

}  // namespace
}  // namespace awmg
