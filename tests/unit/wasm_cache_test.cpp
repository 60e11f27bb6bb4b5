// The persisted compiled-code cache and the engine's tiers around it.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "base/files.hpp"
#include "guard/wasm_guard.hpp"
#include "log/logger.hpp"
#include "support/process.hpp"
#include "support/scoped_env.hpp"
#include "wasm/cache_dir.hpp"
#include "wasm/engine.hpp"

namespace awmg::wasm {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string guard_bytes(const std::string& name) {
  auto bytes = base::read_file(std::string(AWMG_GUARD_DIR) + "/" + name + ".wasm");
  if (!bytes) throw std::runtime_error(bytes.error().message);
  return *bytes;
}

CodeCache::Lookup lookup(const CodeCache& cache, const std::string& path, std::string* why) {
  return cache.lookup(path, why, nullptr);
}

TEST(CodeCache, StoresVerifiesAndRejectsDamagedEntries) {
  test::TempDir dir;
  CodeCache cache(dir.path());
  std::string path = cache.entry_path(std::string(64, 'a'), "cc1");
  EXPECT_EQ(path, dir.path() + "/" + engine_version() + "/" + std::string(24, 'a') + "-cc1.so");
  std::string why;
  EXPECT_EQ(lookup(cache, path, &why), CodeCache::Lookup::kMiss);
  ASSERT_TRUE(cache.store(path, "object bytes"));
  EXPECT_EQ(lookup(cache, path, &why), CodeCache::Lookup::kHit);

  std::string stored = test::read_text(path);
  stored[3] ^= 1;  // one flipped bit
  ASSERT_TRUE(base::write_file_atomic(path, stored));
  EXPECT_EQ(lookup(cache, path, &why), CodeCache::Lookup::kCorrupt);
  EXPECT_EQ(why, "checksum mismatch");
  EXPECT_FALSE(test::file_exists(path));  // removed, so the next start rebuilds it

  ASSERT_TRUE(cache.store(path, "object bytes"));
  std::filesystem::resize_file(path, 20);
  EXPECT_EQ(lookup(cache, path, &why), CodeCache::Lookup::kCorrupt);
  EXPECT_EQ(why, "truncated (20 bytes)");

  ASSERT_TRUE(cache.store(path, "object bytes"));  // an entry others may write is not trusted
  ::chmod(path.c_str(), 0666);
  EXPECT_EQ(lookup(cache, path, &why), CodeCache::Lookup::kCorrupt);
  EXPECT_EQ(why, "not owned by this user alone");
}

TEST(CodeCache, ListsAndCleansEntriesOfOtherEngineVersions) {
  test::TempDir dir;
  CodeCache cache(dir.path());
  ASSERT_TRUE(cache.store(cache.entry_path("new", "cc"), "x"));
  ASSERT_TRUE(base::make_dirs(dir.path() + "/v0-old"));
  dir.write("v0-old/old-cc.so", "y");
  auto entries = cache.list();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].current != entries[1].current);
  EXPECT_EQ(cache.clean(false), 1u);
  ASSERT_EQ(cache.list().size(), 1u);
  EXPECT_TRUE(cache.list()[0].current);
  EXPECT_EQ(cache.clean(true), 1u);
  EXPECT_TRUE(cache.list().empty());
}

TEST(CodeCache, InMemoryCacheLivesInAPrivateDirectoryRemovedAtClose) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  std::string dir;
  {
    Engine engine({"", true});
    dir = engine.cache().dir();
    EXPECT_FALSE(engine.cache().persistent());
    auto code = engine.load(guard_bytes("size_hint"));
    ASSERT_TRUE(code);
    EXPECT_TRUE((*code)->wait_native(60s)) << (*code)->native_detail();
    EXPECT_TRUE(std::filesystem::exists(dir));
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(Engine, SecondStartLoadsNativeCodeFromTheCacheWithoutCompiling) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  test::TempDir dir;
  std::string bytes = guard_bytes("size_hint");
  {
    Engine first({dir.path(), true});
    auto code = first.load(bytes);
    ASSERT_TRUE(code);
    ASSERT_TRUE((*code)->wait_native(60s)) << (*code)->native_detail();
    EXPECT_EQ((*code)->native_detail().rfind("compiled in", 0), 0u);
  }
  Engine second({dir.path(), true});
  auto code = second.load(bytes);
  ASSERT_TRUE(code);
  EXPECT_EQ((*code)->native_state(), NativeState::kReady);  // at load, not after a compile
  EXPECT_EQ((*code)->native_detail().rfind("cache hit: ", 0), 0u);
  auto guard = guard::WasmGuard::create("g", bytes, second);
  ASSERT_TRUE(guard);
  EXPECT_EQ((*guard)->tier(), Tier::kNative);
}

// An entry with a valid checksum holding another module's code (a file swapped in the cache directory) is
// refused at load, because every object names the module it was compiled from, and rebuilt.
TEST(Engine, AnEntryCompiledFromAnotherModuleIsRefusedAndRebuilt) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  test::TempDir dir;
  std::string mine = guard_bytes("size_hint"), other = guard_bytes("loop");
  std::string my_path, other_path;
  {
    Engine first({dir.path(), true});
    auto a = first.load(mine);
    auto b = first.load(other);
    ASSERT_TRUE(a && b && (*a)->wait_native(60s) && (*b)->wait_native(60s));
    my_path = first.cache().entry_path((*a)->module()->sha256(), first.toolchain()->id);
    other_path = first.cache().entry_path((*b)->module()->sha256(), first.toolchain()->id);
  }
  std::filesystem::copy_file(other_path, my_path, std::filesystem::copy_options::overwrite_existing);
  test::TempDir logs;
  std::FILE* sink = std::fopen(logs.file("log").c_str(), "w+");
  log::Logger::instance().set_stderr(sink);
  {
    Engine second({dir.path(), true});
    auto code = second.load(mine);
    ASSERT_TRUE(code);
    EXPECT_NE((*code)->native_detail().rfind("cache hit", 0), 0u) << (*code)->native_detail();
    EXPECT_TRUE((*code)->wait_native(60s)) << (*code)->native_detail();
    auto guard = guard::WasmGuard::create("g", mine, second, {{}, Tier::kNative});
    ASSERT_TRUE(guard) << guard.error().message;
    auto out = (*guard)->call("label_resource", "{}", nullptr, std::chrono::steady_clock::now() + 10s);
    EXPECT_TRUE(out) << "the loop guard's code would never return: " << out.error().message;
  }
  log::Logger::instance().set_stderr(nullptr);
  std::fclose(sink);
  EXPECT_NE(test::read_text(logs.file("log")).find("was compiled from another module"), std::string::npos)
      << test::read_text(logs.file("log"));
}

TEST(Engine, CorruptEntryIsReportedAndRebuilt) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  test::TempDir dir;
  std::string bytes = guard_bytes("size_hint");
  std::string path;
  {
    Engine first({dir.path(), true});
    auto code = first.load(bytes);
    ASSERT_TRUE(code && (*code)->wait_native(60s));
    path = first.cache().entry_path((*code)->module()->sha256(), first.toolchain()->id);
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  test::TempDir logs;
  std::FILE* sink = std::fopen(logs.file("log").c_str(), "w+");
  log::Logger::instance().set_stderr(sink);
  {
    Engine second({dir.path(), true});
    auto code = second.load(bytes);
    ASSERT_TRUE(code);
    EXPECT_TRUE((*code)->wait_native(60s)) << (*code)->native_detail();
  }
  log::Logger::instance().set_stderr(nullptr);
  std::fclose(sink);
  EXPECT_NE(
      test::read_text(logs.file("log")).find("Discarding corrupt cached native code " + path + " (checksum"),
      std::string::npos);
  std::string why;
  EXPECT_EQ(lookup(CodeCache(dir.path()), path, &why), CodeCache::Lookup::kHit) << why;
}

TEST(Engine, TwoEnginesSharingADirectoryBothEndWithAValidEntry) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  test::TempDir dir;
  std::string bytes = guard_bytes("loop");
  auto run = [&](bool* ready) {
    Engine engine({dir.path(), true});
    auto code = engine.load(bytes);
    *ready = code && (*code)->wait_native(60s);
  };
  bool a = false, b = false;
  std::thread one(run, &a), two(run, &b);
  one.join();
  two.join();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  CodeCache cache(dir.path());
  auto entries = cache.list();
  ASSERT_EQ(entries.size(), 1u);  // renamed over each other, never half-written
  std::string why;
  EXPECT_EQ(lookup(cache, entries[0].path, &why), CodeCache::Lookup::kHit) << why;
}

TEST(Engine, NamesThatWouldInjectCodeIntoTheNativeBuildKeepTheGuardOnTheInterpreter) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  test::TempDir dir;
  Engine engine({dir.path(), true});
  auto guard = guard::WasmGuard::create("g", guard_bytes("c_injection"), engine);
  ASSERT_TRUE(guard) << guard.error().message;
  EXPECT_FALSE((*guard)->code().wait_native(60s));
  EXPECT_NE((*guard)->code().native_detail().find("export name unsafe to compile to C: x*/"),
            std::string::npos)
      << (*guard)->code().native_detail();
  EXPECT_TRUE((*guard)->call("label_resource", "{}", nullptr, Clock::now() + 5s));
  EXPECT_TRUE(engine.cache().list().empty());
}

TEST(Engine, ACacheDirectoryOthersCanWriteIsNotUsed) {
  test::TempDir dir;
  ::chmod(dir.path().c_str(), 0777);
  auto prepared = prepare_cache_dir(dir.path());
  EXPECT_EQ(prepared.path, "");
  EXPECT_EQ(prepared.warning, "Falling back to in-memory WASM compilation cache after \"" + dir.path() +
                                  "\" failed: " + dir.path() +
                                  " must be owned by this user and writable by nobody else (mode 777)");
}

TEST(Engine, WithoutACompilerGuardsRunOnTheInterpreter) {
  test::ScopedEnv env;
  env.unset("CC").set("PATH", "/nonexistent");
  test::TempDir dir;
  Engine engine({dir.path(), true});
  EXPECT_FALSE(engine.toolchain());
  auto guard = guard::WasmGuard::create("g", guard_bytes("demo_guard"), engine);
  ASSERT_TRUE(guard);
  EXPECT_EQ((*guard)->code().native_state(), NativeState::kUnavailable);
  EXPECT_EQ((*guard)->tier(), Tier::kInterpreter);
  EXPECT_TRUE((*guard)->call("label_response", "{}", nullptr, Clock::now() + 5s));
}

TEST(Engine, GuardSwitchesToNativeBetweenCallsAndKeepsItsPolicy) {
  if (!wasm::kNativeTierBuilt) GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
  test::TempDir dir;
  Engine engine({dir.path(), true});
  auto guard = guard::WasmGuard::create("g", guard_bytes("demo_guard"), engine);
  ASSERT_TRUE(guard);
  auto deadline = [] { return Clock::now() + 10s; };
  EXPECT_EQ((*guard)->tier(), Tier::kInterpreter);  // serving while the compile runs
  ASSERT_TRUE((*guard)->call("label_agent", R"({"p":1})", nullptr, deadline()));
  ASSERT_TRUE((*guard)->code().wait_native(60s)) << (*guard)->code().native_detail();
  auto out = (*guard)->call("label_resource", R"({"tool_name":"t"})", nullptr, deadline());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ((*guard)->tier(), Tier::kNative);
  EXPECT_NE(out->find("policy: {'p':1}"), std::string::npos) << *out;
}

}  // namespace
}  // namespace awmg::wasm
