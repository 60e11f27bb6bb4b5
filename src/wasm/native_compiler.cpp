#include "wasm/native_compiler.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <wabt/apply-names.h>
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/c-writer.h>
#include <wabt/generate-names.h>
#include <wabt/ir.h>
#include <wabt/stream.h>

#include "base/digest.hpp"
#include "base/files.hpp"
#include "base/strings.hpp"
#include "wasm/instrument.hpp"

extern char** environ;

namespace awmg::wasm {

extern const char* const kNativeRuntimeSource;
extern const char* const kWasmRtHeader;

namespace {

constexpr const char* kCompileFlags = "-O2 -fPIC -shared -fvisibility=hidden -w -DNDEBUG";
constexpr const char* kGlueVersion = "glue-4";  // 4: the interrupt global is _Atomic
constexpr auto kCompileTimeout = std::chrono::minutes(5);

std::string c_type(ValType type) {
  switch (type) {
    case ValType::kI64:
      return "u64";
    case ValType::kF32:
      return "f32";
    case ValType::kF64:
      return "f64";
    default:
      return "u32";
  }
}

bool integer_only(const Signature& sig) {
  for (auto t : sig.params) {
    if (t != ValType::kI32 && t != ValType::kI64) return false;
  }
  for (auto t : sig.results) {
    if (t != ValType::kI32 && t != ValType::kI64) return false;
  }
  return sig.results.size() <= 1;
}

// One definition per import, forwarding to the host's dispatch with the import's index.
std::string import_wrappers(const ModuleInfo& info) {
  std::string out;
  for (size_t i = 0; i < info.imports.size(); ++i) {
    const ImportInfo& import = info.imports[i];
    if (import.kind != ExternKind::kFunc) continue;
    const Signature& sig = import.signature;
    std::string result = sig.results.empty() ? "void" : c_type(sig.results[0]);
    std::string params = "struct Z_" + mangle_c_name(import.module) + "_instance_t* ctx";
    std::string args;
    for (size_t p = 0; p < sig.params.size(); ++p) {
      params += ", " + c_type(sig.params[p]) + " a" + std::to_string(p);
      args += (p ? ", (uint64_t)a" : "(uint64_t)a") + std::to_string(p);
    }
    if (args.empty()) args = "0";
    out += result + " Z_" + mangle_c_name(import.module) + "Z_" + mangle_c_name(import.name) + "(" + params +
           ") {\n  const uint64_t args[] = {" + args + "};\n  ";
    out += sig.results.empty() ? "" : "return (" + result + ")";
    out += "awmg_host_call(ctx, " + std::to_string(i) + "u, args);\n}\n";
  }
  return out;
}

size_t import_module_count(const ModuleInfo& info) {
  std::vector<std::string> modules;
  for (const auto& import : info.imports) {
    if (std::find(modules.begin(), modules.end(), import.module) == modules.end())
      modules.push_back(import.module);
  }
  return modules.size();
}

std::string c_string_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += "?";
      continue;
    }
    out += c;
  }
  return out;
}

std::string call_switch(const ModuleInfo& info, std::string& names) {
  std::string out;
  uint32_t slot = 0;
  for (const ExportInfo& exp : info.exports) {
    if (exp.kind != ExternKind::kFunc || !integer_only(exp.signature) || exp.signature.params.size() > 16)
      continue;
    names += "  \"" + c_string_escape(exp.name) + "\",\n";
    std::string call = "Z_guardZ_" + mangle_c_name(exp.name) + "(self";
    for (size_t p = 0; p < exp.signature.params.size(); ++p)
      call += ", (" + c_type(exp.signature.params[p]) + ")args[" + std::to_string(p) + "]";
    call += ")";
    out += "    case " + std::to_string(slot++) + ": ";
    out += exp.signature.results.empty() ? call + "; return 0;\n"
                                         : "*result = (uint64_t)" + call + "; return 0;\n";
  }
  if (info.has_start) {  // the start section, turned into an export by the instrumentation
    names += "  \"" + std::string(kStartExport) + "\",\n";
    out += "    case " + std::to_string(slot++) + ": Z_guardZ_" + mangle_c_name(kStartExport) +
           "(self); return 0;\n";
  }
  return out;
}

std::string glue_source(const Module& module) {
  const ModuleInfo& info = module.info();
  std::string names;
  std::string cases = call_switch(info, names);
  std::string instance_args = "self";
  for (size_t i = 0; i < import_module_count(info); ++i) instance_args += ", ctx";
  std::string memory = module.memory_export().empty()
                           ? "NULL"
                           : "Z_guardZ_" + mangle_c_name(module.memory_export()) + "(self)";
  std::string out = kNativeRuntimeSource;
  out += "\n#include \"guard.h\"\n\n";
  out += import_wrappers(info);
  out += R"(
typedef Z_guard_instance_t awmg_instance;

AWMG_API const char awmg_module_sha256[] = ")" +
         module.sha256() + R"(";
AWMG_API void awmg_bind(const awmg_host_api* api) {
  awmg_host = api;
  Z_guard_init_module();
}
AWMG_API size_t awmg_instance_size(void) { return sizeof(awmg_instance); }
AWMG_API void awmg_instantiate(awmg_instance* self, void* ctx) { Z_guard_instantiate()" +
         instance_args + R"(); }
AWMG_API void awmg_free(awmg_instance* self) { Z_guard_free(self); }
AWMG_API wasm_rt_memory_t* awmg_memory(awmg_instance* self) { return )" +
         memory + R"(; }
AWMG_API uint32_t awmg_grow_memory(awmg_instance* self, uint32_t pages) {
  wasm_rt_memory_t* memory = awmg_memory(self);
  return memory ? wasm_rt_grow_memory(memory, pages) : (uint32_t)-1;
}
AWMG_API volatile u32* awmg_interrupt(awmg_instance* self) { return (volatile u32*)&self->w2c___awmg_interrupt; }
AWMG_API const char* const awmg_exports[] = {
)" + names +
         R"(  NULL};
AWMG_API int awmg_call(awmg_instance* self, uint32_t slot, const uint64_t* args, uint64_t* result) {
  (void)args;
  (void)result;
  switch (slot) {
)" + cases +
         R"(    default: return -1;
  }
}
)";
  return out;
}

// The interrupt global is written by the watchdog thread while the guard runs: C11 `_Atomic`, so every
// check is an atomic load (a plain `mov` on x86, re-read each time) and the access is no data race. The
// export accessor, which hands the host its address, gets a cast: the host stores with __atomic builtins.
Result<std::pair<std::string, std::string>> atomic_interrupt(std::string source, std::string header) {
  const std::string field = "  u32 w2c___awmg_interrupt;";
  auto at = header.find(field);
  if (at == std::string::npos || header.find(field, at + 1) != std::string::npos)
    return Error{"wasm2c output has no single interrupt field to make atomic"};
  header.insert(at + 2, "_Atomic ");
  const std::string accessor = "return &instance->w2c___awmg_interrupt;";
  auto ret = source.find(accessor);
  if (ret == std::string::npos || source.find(accessor, ret + 1) != std::string::npos)
    return Error{"wasm2c output has no single interrupt accessor"};
  source.insert(ret + 7, "(u32*)");
  return std::make_pair(std::move(source), std::move(header));
}

// wabt 1.0.32's C writer copies import and export names verbatim into C comments: a name holding "*/" would
// inject code into the shared object. Only names made of these characters are compiled.
Status check_names_safe_for_c(const ModuleInfo& info) {
  auto safe = [](const std::string& name) {
    if (name.empty() || name.size() > 256) return false;
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-' && c != '$')
        return false;
    }
    return true;
  };
  for (const auto& import : info.imports) {
    if (!safe(import.module) || !safe(import.name))
      return Error{"import name unsafe to compile to C: " + import.module + "." + import.name};
  }
  for (const auto& exp : info.exports) {
    if (!safe(exp.name)) return Error{"export name unsafe to compile to C: " + exp.name};
  }
  return ok_status();
}

Result<std::pair<std::string, std::string>> write_c(const Module& module) {
  AWMG_CHECK(check_names_safe_for_c(module.info()));
  wabt::Module ir;
  wabt::Errors errors;
  const std::string& bytes = module.bytes();
  wabt::ReadBinaryOptions options;
  options.fail_on_custom_section_error = false;  // as Module::load reads it
  if (wabt::Failed(wabt::ReadBinaryIr("guard.wasm", bytes.data(), bytes.size(), options, &errors, &ir)))
    return Error{"cannot re-read the module"};
  if (instrument(ir, InterruptCheck::kFlag) != module.memory_export())
    return Error{"the module's memory export changed between its instrumentations"};
  if (wabt::Failed(wabt::GenerateNames(&ir)) || wabt::Failed(wabt::ApplyNames(&ir)))
    return Error{"cannot name the module's items for C"};
  wabt::MemoryStream c_stream, h_stream;
  wabt::WriteCOptions c_options;
  c_options.module_name = "guard";
  if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, "guard.h", &ir, c_options)))
    return Error{"wabt's C writer refused the module"};
  auto text = [](wabt::MemoryStream& s) {
    const auto& data = s.output_buffer().data;
    return std::string(data.begin(), data.end());
  };
  return atomic_interrupt(text(c_stream), text(h_stream));
}

Result<int> run_compiler(const std::vector<std::string>& argv, const std::string& log_path,
                         const std::atomic<bool>& cancel) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // the compiler gets none of the gateway's sockets
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error{"cannot run " + argv[0] + ": " + std::strerror(rc)};
  auto deadline = std::chrono::steady_clock::now() + kCompileTimeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (cancel.load() || std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Error{cancel.load() ? "compile cancelled" : "the C compiler ran longer than 5 minutes"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string last_lines(const std::string& text, size_t count) {
  auto lines = base::split(text, '\n');
  std::string out;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
    if (!lines[i].empty()) out += (out.empty() ? "" : " | ") + lines[i];
  }
  return out;
}

}  // namespace

std::optional<Toolchain> Toolchain::find() {
  const char* env_cc = std::getenv("CC");
  std::string cc = env_cc && *env_cc ? env_cc : "cc";
  std::string path = cc;
  if (cc.find('/') == std::string::npos) {
    path.clear();
    const char* env_path = std::getenv("PATH");
    for (const auto& dir : base::split(env_path ? env_path : "", ':')) {
      std::string candidate = (dir.empty() ? "." : dir) + "/" + cc;
      if (::access(candidate.c_str(), X_OK) == 0) {
        path = candidate;
        break;
      }
    }
  }
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::error_code ec;
  std::string real = std::filesystem::canonical(path, ec).string();
  std::string identity = (ec ? path : real) + ":" + std::to_string(st.st_size) + ":" +
                         std::to_string(st.st_mtime) + ":" + kCompileFlags;
  return Toolchain{path, base::sha256_hex(identity).substr(0, 12)};
}

const std::string& engine_version() {
  // Code built by another runtime, glue, instrumentation or wabt is never loaded.
  static const std::string version =
      "v1-" + base::sha256_hex(std::string(kNativeRuntimeSource) + kWasmRtHeader + kGlueVersion +
                               std::string(kInstrumentationVersion) + "wabt-1.0.32")
                  .substr(0, 12);
  return version;
}

std::string mangle_c_name(std::string_view name) {
  return base::hex_escape(name, 'Z', [](char c) {
    return (std::isalnum(static_cast<unsigned char>(c)) && c != 'Z') || c == '_';
  });
}

Result<std::string> build_native(const Module& module, const Toolchain& toolchain,
                                 const std::string& work_parent, const std::atomic<bool>& cancel) {
  AWMG_TRY(auto sources, write_c(module));
  std::string work = work_parent + "/build-XXXXXX";
  if (!::mkdtemp(work.data())) return Error{"cannot create a build directory in " + work_parent};
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{work};
  AWMG_CHECK(base::write_file_atomic(work + "/wasm-rt.h", kWasmRtHeader));
  AWMG_CHECK(base::write_file_atomic(work + "/guard.h", sources.second));
  AWMG_CHECK(base::write_file_atomic(work + "/guard.c", sources.first));
  AWMG_CHECK(base::write_file_atomic(work + "/glue.c", glue_source(module)));
  std::vector<std::string> argv = {toolchain.cc};
  for (const auto& flag : base::split(kCompileFlags, ' ')) argv.push_back(flag);
  argv.insert(argv.end(), {"-I" + work, "-o", work + "/guard.so", work + "/guard.c", work + "/glue.c"});
  AWMG_TRY(int status, run_compiler(argv, work + "/cc.log", cancel));
  if (status != 0) {
    auto log = base::read_file(work + "/cc.log", 1 << 20);
    return Error{"the C compiler failed (exit " + std::to_string(status) +
                 "): " + last_lines(log ? *log : "", 3)};
  }
  return base::read_file(work + "/guard.so", 512u << 20);
}

}  // namespace awmg::wasm
