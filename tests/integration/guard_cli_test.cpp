// `awmg guard ...`: the operator and guard-author tools, run as the real binary.
#include <gtest/gtest.h>

#include "integration/awmg_process.hpp"
#include "wasm/engine.hpp"

namespace awmg::test {
namespace {

std::string guard(const std::string& name) {
  return std::string(AWMG_GUARD_DIR) + "/" + name + ".wasm";
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(GuardCli, InspectShowsTheAbiAndTheCachedTier) {
  TempDir dir;
  auto options = awmg_env(dir, {{"MCP_GATEWAY_WASM_CACHE_DIR", dir.file("cache")}});
  auto r = run_awmg({"guard", "inspect", guard("demo_guard")}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* line :
       {"imports (5):", "  func env.call_backend [i32,i32,i32,i32,i32,i32]->[i32]",
        "  func label_resource [i32,i32,i32,i32]->[i32]", "abi: ok (alloc/dealloc buffers)",
        "memory: min 2 pages, max 512 pages (host limit; none declared)",
        "native: not cached (interpreter until compiled)"})
    EXPECT_TRUE(has(r.out, line)) << line << "\n" << r.out;

  r = run_awmg({"guard", "inspect", guard("static_guard")}, options);
  EXPECT_TRUE(has(r.out, "abi: ok (direct memory fallback: no alloc/dealloc exports)")) << r.out;

  r = run_awmg({"guard", "inspect", guard("wrong_signature")}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.out, "abi: invalid: WASM module function label_resource must have signature")) << r.out;

  r = run_awmg({"guard", "inspect", dir.file("missing.wasm")}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "Error: failed to read WASM file: ")) << r.err;
}

TEST(GuardCli, CompileFillsTheCacheTheGatewayUsesAndCacheCommandsManageIt) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  TempDir dir;
  auto options = awmg_env(dir, {{"MCP_GATEWAY_WASM_CACHE_DIR", dir.file("cache")}});
  auto r = run_awmg({"guard", "compile", guard("loop"), guard("oob")}, options, std::chrono::seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, guard("loop") + ": compiled in ")) << r.out;

  r = run_awmg({"guard", "inspect", guard("loop")}, options);
  EXPECT_TRUE(has(r.out, "native: cached at " + dir.file("cache") + "/")) << r.out;

  r = run_awmg({"guard", "compile", guard("loop")}, options);  // already there: a cache hit, no compiler
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, ": cache hit: ")) << r.out;

  r = run_awmg({"guard", "cache", "ls"}, options);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;  // header + two entries
  EXPECT_TRUE(has(r.out, "\tcurrent\n")) << r.out;

  r = run_awmg({"guard", "cache", "clean"}, options);  // nothing stale
  EXPECT_EQ(r.out, "removed 0 entries from " + dir.file("cache") + "\n");
  r = run_awmg({"guard", "cache", "clean", "--all"}, options);
  EXPECT_EQ(r.out, "removed 2 entries from " + dir.file("cache") + "\n");
}

TEST(GuardCli, CacheDirFlagWinsAndAnUnusableDirectoryIsAWarningNotACrash) {
  TempDir dir;
  dir.write("a-file", "x");
  auto options = awmg_env(dir, {{"MCP_GATEWAY_WASM_CACHE_DIR", dir.file("a-file")}});
  auto r = run_awmg({"guard", "call", guard("demo_guard"), "label_response", "{}"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "Falling back to in-memory WASM compilation cache after \"" + dir.file("a-file") +
                             "\" failed: "))
      << r.err;
  EXPECT_EQ(r.out, "{}\n");

  r = run_awmg({"guard", "cache", "ls", "--wasm-cache-dir", dir.file("flagged")}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "cache: " + dir.file("flagged") + " (engine v1-")) << r.out;
}

TEST(GuardCli, CallRunsOneLabelFunctionAndReportsTierAndTiming) {
  TempDir dir;
  auto options = awmg_env(dir);
  auto r =
      run_awmg({"guard", "call", guard("demo_guard"), "label_resource",
                R"({"tool_name":"list_issues","tool_args":{"repo":"private-r"}})", "--tier", "interpreter"},
               options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"j({"resource":{"description":"list_issues (policy: none)","secrecy":["private:private-r"],)j"
            R"j("integrity":[]},"operation":"read"})j"
            "\n");
  EXPECT_TRUE(has(r.err, "tier=interpreter load=")) << r.err;

  r = run_awmg({"guard", "call", guard("demo_guard"), "label_resource", R"({"tool_name":"log_levels"})"},
               options);
  EXPECT_TRUE(has(r.err, "demo guard: writes to stderr\n")) << r.err;  // the guard's stderr, on ours
  EXPECT_TRUE(has(r.err, "[WARN] [guard] [" + guard("demo_guard") + "] warn from demo guard")) << r.err;

  r = run_awmg({"guard", "call", guard("demo_guard"), "label_resource", R"({"tool_name":"backend_probe"})",
                "--backend-result", R"({"content":[]})"},
               options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "call_backend get_repository {\"repo\":\"probe\"}")) << r.err;
  EXPECT_TRUE(has(r.out, "backend=14")) << r.out;  // the length of the result it received
}

TEST(GuardCli, HostileGuardsFailClosedWithClearErrors) {
  TempDir dir;
  auto options = awmg_env(dir);
  auto r = run_awmg(
      {"guard", "call", guard("loop"), "label_resource", "{}", "--timeout", "200ms", "--tier", "interpreter"},
      options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      has(r.err, "Error: wasm error: the call deadline passed while the guard was running label_resource"))
      << r.err;
  r = run_awmg({"guard", "call", guard("unresolved_import"), "label_resource", "{}"}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "Error: failed to instantiate WASM module: import func[env.abort]")) << r.err;
  r = run_awmg({"guard", "call", guard("demo_guard"), "label_resource", "{}", "--tier", "fast"}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "--tier must be interpreter or native, not \"fast\"")) << r.err;
}

TEST(GuardCli, UsageAndUnknownCommands) {
  TempDir dir;
  auto r = run_awmg({"guard"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.out, "awmg guard compile FILE.wasm...")) << r.out;
  r = run_awmg({"guard", "inspect", "x.wasm", "--tier", "native"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: --tier is not used by \"awmg guard inspect\"\n");
  r = run_awmg({"guard", "compile", "x.wasm", "--all"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: --all is not used by \"awmg guard compile\"\n");
  r = run_awmg({"guard", "frobnicate"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: unknown guard command \"frobnicate\" (compile, inspect, call, cache)\n");
  r = run_awmg({"guard", "--help"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "--wasm-cache-dir string")) << r.out;
}

}  // namespace
}  // namespace awmg::test
