#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awmg::wasm {

enum class ValType : uint8_t { kI32, kI64, kF32, kF64, kOther };
const char* val_type_name(ValType type);

struct Signature {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const Signature&) const = default;
  std::string to_string() const;  // "[i32,i32]->[i32]", the shape upstream's errors print
};

// A guard's linear memory as the host sees it. Valid until the guest runs again: memory.grow may move it.
struct LinearMemory {
  uint8_t* data = nullptr;
  uint64_t size = 0;

  bool in_bounds(uint64_t ptr, uint64_t len) const { return data && ptr <= size && len <= size - ptr; }
  std::optional<std::string_view> read(uint64_t ptr, uint64_t len) const {
    if (!in_bounds(ptr, len)) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(data + ptr), len);
  }
  bool write(uint64_t ptr, std::string_view bytes) const {
    if (!in_bounds(ptr, bytes.size())) return false;
    if (!bytes.empty()) std::memcpy(data + ptr, bytes.data(), bytes.size());
    return true;
  }
  bool store_u32(uint64_t ptr, uint32_t value) const {  // little-endian, as wasm stores it
    uint8_t bytes[4] = {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)};
    return write(ptr, std::string_view(reinterpret_cast<const char*>(bytes), 4));
  }
  std::optional<uint32_t> load_u32(uint64_t ptr) const {
    if (!in_bounds(ptr, 4)) return std::nullopt;
    const uint8_t* p = data + ptr;
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  }
  bool store_u64(uint64_t ptr, uint64_t value) const {
    return store_u32(ptr, uint32_t(value)) && store_u32(ptr + 4, uint32_t(value >> 32));
  }
};

// What a host function sees of the instance that called it.
class Caller {
 public:
  virtual ~Caller() = default;
  virtual LinearMemory memory() = 0;
};

// A host function's answer: a value, or a request to end the guest (WASI proc_exit).
struct HostReturn {
  uint64_t value = 0;
  std::optional<uint32_t> exit_code;
};

// One import the host provides. Arguments arrive as raw 64-bit slots (i32 zero-extended).
struct HostFunction {
  std::string module;
  std::string name;
  Signature signature;
  std::function<HostReturn(Caller&, const uint64_t* args)> call;
};
using HostFunctions = std::vector<HostFunction>;

}  // namespace awmg::wasm
