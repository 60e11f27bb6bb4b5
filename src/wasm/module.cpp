#include "wasm/module.hpp"

#include "wasm/instrument.hpp"
#include "wasm/wabt_interp.hpp"

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/cast.h>
#include <wabt/error-formatter.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

#include "base/digest.hpp"

namespace awmg::wasm {
namespace {

ValType val_type(wabt::Type type) {
  switch (type) {
    case wabt::Type::I32:
      return ValType::kI32;
    case wabt::Type::I64:
      return ValType::kI64;
    case wabt::Type::F32:
      return ValType::kF32;
    case wabt::Type::F64:
      return ValType::kF64;
    default:
      return ValType::kOther;
  }
}

Signature signature_of(const wabt::FuncSignature& sig) {
  Signature out;
  for (auto type : sig.param_types) out.params.push_back(val_type(type));
  for (auto type : sig.result_types) out.results.push_back(val_type(type));
  return out;
}

ExternKind extern_kind(wabt::ExternalKind kind) {
  switch (kind) {
    case wabt::ExternalKind::Func:
      return ExternKind::kFunc;
    case wabt::ExternalKind::Table:
      return ExternKind::kTable;
    case wabt::ExternalKind::Memory:
      return ExternKind::kMemory;
    case wabt::ExternalKind::Global:
      return ExternKind::kGlobal;
    default:
      return ExternKind::kTag;
  }
}

ModuleInfo describe(const wabt::Module& module) {
  ModuleInfo info;
  for (const wabt::Import* import : module.imports) {
    ImportInfo entry{import->module_name, import->field_name, extern_kind(import->kind()), {}};
    if (auto* func = wabt::dyn_cast<wabt::FuncImport>(import))
      entry.signature = signature_of(func->func.decl.sig);
    info.imports.push_back(std::move(entry));
  }
  for (const wabt::Export* exp : module.exports) {
    ExportInfo entry{exp->name, extern_kind(exp->kind), {}};
    if (exp->kind == wabt::ExternalKind::Func)
      entry.signature = signature_of(module.GetFunc(exp->var)->decl.sig);
    info.exports.push_back(std::move(entry));
  }
  if (!module.memories.empty()) {
    const wabt::Limits& limits = module.memories[0]->page_limits;
    info.has_memory = true;
    info.memory_min_pages = limits.initial;
    if (limits.has_max) info.memory_max_pages = limits.max;
  }
  info.has_start = !module.starts.empty();
  return info;
}

Status check_memory_limits(const ModuleInfo& info) {
  auto over = [](const char* which, uint64_t pages) {
    return Error{std::string("memory ") + which + " of " + std::to_string(pages) +
                 " pages is over the host limit of 512 pages (32 MiB)"};
  };
  if (info.memory_min_pages > kMaxMemoryPages) return over("min", info.memory_min_pages);
  if (info.memory_max_pages && *info.memory_max_pages > kMaxMemoryPages)
    return over("max", *info.memory_max_pages);
  return ok_status();
}

// wasm2c names C items after imports and exports with every other character turned into '_', so an export
// "__awmg-interrupt" would take the C name of the host's interrupt flag.
std::string c_legal(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

Status check_reserved_names(const ModuleInfo& info) {
  for (const auto& exp : info.exports) {
    if (c_legal(exp.name) == kInterruptExport || c_legal(exp.name) == kMemoryExport ||
        c_legal(exp.name) == kStartExport)
      return Error{"export name \"" + exp.name + "\" is reserved by the host"};
  }
  for (const auto& import : info.imports) {
    if (c_legal(import.module) == kHostModule)
      return Error{"import module \"" + import.module + "\" is reserved by the host"};
  }
  return ok_status();
}

Status check_table_limits(const wabt::Module& module) {
  for (const wabt::Table* table : module.tables) {
    const wabt::Limits& limits = table->elem_limits;
    if (limits.initial > kMaxTableElements)
      return Error{"table of " + std::to_string(limits.initial) + " elements is over the host limit of " +
                   std::to_string(kMaxTableElements)};
  }
  return ok_status();
}

Result<std::string> write_binary(const wabt::Module& module) {
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions options;
  options.features = wabt::Features();
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &module, options)))
    return Error{"cannot re-encode the instrumented module"};
  const auto& data = stream.output_buffer().data;
  return std::string(data.begin(), data.end());
}

}  // namespace

const char* val_type_name(ValType type) {
  switch (type) {
    case ValType::kI32:
      return "i32";
    case ValType::kI64:
      return "i64";
    case ValType::kF32:
      return "f32";
    case ValType::kF64:
      return "f64";
    default:
      return "ref";
  }
}

std::string Signature::to_string() const {
  auto list = [](const std::vector<ValType>& types) {
    std::string out = "[";
    for (size_t i = 0; i < types.size(); ++i) out += (i ? "," : "") + std::string(val_type_name(types[i]));
    return out + "]";
  };
  return list(params) + "->" + list(results);
}

const char* extern_kind_name(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc:
      return "func";
    case ExternKind::kTable:
      return "table";
    case ExternKind::kMemory:
      return "memory";
    case ExternKind::kGlobal:
      return "global";
    default:
      return "tag";
  }
}

const ExportInfo* ModuleInfo::find_export(std::string_view name) const {
  for (const auto& exp : exports) {
    if (exp.name == name) return &exp;
  }
  return nullptr;
}

const ExportInfo* ModuleInfo::find_function(std::string_view name) const {
  const ExportInfo* exp = find_export(name);
  return exp && exp->kind == ExternKind::kFunc ? exp : nullptr;
}

Result<std::shared_ptr<const Module>> Module::load(std::string_view bytes) {
  if (bytes.empty()) return Error{"empty module bytes"};
  // wabt's IR reader asserts (aborting the process) on some malformed function bodies, which the
  // interpreter's reader, validating as it reads, refuses with an error: it goes first (found by
  // fuzz/fuzz_wasm.cpp).
  std::string refused;
  if (!wabt_interp::parse(std::string(bytes), &refused))
    return Error{refused.empty() ? "invalid module" : refused};
  wabt::Module ir;
  wabt::Errors errors;
  wabt::ReadBinaryOptions read_options;
  read_options.fail_on_custom_section_error = false;
  if (wabt::Failed(
          wabt::ReadBinaryIr("guard.wasm", bytes.data(), bytes.size(), read_options, &errors, &ir)) ||
      wabt::Failed(wabt::ValidateModule(&ir, &errors, wabt::ValidateOptions()))) {
    std::string text = wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return Error{text.empty() ? "invalid module" : text};
  }
  auto module = std::make_shared<Module>();
  module->info_ = describe(ir);
  AWMG_CHECK(check_memory_limits(module->info_));
  AWMG_CHECK(check_reserved_names(module->info_));
  AWMG_CHECK(check_table_limits(ir));
  module->bytes_ = std::string(bytes);
  module->sha256_ = base::sha256_hex(bytes);
  module->memory_export_ = instrument(ir, InterruptCheck::kPoll);
  AWMG_TRY(module->instrumented_, write_binary(ir));
  return std::shared_ptr<const Module>(std::move(module));
}

}  // namespace awmg::wasm
