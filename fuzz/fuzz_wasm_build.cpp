// Guard modules the fuzzer builds: its bytes choose a module's memory, globals and functions, whose bodies
// are typed expressions (arithmetic that may trap, loads and stores, bulk memory operations, bounded loops,
// ifs, calls to earlier functions directly, through a table and through ref.func, calls to a host import,
// memory.grow), and maybe a start function, written as WebAssembly text and assembled by wabt. Every module
// built is valid, so the engine must take it (its checks and instrumentation keep it valid), and running
// every export on the interpreter must end (loops are bounded, no function calls itself) with a result or a
// trap, never a crash. The instrumented module must also compute exactly what the module as built computes
// (run uninstrumented beside it): the same results, the same traps, the same memory.
#include <wabt/binary-writer.h>
#include <wabt/error.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/validator.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "wasm/engine.hpp"
#include "wasm/module.hpp"
#include "wasm/wabt_interp.hpp"

using namespace awmg;

namespace {

// The fuzzer's bytes as choices; zeros once they run out.
class Choices {
 public:
  Choices(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  unsigned pick(unsigned n) { return n ? next() % n : 0; }
  uint32_t number() {
    return uint32_t(next()) | uint32_t(next()) << 8 | uint32_t(next()) << 16 | uint32_t(next()) << 24;
  }

 private:
  uint8_t next() { return at_ < size_ ? data_[at_++] : 0; }
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

struct Shape {
  unsigned functions = 0;  // f0 .. f(n-1), each (param i32 i32) (result i32) with one i32 local
  unsigned globals = 0;
};

class Builder {
 public:
  explicit Builder(Choices& c) : c_(c) {}

  std::string module() {
    shape_.functions = 1 + c_.pick(4);
    shape_.globals = c_.pick(3);
    std::string out =
        "(module\n  (type $sig (func (param i32 i32) (result i32)))\n"
        "  (import \"env\" \"mix\" (func $mix (type $sig)))\n"
        "  (memory (export \"memory\") " +
        std::to_string(1 + c_.pick(3)) + " 16)\n";
    // $calls holds every function at its index; $slots[i] is set only by f_i, to an earlier function.
    std::string all;
    for (unsigned f = 0; f < shape_.functions; ++f) all += " $f" + std::to_string(f);
    const std::string count = std::to_string(shape_.functions);
    out += "  (table $calls " + count + " funcref)\n  (elem (table $calls) (i32.const 0) func" + all +
           ")\n  (table $slots " + count + " funcref)\n  (elem declare func" + all + ")\n";
    for (unsigned g = 0; g < shape_.globals; ++g)
      out += "  (global $g" + std::to_string(g) + " (mut i32) (i32.const " + std::to_string(c_.number()) +
             "))\n";
    for (unsigned f = 0; f < shape_.functions; ++f) {
      current_ = f;
      loops_ = 0;
      calls_ = 0;
      std::string body = statements(2) + expr(4);
      std::string locals;
      for (unsigned l = 0; l < loops_; ++l) locals += " (local $c" + std::to_string(l) + " i32)";
      out += "  (func $f" + std::to_string(f) + " (param $a i32) (param $b i32) (result i32)" + locals +
             "\n    " + body + ")\n";
    }
    if (c_.pick(2)) {
      out += "  (func $start (i32.store (i32.const 8) (call $f" + std::to_string(c_.pick(shape_.functions)) +
             " (i32.const " + std::to_string(c_.number()) + ") (i32.const 1))))\n  (start $start)\n";
    }
    // The guard ABI's exports, each over a function built above.
    for (const char* name : {"label_agent", "label_resource", "label_response"}) {
      unsigned f = c_.pick(shape_.functions);
      out += std::string("  (func (export \"") + name + "\") (param i32 i32 i32 i32) (result i32) (call $f" +
             std::to_string(f) + " (local.get 0) (local.get 1)))\n";
    }
    return out + ")\n";
  }

 private:
  std::string expr(int depth) {
    if (depth <= 0) return leaf();
    switch (c_.pick(13)) {
      case 0:
        return leaf();
      case 10:
        return "(call $mix " + expr(depth - 1) + " " + expr(depth - 1) + ")";
      case 11:
        if (current_ > 0 && in_loop_ == 0 && calls_ < kMaxCalls && ++calls_)
          return "(call_indirect $calls (type $sig) " + expr(depth - 1) + " " + expr(depth - 1) +
                 " (i32.const " + std::to_string(c_.pick(current_)) + "))";
        return leaf();
      case 12:
        if (current_ > 0 && in_loop_ == 0 && calls_ < kMaxCalls && ++calls_) {
          const std::string slot = "(i32.const " + std::to_string(current_) + ")";
          return "(block (result i32) (table.set $slots " + slot + " (ref.func $f" +
                 std::to_string(c_.pick(current_)) + ")) (call_indirect $slots (type $sig) " +
                 expr(depth - 1) + " " + expr(depth - 1) + " " + slot + "))";
        }
        return leaf();
      case 1: {
        static const char* ops[] = {"add", "sub", "mul",   "and",   "or",
                                    "xor", "shl", "shr_u", "div_s", "rem_u"};
        return std::string("(i32.") + ops[c_.pick(10)] + " " + expr(depth - 1) + " " + expr(depth - 1) + ")";
      }
      case 2:
        return "(i32.load offset=" + std::to_string(c_.pick(70000)) + " " + expr(depth - 1) + ")";
      case 3:
        return "(if (result i32) " + expr(depth - 1) + " (then " + expr(depth - 1) + ") (else " +
               expr(depth - 1) + "))";
      case 4:
        return "(block (result i32) " + statements(depth - 1) + expr(depth - 1) + ")";
      case 5: {  // a loop of at most 8 rounds, its counter its own (a shared one could reset forever)
        if (loops_ >= kMaxLoops) return leaf();
        const std::string c = "$c" + std::to_string(loops_++);
        ++in_loop_;  // (no calls inside loops: the work stays small whatever the nesting)
        std::string body = statements(depth - 1);
        --in_loop_;
        return "(block (result i32) (local.set " + c + " (i32.const 0)) (loop " + body + "(local.set " + c +
               " (i32.add (local.get " + c + ") (i32.const 1))) (br_if 0 (i32.lt_u (local.get " + c +
               ") (i32.const " + std::to_string(1 + c_.pick(8)) + ")))) " + expr(depth - 1) + ")";
      }
      case 6:
        if (current_ > 0 && in_loop_ == 0 && calls_ < kMaxCalls && ++calls_)
          return "(call $f" + std::to_string(c_.pick(current_)) + " " + expr(depth - 1) + " " +
                 expr(depth - 1) + ")";
        return leaf();
      case 7:
        return "(memory.grow (i32.const " + std::to_string(c_.pick(3)) + "))";
      case 8:
        return "(i32.eqz " + expr(depth - 1) + ")";
      default:
        return "(select " + expr(depth - 1) + " " + expr(depth - 1) + " " + expr(depth - 1) + ")";
    }
  }

  std::string leaf() {
    switch (c_.pick(5)) {
      case 0:
        return "(local.get $a)";
      case 1:
        return "(local.get $b)";
      case 2:
        return "(memory.size)";
      case 3:
        if (shape_.globals) return "(global.get $g" + std::to_string(c_.pick(shape_.globals)) + ")";
        [[fallthrough]];
      default:
        return "(i32.const " + std::to_string(int32_t(c_.number())) + ")";
    }
  }

  std::string statements(int depth) {
    std::string out;
    for (unsigned n = c_.pick(3); n > 0; --n) {
      switch (c_.pick(6)) {
        case 4:
          out += "(memory.fill " + expr(depth - 1) + " " + expr(depth - 1) + " " + expr(depth - 1) + ") ";
          break;
        case 5:
          out += "(memory.copy " + expr(depth - 1) + " " + expr(depth - 1) + " " + expr(depth - 1) + ") ";
          break;
        case 0:
          out += "(i32.store offset=" + std::to_string(c_.pick(70000)) + " " + expr(depth - 1) + " " +
                 expr(depth - 1) + ") ";
          break;
        case 1:
          out += "(local.set $a " + expr(depth - 1) + ") ";
          break;
        case 2:
          if (shape_.globals) {
            out += "(global.set $g" + std::to_string(c_.pick(shape_.globals)) + " " + expr(depth - 1) + ") ";
            break;
          }
          [[fallthrough]];
        default:
          out += "(drop " + expr(depth - 1) + ") ";
          break;
      }
    }
    return out;
  }

  // Bounds on the work a module can do: loops (and their nesting) and call sites per function.
  static constexpr unsigned kMaxLoops = 3;
  static constexpr unsigned kMaxCalls = 2;
  Choices& c_;
  Shape shape_;
  unsigned current_ = 0;
  unsigned loops_ = 0;
  unsigned calls_ = 0;
  int in_loop_ = 0;
};

// The text assembled to a binary; "" when wabt refuses it (a bug of this generator: it aborts).
std::string assemble(const std::string& text) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("built.wat", text.data(), text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::WastParseOptions parse_options(wabt::Features{});
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options))) return "";
  wabt::ValidateOptions validate(wabt::Features{});
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, validate))) return "";
  wabt::MemoryStream stream;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), wabt::WriteBinaryOptions{}))) return "";
  const auto& data = stream.output_buffer().data;
  return std::string(data.begin(), data.end());
}

// The module's one import, the same on both sides.
uint32_t mix(uint64_t a, uint64_t b) {
  return uint32_t(a) * 31u + uint32_t(b);
}

const wasm::HostFunctions& host() {
  static const wasm::HostFunctions functions = {
      {"env",
       "mix",
       {{wasm::ValType::kI32, wasm::ValType::kI32}, {wasm::ValType::kI32}},
       [](wasm::Caller&, const uint64_t* args) {
         return wasm::HostReturn{mix(args[0], args[1]), {}};
       }}};
  return functions;
}

std::vector<wasm::wabt_interp::Import> raw_host() {
  wasm::wabt_interp::Import entry;
  entry.param_is_i64 = {false, false};
  entry.has_result = true;
  entry.call = [](const uint64_t* args, uint64_t* result, std::string*) {
    *result = mix(args[0], args[1]);
    return true;
  };
  return {entry};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static wasm::Engine engine(wasm::EngineOptions{"", false});
  Choices choices(data, size);
  Builder builder(choices);
  const std::string text = builder.module();
  const std::string binary = assemble(text);
  if (binary.empty()) std::abort();  // the generator wrote an invalid module
  auto code = engine.load(binary);
  if (!code) std::abort();  // a valid module within the limits must be taken
  auto instance = (*code)->instantiate(host(), wasm::Tier::kInterpreter);
  Status started = !instance                             ? Status(instance.error())
                   : (*code)->module()->info().has_start ? wasm::start_instance(**instance)
                                                         : ok_status();
  std::string error;
  auto as_built = wasm::wabt_interp::Machine::instantiate(wasm::wabt_interp::parse(binary, &error),
                                                          raw_host(), &error);  // (runs the start function)
  if (!started || !as_built) {
    if (bool(started) != bool(as_built)) {  // instantiation failed on one side only
      std::fprintf(stderr, "engine: %s\nas built: %s\n%s\n",
                   started ? "started" : started.error().message.c_str(),
                   as_built ? "started" : error.c_str(), text.c_str());
      std::abort();
    }
    return 0;
  }
  const uint64_t args[4] = {choices.number(), choices.number(), 0, 0};
  for (const char* name : {"label_agent", "label_resource", "label_response"}) {
    auto outcome = (*instance)->call(name, args);
    if (outcome.kind == wasm::Outcome::Kind::kInterrupted) std::abort();  // nothing interrupts it here
    std::vector<uint64_t> results;
    std::string trap;
    const bool returned = as_built->call(name, args, 4, &results, &trap);
    if (returned != outcome.returned()) {
      std::fprintf(stderr, "%s: engine %s, as built %s\n%s\n", name, outcome.trap.c_str(),
                   returned ? "returned" : trap.c_str(), text.c_str());
      std::abort();
    }
    if (returned && (results.empty() ? outcome.result.has_value() : outcome.result != results[0]))
      std::abort();
    wasm::LinearMemory memory;
    as_built->memory("memory", &memory.data, &memory.size);
    const wasm::LinearMemory instrumented = (*instance)->memory();
    if (memory.size != instrumented.size || std::memcmp(memory.data, instrumented.data, memory.size) != 0)
      std::abort();
  }
  return 0;
}
