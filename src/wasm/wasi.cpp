#include "wasm/wasi.hpp"

#include <unistd.h>

#include <memory>
#include <string>

namespace awmg::wasm {
namespace {

// WASI errno values.
constexpr uint64_t kSuccess = 0, kBadf = 8, kFault = 21, kInval = 28, kNosys = 52, kSpipe = 70;

constexpr uint64_t kWallClockStart = 1640995200000000000ull;  // 2022-01-01T00:00:00Z, wazero's fake epoch
constexpr uint64_t kClockStep = 1000000;                      // 1 ms per read
// One fd_write may not make the host copy more than this (its iovecs may all point at the same region).
constexpr uint64_t kMaxIovecs = 1024;
constexpr uint64_t kMaxWriteBytes = 1u << 20;

struct State {
  GuardOutput output;
  uint64_t wall = kWallClockStart;
  uint64_t mono = 0;
  uint64_t random = 0x2545F4914F6CDD1Dull;
};

Signature sig(std::string_view params, bool returns_errno = true) {
  Signature s;
  for (char c : params) s.params.push_back(c == 'I' ? ValType::kI64 : ValType::kI32);
  if (returns_errno) s.results.push_back(ValType::kI32);
  return s;
}

using Body = std::function<HostReturn(Caller&, const uint64_t*)>;
HostReturn ret(uint64_t value) {
  return HostReturn{value, std::nullopt};
}

bool is_stdio(uint64_t fd) {
  return fd <= 2;
}

// Functions that take a descriptor first: the sandbox has only stdio, and stdio supports none of them.
Body on_fd(uint64_t stdio_errno) {
  return [stdio_errno](Caller&, const uint64_t* a) { return ret(is_stdio(a[0]) ? stdio_errno : kBadf); };
}
Body always(uint64_t value) {
  return [value](Caller&, const uint64_t*) { return ret(value); };
}

// (*count, *size) = (0, 0): no arguments and no environment.
Body empty_sizes() {
  return [](Caller& c, const uint64_t* a) {
    auto m = c.memory();
    return ret(m.store_u32(a[0], 0) && m.store_u32(a[1], 0) ? kSuccess : kFault);
  };
}

Body clock_res_get() {
  return [](Caller& c, const uint64_t* a) {
    if (a[0] > 1) return ret(kInval);
    return ret(c.memory().store_u64(a[1], a[0] == 0 ? 1000 : 1) ? kSuccess : kFault);
  };
}

Body clock_time_get(std::shared_ptr<State> state) {
  return [state](Caller& c, const uint64_t* a) {
    if (a[0] > 1) return ret(kInval);
    uint64_t& clock = a[0] == 0 ? state->wall : state->mono;
    uint64_t now = clock;
    clock += kClockStep;
    return ret(c.memory().store_u64(a[2], now) ? kSuccess : kFault);
  };
}

Body fd_write(std::shared_ptr<State> state) {
  return [state](Caller& c, const uint64_t* a) {
    if (a[0] != 1 && a[0] != 2) return ret(kBadf);
    auto m = c.memory();
    if (a[2] > kMaxIovecs) return ret(kInval);
    std::string bytes;
    for (uint64_t i = 0; i < a[2]; ++i) {
      auto base = m.load_u32(a[1] + i * 8);
      auto len = m.load_u32(a[1] + i * 8 + 4);
      if (!base || !len) return ret(kFault);
      auto chunk = m.read(*base, *len);
      if (!chunk) return ret(kFault);
      if (bytes.size() + chunk->size() > kMaxWriteBytes) return ret(kInval);
      bytes.append(*chunk);
    }
    if (!m.store_u32(a[3], static_cast<uint32_t>(bytes.size()))) return ret(kFault);
    state->output(static_cast<int>(a[0]), bytes);
    return ret(kSuccess);
  };
}

Body fd_read() {
  return [](Caller& c, const uint64_t* a) {
    if (a[0] != 0) return ret(kBadf);
    return ret(c.memory().store_u32(a[3], 0) ? kSuccess : kFault);  // stdin is empty: EOF at once
  };
}

Body fd_fdstat_get() {
  return [](Caller& c, const uint64_t* a) {
    if (!is_stdio(a[0])) return ret(kBadf);
    auto m = c.memory();
    if (!m.in_bounds(a[1], 24)) return ret(kFault);
    std::memset(m.data + a[1], 0, 24);
    m.data[a[1]] = 2;  // character device
    uint64_t rights = (a[0] == 0 ? 2ull /* fd_read */ : 64ull /* fd_write */) | (1ull << 27);  // + poll
    m.store_u64(a[1] + 8, rights);
    return ret(kSuccess);
  };
}

Body fd_filestat_get() {
  return [](Caller& c, const uint64_t* a) {
    if (!is_stdio(a[0])) return ret(kBadf);
    auto m = c.memory();
    if (!m.in_bounds(a[1], 64)) return ret(kFault);
    std::memset(m.data + a[1], 0, 64);
    m.data[a[1] + 16] = 2;  // character device
    return ret(kSuccess);
  };
}

// Every subscription is ready at once: clock sleeps return immediately (upstream's behaviour), stdin is at
// EOF, stdout and stderr accept writes.
Body poll_oneoff() {
  return [](Caller& c, const uint64_t* a) {
    auto m = c.memory();
    uint64_t in = a[0], out = a[1], count = a[2];
    if (count == 0) return ret(kInval);
    if (!m.in_bounds(in, count * 48) || !m.in_bounds(out, count * 32) || !m.in_bounds(a[3], 4))
      return ret(kFault);
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t* sub = m.data + in + i * 48;
      uint8_t* event = m.data + out + i * 32;
      std::memset(event, 0, 32);
      std::memcpy(event, sub, 8);  // userdata
      uint8_t tag = sub[8];
      event[10] = tag;
      if (tag != 0) {
        uint32_t fd =
            uint32_t(sub[16]) | uint32_t(sub[17]) << 8 | uint32_t(sub[18]) << 16 | uint32_t(sub[19]) << 24;
        bool ok = tag == 1 ? fd == 0 : (fd == 1 || fd == 2);
        event[8] = ok ? 0 : kBadf;
        if (tag == 1 && ok) event[24] = 1;  // hangup: end of input
      }
    }
    m.store_u32(a[3], static_cast<uint32_t>(count));
    return ret(kSuccess);
  };
}

Body random_get(std::shared_ptr<State> state) {
  return [state](Caller& c, const uint64_t* a) {
    auto m = c.memory();
    if (!m.in_bounds(a[0], a[1])) return ret(kFault);
    for (uint64_t i = 0; i < a[1]; ++i) {
      uint64_t& x = state->random;  // xorshift64*
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      m.data[a[0] + i] = static_cast<uint8_t>((x * 0x2545F4914F6CDD1Dull) >> 56);
    }
    return ret(kSuccess);
  };
}

Body proc_exit() {
  return [](Caller&, const uint64_t* a) { return HostReturn{0, static_cast<uint32_t>(a[0])}; };
}

void default_output(int, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(2, bytes.data(), bytes.size());
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

HostFunctions wasi_preview1(GuardOutput output) {
  auto state = std::make_shared<State>();
  state->output = output ? std::move(output) : GuardOutput(default_output);
  const std::string m = "wasi_snapshot_preview1";
  HostFunctions fns = {
      {m, "args_get", sig("ii"), always(kSuccess)},
      {m, "args_sizes_get", sig("ii"), empty_sizes()},
      {m, "environ_get", sig("ii"), always(kSuccess)},
      {m, "environ_sizes_get", sig("ii"), empty_sizes()},
      {m, "clock_res_get", sig("ii"), clock_res_get()},
      {m, "clock_time_get", sig("iIi"), clock_time_get(state)},
      {m, "fd_advise", sig("iIIi"), on_fd(kSpipe)},
      {m, "fd_allocate", sig("iII"), on_fd(kSpipe)},
      {m, "fd_close", sig("i"), on_fd(kSuccess)},
      {m, "fd_datasync", sig("i"), on_fd(kInval)},
      {m, "fd_fdstat_get", sig("ii"), fd_fdstat_get()},
      {m, "fd_fdstat_set_flags", sig("ii"), on_fd(kNosys)},
      {m, "fd_fdstat_set_rights", sig("iII"), on_fd(kNosys)},
      {m, "fd_filestat_get", sig("ii"), fd_filestat_get()},
      {m, "fd_filestat_set_size", sig("iI"), on_fd(kInval)},
      {m, "fd_filestat_set_times", sig("iIIi"), on_fd(kNosys)},
      {m, "fd_pread", sig("iiiIi"), on_fd(kSpipe)},
      {m, "fd_prestat_get", sig("ii"), always(kBadf)},  // no preopens: wasi-libc's scan stops here
      {m, "fd_prestat_dir_name", sig("iii"), always(kBadf)},
      {m, "fd_pwrite", sig("iiiIi"), on_fd(kSpipe)},
      {m, "fd_read", sig("iiii"), fd_read()},
      {m, "fd_readdir", sig("iiiIi"), on_fd(kNosys)},
      {m, "fd_renumber", sig("ii"), on_fd(kNosys)},
      {m, "fd_seek", sig("iIii"), on_fd(kSpipe)},
      {m, "fd_sync", sig("i"), on_fd(kInval)},
      {m, "fd_tell", sig("ii"), on_fd(kSpipe)},
      {m, "fd_write", sig("iiii"), fd_write(state)},
      {m, "path_create_directory", sig("iii"), always(kBadf)},
      {m, "path_filestat_get", sig("iiiii"), always(kBadf)},
      {m, "path_filestat_set_times", sig("iiiiIIi"), always(kBadf)},
      {m, "path_link", sig("iiiiiii"), always(kBadf)},
      {m, "path_open", sig("iiiiiIIii"), always(kBadf)},
      {m, "path_readlink", sig("iiiiii"), always(kBadf)},
      {m, "path_remove_directory", sig("iii"), always(kBadf)},
      {m, "path_rename", sig("iiiiii"), always(kBadf)},
      {m, "path_symlink", sig("iiiii"), always(kBadf)},
      {m, "path_unlink_file", sig("iii"), always(kBadf)},
      {m, "poll_oneoff", sig("iiii"), poll_oneoff()},
      {m, "proc_exit", sig("i", false), proc_exit()},
      {m, "proc_raise", sig("i"), always(kNosys)},
      {m, "sched_yield", sig(""), always(kSuccess)},
      {m, "random_get", sig("ii"), random_get(state)},
      {m, "sock_accept", sig("iii"), on_fd(kNosys)},
      {m, "sock_recv", sig("iiiiii"), on_fd(kNosys)},
      {m, "sock_send", sig("iiiii"), on_fd(kNosys)},
      {m, "sock_shutdown", sig("ii"), on_fd(kNosys)},
  };
  return fns;
}

}  // namespace awmg::wasm
