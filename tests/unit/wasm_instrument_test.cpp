// The instrumentation's interrupt checks, on both tiers. The interpreter's poll is an import inserted after
// the guard's own, which moves every function index: a guard must compute exactly what it computed before.
// And whatever a guard does (loops, bulk copies, slow host calls, straight lines of calls), it must stop soon
// after an interrupt.
#include <gtest/gtest.h>

#include <wabt/binary-writer.h>
#include <wabt/error-formatter.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <chrono>
#include <thread>

#include "support/process.hpp"
#include "wasm/engine.hpp"

namespace awmg::wasm {
namespace {

using namespace std::chrono_literals;

std::string assemble(std::string_view text) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("test.wat", text.data(), text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::WastParseOptions parse_options{wabt::Features()};
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options)))
    throw std::runtime_error("bad test module: " +
                             wabt::FormatErrorsToString(errors, wabt::Location::Type::Text));
  wabt::MemoryStream stream;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), wabt::WriteBinaryOptions())))
    throw std::runtime_error("cannot encode the test module");
  const auto& data = stream.output_buffer().data;
  return std::string(data.begin(), data.end());
}

// Every way wasm names a function by index: calls, an export, a start function, an active element segment,
// ref.func in a body, a declared segment and a global's initializer; and a host import before them all.
constexpr std::string_view kIndices = R"wat(
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "slow" (func $slow))
  (type $answer (func (result i32)))
  (memory (export "memory") 512 512)
  (table 3 funcref)
  (elem (i32.const 0) $ten $twenty)
  (elem declare func $ten)
  (global $started (mut i32) (i32.const 0))
  (global $ref funcref (ref.func $twenty))
  (func $ten (result i32) (i32.const 10))
  (func $twenty (result i32) (i32.const 20))
  (func $start (global.set $started (i32.const 7)))
  (start $start)
  (export "twenty" (func $twenty))
  (func (export "started") (result i32) (global.get $started))
  (func (export "direct") (result i32) (call $add (call $ten) (call $twenty)))
  (func (export "indirect") (param i32) (result i32) (call_indirect (type $answer) (local.get 0)))
  (func (export "by_ref") (result i32)
    (table.set 0 (i32.const 2) (ref.func $ten))
    (call_indirect (type $answer) (i32.const 2)))
  (func (export "from_global") (result i32)
    (table.set 0 (i32.const 2) (global.get $ref))
    (call_indirect (type $answer) (i32.const 2)))
  (func $step (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  ;; n calls and n loop iterations: many polls' worth of checks
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (call $step (local.get $i)))
        (br $next)))
    (local.get $i))
  (func (export "spin") (loop $forever (br $forever)))
  (func $trap (result i32) (unreachable))
  (func (export "trap_in_callee") (result i32) (i32.add (i32.const 1) (call $trap)))
  ;; bulk operations, whose checks keep the count on the stack: 7 + the table's 5 elements
  (func (export "bulk") (result i32)
    (memory.fill (i32.const 0) (i32.const 7) (i32.const 100000))
    (memory.copy (i32.const 200000) (i32.const 0) (i32.const 100000))
    (drop (memory.grow (i32.const 0)))
    (drop (table.grow 0 (ref.null func) (i32.const 2)))
    (i32.add (i32.load8_u (i32.const 299999)) (table.size 0)))
  ;; a host call of 2 ms per iteration
  (func (export "slow_forever") (loop $again (call $slow) (br $again)))
  ;; 32 MiB filled per iteration
  (func (export "fill_forever") (loop $again (memory.fill (i32.const 0) (i32.const 0) (i32.const 33554432)) (br $again)))
  (func $copies <COPIES>)
  (func (export "copy_storm") <CALLS>))
)wat";

// 1024 calls without a loop to a function without a loop or a call that copies 16 MiB eight times: about
// 128 GiB of copying, minutes, unless every entry and every bulk operation is checked.
std::string with_copy_storm(std::string text) {
  std::string calls, copies;
  for (int i = 0; i < 1024; ++i) calls += " (call $copies)";
  for (int i = 0; i < 8; ++i)
    copies += "\n    (memory.copy (i32.const 0) (i32.const 16777216) (i32.const 16777216))";
  auto replace = [&](const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
  };
  replace("<CALLS>", calls);
  replace("<COPIES>", copies);
  return text;
}

HostFunctions host_functions() {
  HostFunction add{"env", "add", {{ValType::kI32, ValType::kI32}, {ValType::kI32}}, nullptr};
  add.call = [](Caller&, const uint64_t* args) { return HostReturn{uint32_t(args[0] + args[1]), {}}; };
  HostFunction slow{"env", "slow", {}, nullptr};
  slow.call = [](Caller&, const uint64_t*) {
    std::this_thread::sleep_for(2ms);
    return HostReturn{};
  };
  return {add, slow};
}

class Instrumentation : public ::testing::TestWithParam<Tier> {
 protected:
  void SetUp() override {
    if (GetParam() == Tier::kNative && !kNativeTierBuilt)
      GTEST_SKIP() << "this build has no native tier (ThreadSanitizer)";
    auto loaded = engine_.load(assemble(with_copy_storm(std::string(kIndices))));
    ASSERT_TRUE(loaded) << loaded.error().message;
    code_ = *loaded;
    if (GetParam() == Tier::kNative) {
      ASSERT_TRUE(code_->wait_native(120s)) << code_->native_detail();
    }
    auto instance = code_->instantiate(host_, GetParam());
    ASSERT_TRUE(instance) << instance.error().message;
    instance_ = std::move(*instance);
    ASSERT_EQ(instance_->tier(), GetParam());
    ASSERT_TRUE(start_instance(*instance_));
  }

  uint64_t call(std::string_view function, std::vector<uint64_t> args = {}) {
    Outcome outcome = instance_->call(function, args);
    EXPECT_TRUE(outcome.returned()) << function << ": " << outcome.trap;
    return outcome.result.value_or(~0ull);
  }

  test::TempDir dir_;
  Engine engine_{{dir_.path(), GetParam() == Tier::kNative}};
  HostFunctions host_ = host_functions();
  std::shared_ptr<Code> code_;
  std::unique_ptr<Instance> instance_;
};

TEST_P(Instrumentation, EveryFunctionReferenceStillNamesItsFunction) {
  EXPECT_EQ(call("started"), 7u);
  EXPECT_EQ(call("twenty"), 20u);
  EXPECT_EQ(call("direct"), 30u);
  EXPECT_EQ(call("indirect", {0}), 10u);
  EXPECT_EQ(call("indirect", {1}), 20u);
  EXPECT_EQ(call("by_ref"), 10u);
  EXPECT_EQ(call("from_global"), 20u);
  EXPECT_EQ(call("count", {100000}), 100000u);  // about 200 polls, each answered with the next budget
  EXPECT_EQ(call("bulk"), 12u);
}

TEST_P(Instrumentation, AnInterruptEndsARunningCallAndACallMadeWhileItIsSet) {
  std::thread interrupter([&] {
    std::this_thread::sleep_for(50ms);
    instance_->interrupt();
  });
  auto begun = std::chrono::steady_clock::now();
  Outcome spun = instance_->call("spin", {});
  interrupter.join();
  EXPECT_EQ(spun.kind, Outcome::Kind::kInterrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 5s);
  EXPECT_EQ(instance_->call("twenty", {}).kind, Outcome::Kind::kInterrupted);  // still set: nothing runs
  instance_->clear_interrupt();
  EXPECT_EQ(call("twenty"), 20u);
}

// A trap deep in a call leaves nothing behind: the next call runs its own code only (wabt's interpreter kept
// the trapped frames on its thread, and the next call returned into them).
TEST_P(Instrumentation, ACallAfterATrapRunsOnlyItsOwnCode) {
  EXPECT_EQ(instance_->call("trap_in_callee", {}).kind, Outcome::Kind::kTrapped);
  EXPECT_EQ(call("direct"), 30u);
  EXPECT_EQ(call("indirect", {1}), 20u);
}

// Bulk operations are checked (the interpreter counts a unit of budget per 64 KiB), and host functions refuse
// an interrupted call, so neither a loop of 32 MiB fills, nor a storm of copies in straight-line code, nor a
// loop of slow host calls outlives an interrupt by much.
TEST_P(Instrumentation, BulkWorkEndsSoonAfterAnInterrupt) {
  for (const char* function :
       {"slow_forever", "fill_forever", "copy_storm"}) {  // (the first on a full budget)
    std::thread interrupter([&] {
      std::this_thread::sleep_for(50ms);
      instance_->interrupt();
    });
    auto begun = std::chrono::steady_clock::now();
    Outcome outcome = instance_->call(function, {});
    interrupter.join();
    EXPECT_EQ(outcome.kind, Outcome::Kind::kInterrupted) << function;
    EXPECT_LT(std::chrono::steady_clock::now() - begun, 1s) << function;
    instance_->clear_interrupt();
  }
}

INSTANTIATE_TEST_SUITE_P(BothTiers, Instrumentation, ::testing::Values(Tier::kInterpreter, Tier::kNative),
                         [](const auto& info) { return std::string(tier_name(info.param)); });

}  // namespace
}  // namespace awmg::wasm
