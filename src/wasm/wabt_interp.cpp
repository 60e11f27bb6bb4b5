#include "wasm/wabt_interp.hpp"

#include <map>

#include <wabt/binary-reader.h>
#include <wabt/error-formatter.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>

namespace awmg::wasm::wabt_interp {

namespace interp = wabt::interp;

class Parsed {
 public:
  interp::ModuleDesc desc;
};

namespace {

uint64_t slot_of(interp::ValueType type, const interp::Value& value) {
  return type == interp::ValueType::I64 ? value.Get<uint64_t>() : value.Get<uint32_t>();
}

interp::Value value_of(interp::ValueType type, uint64_t raw) {
  return type == interp::ValueType::I64 ? interp::Value::Make(raw)
                                        : interp::Value::Make(static_cast<uint32_t>(raw));
}

class WabtMachine final : public Machine {
 public:
  WabtMachine(const Parsed& parsed, std::vector<Import> imports)
      : store_(wabt::Features()),
        thread_(std::make_unique<interp::Thread>(store_)),
        imports_(std::move(imports)) {
    module_ = interp::Module::New(store_, interp::ModuleDesc(parsed.desc));
  }

  bool instantiate(std::string* error) {
    interp::RefVec refs;
    const auto& import_types = module_->desc().imports;
    for (size_t i = 0; i < imports_.size() && i < import_types.size(); ++i) {
      auto type = *wabt::cast<interp::FuncType>(import_types[i].type.type.get());
      refs.push_back(interp::HostFunc::New(store_, type, callback(imports_[i])).ref());
    }
    interp::Trap::Ptr trap;
    instance_ = interp::Instance::Instantiate(store_, module_.ref(), refs, &trap);
    if (!instance_) {
      *error = trap ? trap->message() : "instantiation failed";
      return false;
    }
    const auto& exports = module_->export_types();
    for (size_t i = 0; i < exports.size(); ++i) exports_.emplace(exports[i].name, instance_->exports()[i]);
    return true;
  }

  bool call(const std::string& name, const uint64_t* args, size_t count, std::vector<uint64_t>* results,
            std::string* trap_message) override {
    auto it = exports_.find(name);
    interp::Func::Ptr func;
    if (it == exports_.end() || !store_.Is<interp::Func>(it->second)) {
      *trap_message = "no exported function " + name;
      return false;
    }
    func = store_.UnsafeGet<interp::Func>(it->second);
    const auto& type = func->type();
    interp::Values params;
    for (size_t i = 0; i < type.params.size(); ++i)
      params.push_back(value_of(type.params[i], i < count ? args[i] : 0));
    interp::Values values;
    interp::Trap::Ptr trap;
    // A trap (or an exception: bad_alloc growing a table) leaves its frames on the thread, and the next call
    // would return into them: a fresh thread.
    wabt::Result called;
    try {
      called = func->Call(*thread_, params, values, &trap);
    } catch (...) {
      thread_ = std::make_unique<interp::Thread>(store_);
      throw;
    }
    if (wabt::Failed(called)) {
      *trap_message = trap ? trap->message() : "unknown trap";
      thread_ = std::make_unique<interp::Thread>(store_);
      return false;
    }
    for (size_t i = 0; i < values.size(); ++i) results->push_back(slot_of(type.results[i], values[i]));
    return true;
  }

  bool has_function(const std::string& name) const override {
    auto it = exports_.find(name);
    return it != exports_.end();
  }

  void memory(const std::string& export_name, uint8_t** data, uint64_t* size) override {
    *data = nullptr;
    *size = 0;
    if (auto memory = find<interp::Memory>(export_name)) {
      *data = memory->UnsafeData();
      *size = memory->ByteSize();
    }
  }

  bool grow_memory(const std::string& export_name, uint32_t pages, uint32_t* old_pages) override {
    auto memory = find<interp::Memory>(export_name);
    if (!memory) return false;
    *old_pages = static_cast<uint32_t>(memory->ByteSize() / 65536);
    return wabt::Succeeded(memory->Grow(pages));
  }

 private:
  template <typename T>
  interp::RefPtr<T> find(const std::string& name) {
    auto it = exports_.find(name);
    if (it == exports_.end() || !store_.Is<T>(it->second)) return {};
    return store_.UnsafeGet<T>(it->second);
  }

  interp::HostFunc::Callback callback(const Import& import) {
    return [this, &import](interp::Thread&, const interp::Values& params, interp::Values& results,
                           interp::Trap::Ptr* out_trap) -> wabt::Result {
      uint64_t args[16] = {};
      for (size_t i = 0; i < params.size() && i < 16; ++i) {
        bool wide = i < import.param_is_i64.size() && import.param_is_i64[i];
        args[i] = wide ? params[i].Get<uint64_t>() : params[i].Get<uint32_t>();
      }
      uint64_t result = 0;
      std::string trap;
      if (!import.call(args, &result, &trap)) {
        *out_trap = interp::Trap::New(store_, trap);
        return wabt::Result::Error;
      }
      if (import.has_result) {
        results.resize(1);
        results[0] = import.result_is_i64 ? interp::Value::Make(result)
                                          : interp::Value::Make(static_cast<uint32_t>(result));
      }
      return wabt::Result::Ok;
    };
  }

  interp::Store store_;
  std::unique_ptr<interp::Thread> thread_;
  std::vector<Import> imports_;  // callbacks point into it: never resized after construction
  interp::Module::Ptr module_;
  interp::Instance::Ptr instance_;
  std::map<std::string, interp::Ref> exports_;
};

}  // namespace

std::shared_ptr<const Parsed> parse(const std::string& bytes, std::string* error) {
  auto parsed = std::make_shared<Parsed>();
  wabt::Errors errors;
  wabt::ReadBinaryOptions options;
  options.fail_on_custom_section_error =
      false;  // as the module checks read it: custom sections carry no code
  if (wabt::Failed(interp::ReadBinaryInterp("guard.wasm", bytes.data(), bytes.size(), options, &errors,
                                            &parsed->desc))) {
    *error = wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
    while (!error->empty() && error->back() == '\n') error->pop_back();
    return nullptr;
  }
  return parsed;
}

std::unique_ptr<Machine> Machine::instantiate(const std::shared_ptr<const Parsed>& parsed,
                                              std::vector<Import> imports, std::string* error) {
  auto machine = std::make_unique<WabtMachine>(*parsed, std::move(imports));
  if (!machine->instantiate(error)) return nullptr;
  return machine;
}

}  // namespace awmg::wasm::wabt_interp
