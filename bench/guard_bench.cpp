// awmg-guard-bench: the guard runtime measured against baselines taken in the same run.
//   start:  cold start to the first served call (tier 0), the cold native compile, and a cache-hit start
//   calls:  label_resource through the full guard ABI on both tiers, against the same C logic compiled
//   natively empty:  a call into an export that returns at once, per tier
// Usage: awmg-guard-bench [--calls N] [--native-only] [--difc-only]   (the options narrow it down for
// profiling)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/files.hpp"
#include "difc/labeled_data.hpp"
#include "guard/guard.hpp"
#include "guard/wasm_guard.hpp"
#include "json/json.hpp"
#include "wasm/engine.hpp"

extern "C" {
// The demo guard's logic, compiled natively from the same source (examples/guards/c/demo_guard.c).
int32_t label_resource(const char* in, int32_t in_len, char* out, int32_t cap);
int32_t call_backend(const char*, int32_t, const char*, int32_t, char*, int32_t) {
  return -1;
}
void host_log(int32_t, const char*, int32_t) {}
}

namespace {

using Clock = std::chrono::steady_clock;
using namespace awmg;

const char* kInput =
    R"({"capabilities":{},"tool_args":{"owner":"acme","repo":"private-infra","issue_number":1347,)"
    R"("state":"open","labels":["bug","p1"],"per_page":30},"tool_name":"issue_read"})";

double us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

struct Stats {
  double p50 = 0, p99 = 0, mean = 0;
};

template <typename Fn>
Stats measure(int calls, Fn&& fn) {
  for (int i = 0; i < std::max(10, calls / 20); ++i) fn();  // warm up
  std::vector<double> samples;
  samples.reserve(calls);
  auto all = Clock::now();
  for (int i = 0; i < calls; ++i) {
    auto t = Clock::now();
    fn();
    samples.push_back(us(Clock::now() - t));
  }
  double total = us(Clock::now() - all);
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 99 / 100], total / calls};
}

std::string read_guard(const char* name) {
  auto bytes = base::read_file(std::string(AWMG_GUARD_DIR) + "/" + name + ".wasm");
  if (!bytes) {
    std::fprintf(stderr, "%s\n", bytes.error().message.c_str());
    std::exit(1);
  }
  return *bytes;
}

// What the demo guard imports, answered the way the gateway would when no backend is attached.
wasm::HostFunctions guard_host() {
  auto host = wasm::wasi_preview1([](int, std::string_view) {});
  auto i32 = wasm::ValType::kI32;
  host.push_back(
      {"env", "call_backend", {{i32, i32, i32, i32, i32, i32}, {i32}}, [](wasm::Caller&, const uint64_t*) {
         return wasm::HostReturn{uint32_t(-1), std::nullopt};
       }});
  host.push_back({"env", "host_log", {{i32, i32, i32}, {}}, [](wasm::Caller&, const uint64_t*) {
                    return wasm::HostReturn{};
                  }});
  return host;
}

// Answers every visibility question of the repository guard with "public", except for acme/infra.
class PublicBackend : public guard::BackendCaller {
 public:
  Result<std::string> call_tool(const std::string&, const std::string& args, Clock::time_point) override {
    bool secret = args.find("infra") != std::string::npos;
    return std::string(R"({"content":[{"type":"text","text":"{\"private\":)") + (secret ? "true" : "false") +
           R"(}"}]})";
  }
};

std::string temp_dir() {
  std::string pattern = "/tmp/awmg-guard-bench-XXXXXX";
  if (!::mkdtemp(pattern.data())) std::exit(1);
  return pattern;
}

void row(const char* what, const Stats& s, double baseline_p50) {
  std::printf("  %-44s p50 %9.2f us  p99 %9.2f us  mean %9.2f us  %7.2fx\n", what, s.p50, s.p99, s.mean,
              s.p50 / baseline_p50);
}

// The DIFC work on a ~10 KB response (40 issues), split: the repository guard's label_response through the
// ABI, then the gateway's parse of its labels, path resolution and filtering.
int difc_rows(wasm::Engine& engine, int calls) {
  auto deadline = [] { return Clock::now() + std::chrono::seconds(10); };
  std::string repo_bytes = read_guard("repo_guard");
  auto repo_code = engine.load(repo_bytes);
  if (!repo_code || !(*repo_code)->wait_native(std::chrono::minutes(5))) return 1;
  guard::WasmGuardOptions native{[](int, std::string_view) {}, wasm::Tier::kNative};
  auto raw = guard::WasmGuard::create("repos", repo_bytes, engine, native);
  auto guard = guard::WasmGuard::create("repos", repo_bytes, engine, native);
  if (!raw || !guard) return 1;
  auto adapter = guard::make_wasm_guard(std::move(*guard));
  PublicBackend backend;
  std::string items;
  for (int i = 0; i < 40; ++i)
    items +=
        std::string(i ? "," : "") + R"({"number":)" + std::to_string(i) +
        R"(,"title":"Rotate the database password","repository":")" +
        (i % 4 == 2 ? "acme/infra" : "acme/website") +
        R"(","user":{"login":"bob"},"author_association":"MEMBER","html_url":"https://example.test/acme/)"
        R"(website/issues/1"})";
  std::string inner = R"({"total_count":40,"items":[)" + items + "]}";
  std::string result = R"({"content":[{"type":"text","text":)" + json::quote(inner) + "}]}";
  int n = std::max(200, calls / 20);
  std::printf("DIFC on a %zu-byte response (40 issues), native tier, %d calls per row\n", result.size(), n);
  std::string input =
      R"({"capabilities":{},"tool_args":{},"tool_name":"search_issues","tool_result":)" + result + "}";
  Stats guest = measure(n, [&] {
    if (!(*raw)->call("label_response", input, &backend, deadline())) std::abort();
  });
  row("label_response, the guard call alone", guest, 1);
  Stats labeling = measure(n, [&] {
    if (!adapter->label_response("search_issues", "{}", result, &backend, deadline())) std::abort();
  });
  row("label_response and the parse of its labels", labeling, 1);
  auto labels = adapter->label_response("search_issues", "{}", result, &backend, deadline());
  Stats gateway_side = measure(n, [&] {
    auto doc = json::parse(inner);
    auto resolved = difc::resolve(**labels, *doc, result);
    auto outcome = difc::filter(difc::Labels{{}, {"none:public"}}, *resolved, difc::Operation::kRead,
                                difc::Mode::kFilter);
    if (outcome.accessible.empty()) std::abort();
  });
  row("response parse, path resolution, filtering", gateway_side, 1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 20000;
  bool native_only = false;
  bool difc_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--calls" && i + 1 < argc) calls = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--native-only") native_only = true;
    if (std::string(argv[i]) == "--difc-only") difc_only = true;
  }
  std::string demo = read_guard("demo_guard");
  std::string empty = read_guard("initialize_trap");  // label_resource returns 0 at once
  std::string dir = temp_dir();
  if (difc_only) {
    wasm::Engine engine({dir, true});
    int status = difc_rows(engine, calls);
    std::system(("rm -rf '" + dir + "'").c_str());
    return status;
  }
  auto quiet = guard::WasmGuardOptions{[](int, std::string_view) {}, std::nullopt};
  auto deadline = [] { return Clock::now() + std::chrono::seconds(10); };

  std::printf("guard runtime (demo_guard.wasm, %zu bytes; %d calls per row)\n", demo.size(), calls);
  std::printf("start\n");
  double cold_first, cold_native, hit_start, hit_first;
  {
    auto t0 = Clock::now();
    wasm::Engine engine({dir, true});
    auto guard = guard::WasmGuard::create("demo", demo, engine, quiet);
    if (!guard || !(*guard)->call("label_resource", kInput, nullptr, deadline())) return 1;
    cold_first = us(Clock::now() - t0);
    if (!(*guard)->code().wait_native(std::chrono::minutes(5))) return 1;
    cold_native = us(Clock::now() - t0);
  }
  {
    auto t0 = Clock::now();
    wasm::Engine engine({dir, true});
    auto guard = guard::WasmGuard::create("demo", demo, engine, quiet);
    if (!guard || (*guard)->tier() != wasm::Tier::kNative) return 1;
    hit_start = us(Clock::now() - t0);
    if (!(*guard)->call("label_resource", kInput, nullptr, deadline())) return 1;
    hit_first = us(Clock::now() - t0);
  }
  std::printf("  cold start to first served call (tier 0)      %9.0f us\n", cold_first);
  std::printf("  cold native compile (background, to ready)    %9.0f us\n", cold_native);
  std::printf(
      "  cache-hit start to native tier ready          %9.0f us  (%.1fx faster than the cold compile)\n",
      hit_start, cold_native / hit_start);
  std::printf("  cache-hit start to first served call          %9.0f us\n", hit_first);

  wasm::Engine engine({dir, true});
  std::vector<char> out(4u << 20);
  Stats native_c = measure(calls, [&] {
    if (label_resource(kInput, static_cast<int32_t>(std::strlen(kInput)), out.data(), 4u << 20) <= 0)
      std::abort();
  });
  std::printf("label_resource (%zu-byte request)\n", std::strlen(kInput));
  row("same C logic compiled natively (baseline)", native_c, native_c.p50);
  for (auto tier : {wasm::Tier::kNative, wasm::Tier::kInterpreter}) {
    if (native_only && tier == wasm::Tier::kInterpreter) continue;
    auto guard = guard::WasmGuard::create("demo", demo, engine, {quiet.output, tier});
    if (!guard) return 1;
    int n = tier == wasm::Tier::kNative ? calls : std::max(100, calls / 10);
    Stats s = measure(n, [&] {
      if (!(*guard)->call("label_resource", kInput, nullptr, deadline())) std::abort();
    });
    row(tier == wasm::Tier::kNative ? "guard ABI call, native tier" : "guard ABI call, interpreter tier", s,
        native_c.p50);
  }

  // The tier alone: label_resource on buffers allocated once, without the per-call ABI (alloc, copy,
  // dealloc).
  for (auto tier : {wasm::Tier::kNative, wasm::Tier::kInterpreter}) {
    if (native_only && tier == wasm::Tier::kInterpreter) continue;
    auto code = engine.load(demo);
    auto instance =
        code ? (*code)->instantiate(guard_host(), tier) : Result<std::unique_ptr<wasm::Instance>>(Error{});
    if (!instance) return 1;
    uint64_t in_len = std::strlen(kInput), cap = 1u << 20;
    auto in = (*instance)->call("alloc", std::vector<uint64_t>{in_len}).result.value_or(0);
    auto buf = (*instance)->call("alloc", std::vector<uint64_t>{cap}).result.value_or(0);
    if (!in || !buf || !(*instance)->memory().write(in, kInput)) return 1;
    const uint64_t args[4] = {in, in_len, buf, cap};
    int n = tier == wasm::Tier::kNative ? calls : std::max(100, calls / 10);
    Stats s = measure(n, [&] {
      if (!(*instance)->call("label_resource", args).returned()) std::abort();
    });
    row(tier == wasm::Tier::kNative ? "label_resource alone, native tier"
                                    : "label_resource alone, interpreter tier",
        s, native_c.p50);
  }

  std::printf("empty call (an export that returns at once, no buffers)\n");
  auto code = engine.load(empty);
  if (!code || !(*code)->wait_native(std::chrono::minutes(1))) return 1;
  Stats nothing = measure(calls, [] {});
  row("empty lambda (timer overhead)", nothing, 1);
  for (auto tier : {wasm::Tier::kNative, wasm::Tier::kInterpreter}) {
    auto instance = (*code)->instantiate(awmg::wasm::wasi_preview1(), tier);
    if (!instance) return 1;
    const uint64_t args[4] = {0, 0, 0, 0};
    Stats s = measure(calls, [&] { (*instance)->call("label_resource", args); });
    row(tier == wasm::Tier::kNative ? "native tier" : "interpreter tier", s, 1);
  }
  if (difc_rows(engine, calls) != 0) return 1;

  // How far past its deadline an endless loop runs before the watchdog's interrupt stops it.
  std::string loop = read_guard("loop");
  auto loop_code = engine.load(loop);
  if (!loop_code || !(*loop_code)->wait_native(std::chrono::minutes(1))) return 1;
  std::printf("deadline overshoot (endless loop, 20 ms deadline, 20 runs)\n");
  for (auto tier : {wasm::Tier::kNative, wasm::Tier::kInterpreter}) {
    std::vector<double> over;
    for (int i = 0; i < 20; ++i) {
      // A fresh guard each run: three missed deadlines in a minute make a guard unavailable.
      auto guard = guard::WasmGuard::create("loop", loop, engine, {quiet.output, tier});
      if (!guard) return 1;
      auto start = Clock::now();
      if ((*guard)->call("label_resource", "{}", nullptr, start + std::chrono::milliseconds(20))) return 1;
      over.push_back(us(Clock::now() - start) - 20000);
    }
    std::sort(over.begin(), over.end());
    std::printf("  %-44s p50 %9.0f us  max %9.0f us\n", wasm::tier_name(tier), over[over.size() / 2],
                over.back());
  }
  std::string cleanup = "rm -rf '" + dir + "'";
  return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
