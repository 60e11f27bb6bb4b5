#include "wasm/native.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

namespace awmg::wasm {

struct NativeCode::Glue {
  void (*bind)(const void* api);
  size_t (*instance_size)();
  void (*instantiate)(void* self, void* ctx);
  void (*free)(void* self);
  void* (*memory)(void* self);
  uint32_t (*grow_memory)(void* self, uint32_t pages);
  volatile uint32_t* (*interrupt)(void* self);
  int (*call)(void* self, uint32_t slot, const uint64_t* args, uint64_t* result);
  struct Slot {
    uint32_t index;
    bool has_result;
  };
  std::map<std::string, Slot, std::less<>> slots;
};

namespace {

// wasm-rt.h's memory layout, which the shared object's runtime fills in.
struct RtMemory {
  uint8_t* data;
  uint32_t pages, max_pages;
  uint32_t size;
};

constexpr int kTrapOob = 1;         // WASM_RT_TRAP_OOB
constexpr int kTrapExhaustion = 8;  // WASM_RT_TRAP_EXHAUSTION (Linux: not merged with OOB)
constexpr size_t kAltStackSize = 64 * 1024;
// Host functions run on the guard's thread stack: a guest that recursed deep must not make them overflow it.
constexpr uintptr_t kHostStackHeadroom = 256 * 1024;

const char* trap_text(int code) {
  switch (code) {
    case 0:
      return "unwound by the host";
    case kTrapOob:
      return "out of bounds memory access";
    case 2:
      return "integer overflow";
    case 3:
      return "integer divide by zero";
    case 4:
      return "invalid conversion to integer";
    case 5:
      return "unreachable";
    case 6:
      return "indirect call type mismatch";
    case kTrapExhaustion:
      return "stack overflow";
    default:
      return "trap";
  }
}

// Per thread: where a trap jumps to while guard code runs on this thread, and whether a host function is
// running (a fault there is the host's bug, not the guard's, and must not be swallowed).
struct ThreadState {
  sigjmp_buf* jump = nullptr;
  bool in_host = false;
  const uint8_t* memory_base = nullptr;
  void* alt_stack = nullptr;
  uintptr_t stack_floor = 0;  // the lowest address of this thread's stack
  ~ThreadState() {
    if (!alt_stack) return;
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    ::sigaltstack(&disable, nullptr);
    std::free(alt_stack);
  }
};
thread_local ThreadState t_state;

struct sigaction g_previous_segv, g_previous_bus;

void chain(int sig, siginfo_t* info, void* context) {
  const struct sigaction& previous = sig == SIGBUS ? g_previous_bus : g_previous_segv;
  if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
    previous.sa_sigaction(sig, info, context);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
  } else {
    ::signal(sig, SIG_DFL);  // returning re-executes the faulting instruction: the default action follows
  }
}

void on_fault(int sig, siginfo_t* info, void* context) {
  ThreadState& state = t_state;
  if (!state.jump || state.in_host) return chain(sig, info, context);
  auto* address = static_cast<const uint8_t*>(info->si_addr);
  bool in_memory =
      state.memory_base && address >= state.memory_base && address < state.memory_base + (8ull << 30) + 65536;
  siglongjmp(*state.jump, (in_memory ? kTrapOob : kTrapExhaustion) + 1);
}

void install_fault_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = on_fault;
    // SA_NODEFER: the handler leaves by siglongjmp without restoring a signal mask, so the signal must not be
    // blocked while it runs.
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGSEGV, &action, &g_previous_segv);
    ::sigaction(SIGBUS, &action, &g_previous_bus);
  });
}

uintptr_t thread_stack_floor() {
  pthread_attr_t attr;
  void* low = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  pthread_attr_getstack(&attr, &low, &size);
  pthread_attr_destroy(&attr);
  return reinterpret_cast<uintptr_t>(low);
}

// A stack overflow fault cannot run its handler on the exhausted stack.
void ensure_alt_stack() {
  if (!t_state.stack_floor) t_state.stack_floor = thread_stack_floor();
  if (t_state.alt_stack) return;
  stack_t current{};
  if (::sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) {
    t_state.alt_stack = nullptr;  // somebody else (a sanitizer) installed one; keep it
    return;
  }
  void* memory = std::malloc(kAltStackSize);
  stack_t stack{};
  stack.ss_sp = memory;
  stack.ss_size = kAltStackSize;
  if (::sigaltstack(&stack, nullptr) == 0) {
    t_state.alt_stack = memory;
  } else {
    std::free(memory);
  }
}

[[noreturn]] void host_trap(int code) {
  siglongjmp(*t_state.jump, code + 1);
}

struct CallFrame {
  const NativeCode::Glue* glue;
  void* self;  // the shared object's instance struct
  void* ctx;   // the host's instance, handed back to dispatch() on every import call
  uint32_t slot;
  const uint64_t* args;
  uint64_t result;
  int status;
};

// Runs guest code; returns 0, or the trap code + 1. No object with a destructor lives in this frame, and the
// jump target is restored on both paths, so nested calls and traps unwind cleanly.
__attribute__((noinline)) int run_guarded(void (*fn)(CallFrame*), CallFrame* frame,
                                          const uint8_t* memory_base) {
  ThreadState& state = t_state;
  sigjmp_buf* volatile saved = state.jump;
  const uint8_t* volatile saved_base = state.memory_base;
  sigjmp_buf buf;
  int code = sigsetjmp(buf, 0);
  if (code == 0) {
    state.jump = &buf;
    state.memory_base = memory_base;
    fn(frame);
  }
  t_state.jump = saved;
  t_state.memory_base = saved_base;
  t_state.in_host = false;
  return code;
}

template <typename T>
bool bind_symbol(void* handle, const char* name, T& out) {
  out = reinterpret_cast<T>(::dlsym(handle, name));
  return out != nullptr;
}

std::mutex g_bind_mutex;  // module initialization in a shared object is not thread-safe

}  // namespace

class NativeInstance final : public Instance, public Caller {
 public:
  NativeInstance(std::shared_ptr<const NativeCode> code, std::vector<HostFunction> host)
      : code_(std::move(code)), glue_(*code_->glue_), host_(std::move(host)) {
    size_t size = (glue_.instance_size() + 63) / 64 * 64;
    self_ = std::aligned_alloc(64, size);
    std::memset(self_, 0, size);
  }
  ~NativeInstance() override {
    if (instantiated_) glue_.free(self_);
    std::free(self_);
  }

  Status instantiate() {
    CallFrame frame{&glue_, self_, this, 0, nullptr, 0, 0};
    ensure_alt_stack();
    int code = run_guarded([](CallFrame* f) { f->glue->instantiate(f->self, f->ctx); }, &frame, nullptr);
    instantiated_ = true;  // memory and tables may exist even after a trap; free them with the instance
    if (code) return Error{"wasm error: " + std::string(trap_text(code - 1))};
    interrupt_ = glue_.interrupt(self_);
    return ok_status();
  }

  Tier tier() const override { return Tier::kNative; }

  Outcome call(std::string_view function, std::span<const uint64_t> args) override {
    auto slot = glue_.slots.find(function);
    if (slot == glue_.slots.end()) return trapped("no exported function " + std::string(function));
    uint64_t padded[16] = {};
    for (size_t i = 0; i < args.size() && i < 16; ++i) padded[i] = args[i];
    CallFrame frame{&glue_, self_, this, slot->second.index, padded, 0, 0};
    if (interrupted_.load()) return Outcome{Outcome::Kind::kInterrupted, {}, "", 0};
    exit_code_.reset();
    host_error_.clear();
    stack_exhausted_ = false;
    ensure_alt_stack();
    const RtMemory* memory = static_cast<const RtMemory*>(glue_.memory(self_));
    int code =
        run_guarded([](CallFrame* f) { f->status = f->glue->call(f->self, f->slot, f->args, &f->result); },
                    &frame, memory ? memory->data : nullptr);
    if (code == 0) {
      if (frame.status != 0) return trapped("function " + std::string(function) + " is not callable");
      Outcome outcome;
      if (slot->second.has_result) outcome.result = frame.result;
      return outcome;
    }
    if (exit_code_) return Outcome{Outcome::Kind::kExited, {}, "", *exit_code_};
    if (stack_exhausted_) return trapped("stack overflow");
    if (!host_error_.empty()) return trapped("host function failed: " + host_error_);
    if (interrupted_.load()) return Outcome{Outcome::Kind::kInterrupted, {}, "", 0};
    return trapped(trap_text(code - 1));
  }

  LinearMemory memory() override {
    auto* memory = static_cast<RtMemory*>(glue_.memory(self_));
    if (!memory) return {};
    return {memory->data, memory->size};
  }

  std::optional<uint32_t> grow_memory(uint32_t pages) override {
    uint32_t old_pages = glue_.grow_memory(self_, pages);
    if (old_pages == uint32_t(-1)) return std::nullopt;
    return old_pages;
  }

  void interrupt() override {
    interrupted_.store(true);
    if (interrupt_) __atomic_store_n(const_cast<uint32_t*>(interrupt_), 1u, __ATOMIC_RELEASE);
  }
  void clear_interrupt() override {
    interrupted_.store(false);
    if (interrupt_) __atomic_store_n(const_cast<uint32_t*>(interrupt_), 0u, __ATOMIC_RELEASE);
  }

  // The host side of every import: called by the shared object with this instance as the import context.
  static uint64_t dispatch(void* ctx, uint32_t index, const uint64_t* args, int* unwind) {
    auto* self = static_cast<NativeInstance*>(ctx);
    if (self->interrupted_.load()) {  // a host function may do milliseconds of work: none past the deadline
      *unwind = 1;
      return 0;
    }
    char probe = 0;
    if (t_state.stack_floor &&
        reinterpret_cast<uintptr_t>(&probe) < t_state.stack_floor + kHostStackHeadroom) {
      self->stack_exhausted_ = true;
      *unwind = 1;
      return 0;
    }
    t_state.in_host = true;
    HostReturn ret;
    try {
      ret = self->host_.at(index).call(*self, args);
    } catch (const std::exception& e) {
      self->host_error_ = e.what();
      *unwind = 1;
    } catch (...) {
      self->host_error_ = "unknown exception";
      *unwind = 1;
    }
    t_state.in_host = false;
    if (ret.exit_code) {
      self->exit_code_ = ret.exit_code;
      *unwind = 1;
    }
    return ret.value;
  }

 private:
  static Outcome trapped(std::string why) {
    return Outcome{Outcome::Kind::kTrapped, {}, "wasm error: " + why, 0};
  }

  std::shared_ptr<const NativeCode> code_;
  const NativeCode::Glue& glue_;
  std::vector<HostFunction> host_;
  void* self_ = nullptr;
  bool instantiated_ = false;
  volatile uint32_t* interrupt_ = nullptr;
  std::atomic<bool> interrupted_{false};
  std::optional<uint32_t> exit_code_;
  std::string host_error_;
  bool stack_exhausted_ = false;
};

namespace {

struct HostApi {
  uint64_t (*dispatch)(void*, uint32_t, const uint64_t*, int*);
  void (*trap)(int);
};
const HostApi kHostApi{&NativeInstance::dispatch, &host_trap};

}  // namespace

namespace {

// Every live shared object, by its loader handle. dlopen returns the object already loaded when a name or
// file matches one; a guard must never run on another guard's code, so a handle seen before is refused.
std::mutex g_live_mutex;
std::set<void*> g_live_handles;

// The verified bytes, copied into a sealed anonymous file: a fresh inode per load (the loader cannot mistake
// it for an object already loaded) that nobody can change after the check.
Result<int> sealed_copy(std::string_view object) {
  // Kernels that seal memfds against execution by default (vm.memfd_noexec) need MFD_EXEC; older ones do not
  // know the flag and refuse it.
  constexpr unsigned kMfdExec = 0x10;
  int fd = ::memfd_create("awmg-guard", MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec);
  if (fd < 0 && errno == EINVAL) fd = ::memfd_create("awmg-guard", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return Error{std::string("memfd_create: ") + std::strerror(errno)};
  std::string_view rest = object;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error{std::string("cannot copy the shared object: ") + std::strerror(errno)};
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    ::close(fd);
    return Error{std::string("cannot seal the shared object: ") + std::strerror(errno)};
  }
  return fd;
}

}  // namespace

Result<std::shared_ptr<const NativeCode>> NativeCode::load(std::shared_ptr<const Module> module,
                                                           std::string_view object) {
  install_fault_handler();
  AWMG_TRY(int fd, sealed_copy(object));
  auto code = std::make_shared<NativeCode>();
  code->fd_ = fd;  // open while the object is loaded, so its /proc name stays unique
  code->module_ = std::move(module);
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  {
    // Loads and unloads in turn: a handle freed by dlclose must not be handed out meanwhile and look seen.
    std::lock_guard lock(g_live_mutex);
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) return Error{std::string("dlopen failed: ") + ::dlerror()};
    if (!g_live_handles.insert(handle).second) {
      ::dlclose(handle);
      return Error{"the dynamic loader returned a shared object that is already loaded"};
    }
    code->handle_ = handle;
  }
  void* handle = code->handle_;
  code->glue_ = std::make_unique<Glue>();
  Glue& glue = *code->glue_;
  const char* const* exports = nullptr;
  const char* compiled_from = nullptr;
  bool bound = bind_symbol(handle, "awmg_bind", glue.bind) &&
               bind_symbol(handle, "awmg_instance_size", glue.instance_size) &&
               bind_symbol(handle, "awmg_instantiate", glue.instantiate) &&
               bind_symbol(handle, "awmg_free", glue.free) &&
               bind_symbol(handle, "awmg_memory", glue.memory) &&
               bind_symbol(handle, "awmg_grow_memory", glue.grow_memory) &&
               bind_symbol(handle, "awmg_interrupt", glue.interrupt) &&
               bind_symbol(handle, "awmg_call", glue.call) && bind_symbol(handle, "awmg_exports", exports) &&
               bind_symbol(handle, "awmg_module_sha256", compiled_from);
  if (!bound) return Error{"the shared object lacks the awmg glue"};
  if (code->module_->sha256() != compiled_from)
    return Error{"the shared object was compiled from another module (" +
                 std::string(compiled_from).substr(0, 12) + ", not " + code->module_->sha256().substr(0, 12) +
                 ")"};
  for (uint32_t i = 0; exports[i]; ++i) {
    const ExportInfo* exp = code->module_->info().find_function(exports[i]);
    glue.slots.emplace(exports[i], Glue::Slot{i, exp && !exp->signature.results.empty()});
  }
  std::lock_guard lock(g_bind_mutex);
  glue.bind(&kHostApi);
  return std::shared_ptr<const NativeCode>(std::move(code));
}

NativeCode::~NativeCode() {
  if (handle_) {
    std::lock_guard lock(g_live_mutex);
    ::dlclose(handle_);
    g_live_handles.erase(handle_);
  }
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<Instance>> NativeCode::instantiate(const HostFunctions& host) const {
  AWMG_TRY(auto imports, resolve_imports(module_->info(), host));
  std::vector<HostFunction> bound;
  for (const HostFunction* fn : imports) bound.push_back(*fn);
  auto instance = std::make_unique<NativeInstance>(shared_from_this(), std::move(bound));
  AWMG_CHECK(instance->instantiate());
  return std::unique_ptr<Instance>(std::move(instance));
}

}  // namespace awmg::wasm
