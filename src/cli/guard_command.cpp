#include "cli/guard_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/files.hpp"
#include "cli/env.hpp"
#include "cli/flag_set.hpp"
#include "cli/gateway_options.hpp"
#include "guard/wasm_guard.hpp"
#include "wasm/cache_dir.hpp"
#include "wasm/engine.hpp"

namespace awmg::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct GuardOptions {
  std::string wasm_cache_dir;
  std::string log_dir;
  std::string tier;
  base::Duration timeout = std::chrono::seconds(30);
  std::string backend_result;
  bool all = false;
};

void out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

int fail(const std::string& message) {
  std::fprintf(stderr, "Error: %s\n", message.c_str());
  return 1;
}

void register_flags(FlagSet& flags, GuardOptions& o) {
  add_wasm_cache_dir_flag(flags, &o.wasm_cache_dir);
  add_log_dir_flag(flags, &o.log_dir);
  flags.add_string("tier", 0, &o.tier,
                   "call: run on this tier (interpreter or native); default: the best ready");
  flags.add_duration("timeout", 0, &o.timeout, "compile: how long to wait; call: the call's deadline");
  flags.add_string("backend-result", 0, &o.backend_result,
                   "call: JSON every call_backend receives (default: fails)");
  flags.add_bool("all", 0, &o.all, "cache clean: remove current entries too, not only stale ones");
}

// A flag typed for a subcommand that does not read it would be ignored: refused, naming both.
std::optional<std::string> flag_unused_by(const std::string& command, const FlagSet& flags) {
  static const std::map<std::string, std::vector<std::string>> kOwners = {
      {"tier", {"call"}}, {"timeout", {"compile", "call"}}, {"backend-result", {"call"}}, {"all", {"cache"}}};
  for (const auto& [flag, owners] : kOwners) {
    if (flags.changed(flag) && std::find(owners.begin(), owners.end(), command) == owners.end())
      return "--" + flag + " is not used by \"awmg guard " + command + "\"";
  }
  return std::nullopt;
}

// The cache directory exactly as the gateway resolves it, so `awmg guard compile` fills the cache it will
// use.
wasm::CacheDir cache_dir(const FlagSet& flags, const GuardOptions& o) {
  auto prepared = wasm::prepare_cache_dir(
      resolve_wasm_cache_dir(flags.changed("wasm-cache-dir"), o.wasm_cache_dir, o.log_dir));
  if (!prepared.warning.empty()) std::fprintf(stderr, "WARN: %s\n", prepared.warning.c_str());
  return prepared;
}

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

std::string seconds_text(Clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fs", std::chrono::duration<double>(d).count());
  return text;
}

int compile(const std::vector<std::string>& files, const wasm::CacheDir& dir, base::Duration timeout) {
  if (files.empty()) return fail("awmg guard compile needs at least one .wasm file");
  if (dir.path.empty()) return fail("no usable cache directory: compiled code would be lost at exit");
  wasm::Engine engine({dir.path, true});
  if (!engine.toolchain()) return fail("no C compiler found (set CC or install gcc)");
  int status = 0;
  for (const auto& file : files) {
    auto started = Clock::now();
    auto bytes = base::read_file(file);
    auto code = bytes ? engine.load(*bytes) : Result<std::shared_ptr<wasm::Code>>(bytes.error());
    if (!code) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), code.error().message.c_str());
      status = 1;
      continue;
    }
    bool ready = (*code)->wait_native(std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    if (!ready) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), (*code)->native_detail().c_str());
      status = 1;
      continue;
    }
    out(file + ": " + (*code)->native_detail() + " (" + seconds_text(Clock::now() - started) + ")\n");
  }
  return status;
}

std::string describe_memory(const wasm::ModuleInfo& info) {
  if (!info.has_memory) return "none";
  std::string text = "min " + std::to_string(info.memory_min_pages) + " pages, max ";
  text += info.memory_max_pages ? std::to_string(*info.memory_max_pages) + " pages"
                                : "512 pages (host limit; none declared)";
  return text;
}

int inspect(const std::vector<std::string>& files, const wasm::CacheDir& dir) {
  if (files.size() != 1) return fail("awmg guard inspect needs exactly one .wasm file");
  auto read = base::read_file(files[0]);
  if (!read) return fail("failed to read WASM file: " + read.error().message);
  const std::string& bytes = *read;
  auto module = wasm::Module::load(bytes);
  if (!module) return fail("failed to instantiate WASM module: " + module.error().message);
  const auto& info = (*module)->info();
  std::string text = "module: " + files[0] + "\nsha256: " + (*module)->sha256() +
                     "\nsize: " + std::to_string(bytes.size()) + " bytes\nimports (" +
                     std::to_string(info.imports.size()) + "):\n";
  for (const auto& i : info.imports)
    text += "  " + std::string(wasm::extern_kind_name(i.kind)) + " " + i.module + "." + i.name +
            (i.kind == wasm::ExternKind::kFunc ? " " + i.signature.to_string() : "") + "\n";
  text += "exports (" + std::to_string(info.exports.size()) + "):\n";
  for (const auto& e : info.exports)
    text += "  " + std::string(wasm::extern_kind_name(e.kind)) + " " + e.name +
            (e.kind == wasm::ExternKind::kFunc ? " " + e.signature.to_string() : "") + "\n";
  text += "memory: " + describe_memory(info) + "\n";
  text += std::string("start section: ") + (info.has_start ? "yes (runs at instantiation)" : "no") + "\n";
  wasm::Engine engine({"", false});
  auto guard =
      guard::WasmGuard::create("inspect", bytes, engine, {[](int, std::string_view) {}, std::nullopt});
  if (guard) {
    bool allocator = info.find_function("alloc") && info.find_function("dealloc");
    text += std::string("abi: ok (") +
            (allocator ? "alloc/dealloc buffers" : "direct memory fallback: no alloc/dealloc exports") +
            ")\n";
  } else {
    text += "abi: invalid: " + guard.error().message + "\n";
  }
  auto toolchain = wasm::Toolchain::find();
  if (!toolchain) {
    text += "native: unavailable (no C compiler)\n";
  } else {
    wasm::CodeCache cache(dir.path);
    std::string path = cache.entry_path((*module)->sha256(), toolchain->id);
    std::string why;
    auto found = dir.path.empty() ? wasm::CodeCache::Lookup::kMiss : cache.lookup(path, &why, nullptr);
    text += found == wasm::CodeCache::Lookup::kHit ? "native: cached at " + path + "\n"
            : found == wasm::CodeCache::Lookup::kCorrupt
                ? "native: corrupt entry removed (" + why + ")\n"
                : "native: not cached (interpreter until compiled)\n";
  }
  out(text);
  return guard ? 0 : 1;
}

// call_backend answers: one fixed result for every metadata call, so guards can be exercised offline.
class FixedBackend : public guard::BackendCaller {
 public:
  explicit FixedBackend(std::string result) : result_(std::move(result)) {}
  Result<std::string> call_tool(const std::string& tool, const std::string& args,
                                Clock::time_point) override {
    std::fprintf(stderr, "call_backend %s %s\n", tool.c_str(), args.c_str());
    if (result_.empty()) return Error{"no backend"};
    return result_;
  }

 private:
  std::string result_;
};

int call(const std::vector<std::string>& args, const wasm::CacheDir& dir, const GuardOptions& o) {
  if (args.size() != 3) return fail("usage: awmg guard call FILE.wasm FUNCTION JSON");
  std::optional<wasm::Tier> tier;
  if (o.tier == "native")
    tier = wasm::Tier::kNative;
  else if (o.tier == "interpreter")
    tier = wasm::Tier::kInterpreter;
  else if (!o.tier.empty())
    return fail("--tier must be interpreter or native, not \"" + o.tier + "\"");
  auto read = base::read_file(args[0]);
  if (!read) return fail("failed to read WASM file: " + read.error().message);
  const std::string& bytes = *read;
  auto started = Clock::now();
  wasm::Engine engine({dir.path, tier != wasm::Tier::kInterpreter});
  auto deadline = started + o.timeout;
  if (tier == wasm::Tier::kNative) {
    auto code = engine.load(bytes);
    if (!code) return fail("failed to instantiate WASM module: " + code.error().message);
    if (!(*code)->wait_native(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())))
      return fail("native tier unavailable: " + (*code)->native_detail());
  }
  auto guard = guard::WasmGuard::create(args[0], bytes, engine, {{}, tier});
  if (!guard) return fail(guard.error().message);
  auto loaded = Clock::now();
  FixedBackend backend(o.backend_result);
  auto output = (*guard)->call(args[1], args[2], &backend, Clock::now() + o.timeout);
  auto done = Clock::now();
  std::fprintf(stderr, "tier=%s load=%.0fus call=%.0fus\n", wasm::tier_name((*guard)->tier()),
               micros(loaded - started), micros(done - loaded));
  if (!output) return fail(output.error().message);
  out(*output + "\n");
  return 0;
}

int cache(const std::vector<std::string>& args, const wasm::CacheDir& dir, bool all) {
  if (args.size() != 1 || (args[0] != "ls" && args[0] != "clean"))
    return fail("usage: awmg guard cache ls|clean");
  if (dir.path.empty()) return fail("no usable cache directory");
  wasm::CodeCache cache(dir.path);
  if (args[0] == "clean") {
    out("removed " + std::to_string(cache.clean(all)) + " entries from " + dir.path + "\n");
    return 0;
  }
  std::string text = "cache: " + dir.path + " (engine " + wasm::engine_version() + ")\n";
  for (const auto& entry : cache.list())
    text += entry.path + "\t" + std::to_string(entry.bytes) + " bytes\t" +
            (entry.current ? "current" : "stale") + "\n";
  out(text);
  return 0;
}

}  // namespace

std::string guard_help() {
  GuardOptions o;
  FlagSet flags;
  register_flags(flags, o);
  return "Guard tools: fill the compiled-code cache, inspect a module's ABI, run one label function.\n\n"
         "Usage:\n"
         "  awmg guard compile FILE.wasm...          compile to native code into the cache\n"
         "  awmg guard inspect FILE.wasm             imports, exports, ABI verdict, cached tier\n"
         "  awmg guard call FILE.wasm FUNCTION JSON  run one label function through the real host\n"
         "  awmg guard cache ls|clean                list or prune cache entries\n\n"
         "Flags:\n" +
         flags.usages();
}

int run_guard(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out(guard_help());
    return args.empty() ? 1 : 0;
  }
  GuardOptions o;
  FlagSet flags;
  register_flags(flags, o);
  auto rest = flags.parse(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!rest) return fail(rest.error().message);
  if (flags.help_requested()) {
    out(guard_help());
    return 0;
  }
  const std::string& command = args[0];
  if (command != "compile" && command != "inspect" && command != "call" && command != "cache")
    return fail("unknown guard command \"" + command + "\" (compile, inspect, call, cache)");
  if (auto unused = flag_unused_by(command, flags)) return fail(*unused);
  if (command == "compile") return compile(*rest, cache_dir(flags, o), o.timeout);
  if (command == "inspect") return inspect(*rest, cache_dir(flags, o));
  if (command == "call") return call(*rest, cache_dir(flags, o), o);
  return cache(*rest, cache_dir(flags, o), o.all);
}

}  // namespace awmg::cli
