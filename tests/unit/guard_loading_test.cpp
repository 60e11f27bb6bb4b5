// Loading a guard module and checking its exports: upstream's error texts, whatever the tier.
#include <gtest/gtest.h>

#include "guard/wasm_guard.hpp"
#include "unit/guard_support.hpp"

namespace awmg::guard {
namespace {

using fixtures::guard_bytes;
using fixtures::LogCapture;

class GuardLoading : public ::testing::Test {
 protected:
  Result<std::unique_ptr<WasmGuard>> create(const std::string& bytes) {
    return WasmGuard::create("g", bytes, engine_);
  }
  std::string error_of(const std::string& bytes) {
    auto guard = create(bytes);
    return guard ? "" : guard.error().message;
  }
  wasm::Engine engine_{{"", false}};
};

TEST_F(GuardLoading, RefusesBrokenModulesWithUpstreamsTexts) {
  EXPECT_EQ(error_of(""), "failed to instantiate WASM module: empty module bytes");
  EXPECT_EQ(error_of("not wasm").rfind("failed to instantiate WASM module: ", 0), 0u);
  EXPECT_EQ(error_of(std::string("\0asm\x01\0\0\0", 8)),
            "WASM module must export label_resource and label_response functions");
  EXPECT_EQ(error_of(guard_bytes("go_std"))
                .rfind("WASM module does not export guard functions. This usually means "
                       "the guard was compiled with standard Go instead of TinyGo.",
                       0),
            0u);
  EXPECT_EQ(error_of(guard_bytes("missing_agent")), "WASM module must export label_agent");
  EXPECT_EQ(error_of(guard_bytes("wrong_signature")),
            "WASM module function label_resource must have signature (i32,i32,i32,i32)->i32, got "
            "[i32,i32,i32,i32]->[]");
  EXPECT_EQ(
      error_of(guard_bytes("unresolved_import")),
      "failed to instantiate WASM module: import func[env.abort]: not exported by the host module \"env\"");
  EXPECT_EQ(error_of(guard_bytes("start_trap"))
                .rfind("failed to instantiate WASM module: wasm error: unreachable", 0),
            0u);
  EXPECT_EQ(error_of(guard_bytes("decoy_interrupt")),
            "failed to instantiate WASM module: export name \"__awmg-interrupt\" is reserved by the host");
  EXPECT_EQ(error_of(guard_bytes("decoy_start")),
            "failed to instantiate WASM module: export name \"__awmg-start\" is reserved by the host");
  EXPECT_EQ(error_of(guard_bytes("decoy_poll")),
            "failed to instantiate WASM module: import module \"__awmg\" is reserved by the host");
  EXPECT_EQ(error_of(guard_bytes("huge_table")),
            "failed to instantiate WASM module: table of 2000000 elements is over the host limit of 1048576");
  EXPECT_EQ(error_of(guard_bytes("wrong_alloc")),
            "WASM module function alloc must have signature [i32]->[i32], got [i32,i32]->[i32]");
  EXPECT_EQ(error_of(guard_bytes("memory_too_big")),
            "failed to instantiate WASM module: memory max of 1024 pages is over the host limit of 512 pages "
            "(32 MiB)");
}

TEST_F(GuardLoading, CreationIsLogged) {
  LogCapture logs;
  ASSERT_TRUE(create(guard_bytes("demo_guard")));
  EXPECT_EQ(logs.count("[INFO] [guard] WASM guard created successfully: name=g"), 1u);
}

}  // namespace
}  // namespace awmg::guard
