#pragma once
// The seam to wabt's interpreter. wabt 1.0.32's interpreter headers do not compile as C++20 with GCC 12 (a
// template-id destructor), so wabt_interp.cpp is the one C++17 file of the project, and this header stays
// C++17: plain types only.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace awmg::wasm::wabt_interp {

// One import as the interpreter calls it. Returns false and sets `trap` to stop the guest.
struct Import {
  std::vector<bool> param_is_i64;
  bool has_result = false;
  bool result_is_i64 = false;
  std::function<bool(const uint64_t* args, uint64_t* result, std::string* trap)> call;
};

class Parsed;  // a module parsed once into wabt's description
std::shared_ptr<const Parsed> parse(const std::string& bytes, std::string* error);

class Machine {
 public:
  // Instantiates (running the start section); null with `error` set on failure.
  static std::unique_ptr<Machine> instantiate(const std::shared_ptr<const Parsed>& parsed,
                                              std::vector<Import> imports, std::string* error);
  virtual ~Machine() = default;
  // Calls an exported function; false with `trap` set when the guest traps.
  virtual bool call(const std::string& name, const uint64_t* args, size_t count,
                    std::vector<uint64_t>* results, std::string* trap) = 0;
  virtual bool has_function(const std::string& name) const = 0;
  virtual void memory(const std::string& export_name, uint8_t** data, uint64_t* size) = 0;
  virtual bool grow_memory(const std::string& export_name, uint32_t pages, uint32_t* old_pages) = 0;
};

}  // namespace awmg::wasm::wabt_interp
