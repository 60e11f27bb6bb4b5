#include "wasm/module.hpp"

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

// wasm2c names C items after exports with every other character turned into '_', so "__awmg-interrupt" would
// take the C name of the host's interrupt flag.
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
  return ok_status();
}

// Table sizes the host accepts: an interpreter table is a vector, so a huge one would exhaust memory.
constexpr uint64_t kMaxTableElements = 1u << 20;

Status check_table_limits(const wabt::Module& module) {
  for (const wabt::Table* table : module.tables) {
    const wabt::Limits& limits = table->elem_limits;
    if (limits.initial > kMaxTableElements)
      return Error{"table of " + std::to_string(limits.initial) + " elements is over the host limit of " +
                   std::to_string(kMaxTableElements)};
  }
  return ok_status();
}

void cap_tables(wabt::Module& module) {
  for (wabt::Table* table : module.tables) {
    wabt::Limits& limits = table->elem_limits;
    if (!limits.has_max || limits.max > kMaxTableElements) {
      limits.has_max = true;
      limits.max = kMaxTableElements;
    }
  }
}

// `global.get $interrupt; if; unreachable; end`
void prepend_interrupt_check(wabt::ExprList& exprs, wabt::Index global) {
  auto check = std::make_unique<wabt::IfExpr>();
  check->true_.exprs.push_back(std::make_unique<wabt::UnreachableExpr>());
  exprs.push_front(std::move(check));
  exprs.push_front(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(global, wabt::Location())));
}

void instrument_loops(wabt::ExprList& exprs, wabt::Index global) {
  for (wabt::Expr& expr : exprs) {
    switch (expr.type()) {
      case wabt::ExprType::Loop: {
        auto& loop = wabt::cast<wabt::LoopExpr>(&expr)->block;
        instrument_loops(loop.exprs, global);
        prepend_interrupt_check(loop.exprs, global);
        break;
      }
      case wabt::ExprType::Block:
        instrument_loops(wabt::cast<wabt::BlockExpr>(&expr)->block.exprs, global);
        break;
      case wabt::ExprType::If: {
        auto* branch = wabt::cast<wabt::IfExpr>(&expr);
        instrument_loops(branch->true_.exprs, global);
        instrument_loops(branch->false_, global);
        break;
      }
      case wabt::ExprType::Try: {
        auto* attempt = wabt::cast<wabt::TryExpr>(&expr);
        instrument_loops(attempt->block.exprs, global);
        for (auto& handler : attempt->catches) instrument_loops(handler.exprs, global);
        break;
      }
      default:
        break;
    }
  }
}

void add_export(wabt::Module& module, std::string_view name, wabt::ExternalKind kind, wabt::Index index) {
  auto field = std::make_unique<wabt::ExportModuleField>();
  field->export_.name = std::string(name);
  field->export_.kind = kind;
  field->export_.var = wabt::Var(index, wabt::Location());
  module.AppendField(std::move(field));
}

// Returns the name under which the memory is exported (empty when there is no memory).
std::string instrument_memory(wabt::Module& module) {
  if (module.memories.empty()) return "";
  wabt::Limits& limits = module.memories[0]->page_limits;
  if (!limits.has_max) {
    limits.has_max = true;
    limits.max = kMaxMemoryPages;
  }
  for (const wabt::Export* exp : module.exports) {
    if (exp->kind == wabt::ExternalKind::Memory) return exp->name;
  }
  add_export(module, kMemoryExport, wabt::ExternalKind::Memory, 0);
  return std::string(kMemoryExport);
}

// The start function becomes an export the host calls itself, so a start function that never returns can be
// interrupted like any other call.
void export_start(wabt::Module& module) {
  if (module.starts.empty()) return;
  wabt::Index start = module.GetFuncIndex(*module.starts.front());
  for (auto it = module.fields.begin(); it != module.fields.end(); ++it) {
    if (it->type() == wabt::ModuleFieldType::Start) {
      module.fields.erase(it);
      break;
    }
  }
  module.starts.clear();
  add_export(module, kStartExport, wabt::ExternalKind::Func, start);
}

void instrument_interrupts(wabt::Module& module) {
  auto field = std::make_unique<wabt::GlobalModuleField>();
  field->global.type = wabt::Type::I32;
  field->global.mutable_ = true;
  field->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I32(0)));
  module.AppendField(std::move(field));
  auto global = static_cast<wabt::Index>(module.globals.size() - 1);
  add_export(module, kInterruptExport, wabt::ExternalKind::Global, global);
  for (wabt::Index i = module.num_func_imports; i < module.funcs.size(); ++i) {
    wabt::Func& func = *module.funcs[i];
    instrument_loops(func.exprs, global);
    prepend_interrupt_check(func.exprs, global);
  }
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
  module->sha256_ = base::sha256_hex(bytes);
  module->memory_export_ = instrument_memory(ir);
  cap_tables(ir);
  export_start(ir);
  instrument_interrupts(ir);
  AWMG_TRY(module->instrumented_, write_binary(ir));
  return std::shared_ptr<const Module>(std::move(module));
}

}  // namespace awmg::wasm
