#include "wasm/instrument.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include <wabt/cast.h>
#include <wabt/expr-visitor.h>
#include <wabt/ir.h>

#include "wasm/module.hpp"

namespace awmg::wasm {
namespace {

void cap_tables(wabt::Module& module) {
  for (wabt::Table* table : module.tables) {
    wabt::Limits& limits = table->elem_limits;
    if (!limits.has_max || limits.max > kMaxTableElements) {
      limits.has_max = true;
      limits.max = kMaxTableElements;
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

// Every reference to a function at index `from` or above moves up one, making room for an import there.
class ShiftFunctionReferences : public wabt::ExprVisitor::DelegateNop {
 public:
  explicit ShiftFunctionReferences(wabt::Index from) : from_(from) {}

  void shift(wabt::Var& var) const {
    if (var.is_index() && var.index() >= from_) var.set_index(var.index() + 1);
  }
  wabt::Result OnCallExpr(wabt::CallExpr* expr) override { return shifted(expr->var); }
  wabt::Result OnReturnCallExpr(wabt::ReturnCallExpr* expr) override { return shifted(expr->var); }
  wabt::Result OnRefFuncExpr(wabt::RefFuncExpr* expr) override { return shifted(expr->var); }

 private:
  wabt::Result shifted(wabt::Var& var) const {
    shift(var);
    return wabt::Result::Ok;
  }
  wabt::Index from_;
};

void shift_function_references(wabt::Module& module, wabt::Index from) {
  ShiftFunctionReferences shift(from);
  wabt::ExprVisitor visitor(&shift);
  for (wabt::Func* func : module.funcs) visitor.VisitFunc(func);
  for (wabt::Global* global : module.globals) visitor.VisitExprList(global->init_expr);
  for (wabt::ElemSegment* segment : module.elem_segments) {
    visitor.VisitExprList(segment->offset);
    for (wabt::ExprList& elem : segment->elem_exprs) visitor.VisitExprList(elem);
  }
  for (wabt::Export* exp : module.exports) {
    if (exp->kind == wabt::ExternalKind::Func) shift.shift(exp->var);
  }
  for (wabt::Var* start : module.starts) shift.shift(*start);
  for (auto& [name, binding] : module.func_bindings) {
    if (binding.index >= from) ++binding.index;
  }
}

wabt::Index poll_type(wabt::Module& module) {
  wabt::FuncSignature sig;
  sig.result_types.push_back(wabt::Type::I32);
  wabt::Index index = module.GetFuncTypeIndex(sig);
  if (index != wabt::kInvalidIndex) return index;
  auto type = std::make_unique<wabt::FuncType>();
  type->sig = sig;
  auto field = std::make_unique<wabt::TypeModuleField>();
  field->type = std::move(type);
  module.AppendField(std::move(field));
  return static_cast<wabt::Index>(module.types.size() - 1);
}

// Adds `(import "__awmg" "poll" (func (result i32)))` after the module's own function imports; returns its
// function index.
wabt::Index add_poll_import(wabt::Module& module) {
  const wabt::Index index = module.num_func_imports;
  shift_function_references(module, index);
  auto import = std::make_unique<wabt::FuncImport>();
  import->module_name = std::string(kHostModule);
  import->field_name = std::string(kPollImport);
  import->func.decl.has_func_type = true;
  import->func.decl.type_var = wabt::Var(poll_type(module), wabt::Location());
  import->func.decl.sig.result_types.push_back(wabt::Type::I32);
  module.AppendField(std::make_unique<wabt::ImportModuleField>(std::move(import)));
  // AppendField puts the import's function last; the index space has imports first.
  std::rotate(module.funcs.begin() + index, module.funcs.end() - 1, module.funcs.end());
  return index;
}

wabt::Index add_i32_global(wabt::Module& module) {
  auto field = std::make_unique<wabt::GlobalModuleField>();
  field->global.type = wabt::Type::I32;
  field->global.mutable_ = true;
  field->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I32(0)));
  module.AppendField(std::move(field));
  return static_cast<wabt::Index>(module.globals.size() - 1);
}

wabt::Var var(wabt::Index index) {
  return wabt::Var(index, wabt::Location());
}

template <typename E, typename... Args>
void emit(wabt::ExprList& out, Args&&... args) {
  out.push_back(std::make_unique<E>(std::forward<Args>(args)...));
}

// How many bits of a bulk operation's count (on top of the stack) make one unit of budget, about 64 KiB of
// work: bytes for memory, elements for tables, pages for memory.grow. Null for any other instruction.
std::optional<uint32_t> bulk_shift(wabt::ExprType type) {
  switch (type) {
    case wabt::ExprType::MemoryCopy:
    case wabt::ExprType::MemoryFill:
    case wabt::ExprType::MemoryInit:
      return 16;
    case wabt::ExprType::TableCopy:
    case wabt::ExprType::TableFill:
    case wabt::ExprType::TableInit:
    case wabt::ExprType::TableGrow:
      return 13;
    case wabt::ExprType::MemoryGrow:
      return 0;
    default:
      return std::nullopt;
  }
}

// The interrupt checks of one tier, as instruction sequences to insert: at every function entry and loop
// header, and before every bulk memory or table operation (one of which may copy 32 MiB).
class Checks {
 public:
  Checks(wabt::Module& module, InterruptCheck kind) : kind_(kind), global_(add_i32_global(module)) {
    if (kind == InterruptCheck::kFlag)
      add_export(module, kInterruptExport, wabt::ExternalKind::Global, global_);
    else
      poll_ = add_poll_import(module);
  }

  // At a function entry or loop header guarding `size` instructions up to the next check:
  //   kFlag: global.get $flag  if  unreachable  end
  //   kPoll: spends a unit per kInstructionsPerUnit instructions, at least one (see spend()).
  wabt::ExprList step(size_t size) const {
    const auto units = static_cast<uint32_t>(1 + size / kInstructionsPerUnit);
    return spend(
        [units] {
          wabt::ExprList out;
          emit<wabt::ConstExpr>(out, wabt::Const::I32(units));
          return out;
        },
        units == 1);
  }

  // Before a bulk operation; kPoll spends a unit per 2^shift of its count, which it keeps in `scratch`, an
  // i32 local of the function:  local.set $n  <spend>  local.get $n,  the cost being
  //   local.get $n  i32.const shift  i32.shr_u  i32.const 1  i32.add
  wabt::ExprList bulk(uint32_t shift, const std::function<wabt::Index()>& scratch) const {
    if (kind_ == InterruptCheck::kFlag) return step(0);
    const wabt::Index n = scratch();
    wabt::ExprList out;
    emit<wabt::LocalSetExpr>(out, var(n));
    out.splice(out.end(), spend(
                              [n, shift] {
                                wabt::ExprList cost;
                                emit<wabt::LocalGetExpr>(cost, var(n));
                                emit<wabt::ConstExpr>(cost, wabt::Const::I32(shift));
                                emit<wabt::BinaryExpr>(cost, wabt::Opcode::I32ShrU);
                                emit<wabt::ConstExpr>(cost, wabt::Const::I32(1));
                                emit<wabt::BinaryExpr>(cost, wabt::Opcode::I32Add);
                                return cost;
                              },
                              false));
    emit<wabt::LocalGetExpr>(out, var(n));
    return out;
  }

 private:
  // About 64 interpreted instructions make a unit of budget, as 64 KiB of bulk work does.
  static constexpr size_t kInstructionsPerUnit = 64;

  // kFlag: global.get $flag  if  unreachable  end
  // kPoll: global.get $budget  [<cost>  i32.gt_u]
  //        if    global.get $budget  <cost>  i32.sub  global.set $budget
  //        else  call $poll  global.set $budget
  //        end
  // The compare is left out when the cost is the constant 1: the budget is then simply not zero.
  wabt::ExprList spend(const std::function<wabt::ExprList()>& cost, bool unit) const {
    wabt::ExprList out;
    auto branch = std::make_unique<wabt::IfExpr>();
    emit<wabt::GlobalGetExpr>(out, var(global_));
    if (kind_ == InterruptCheck::kFlag) {
      emit<wabt::UnreachableExpr>(branch->true_.exprs);
      out.push_back(std::move(branch));
      return out;
    }
    if (!unit) {
      out.splice(out.end(), cost());
      emit<wabt::BinaryExpr>(out, wabt::Opcode::I32GtU);
    }
    wabt::ExprList& pay = branch->true_.exprs;
    emit<wabt::GlobalGetExpr>(pay, var(global_));
    pay.splice(pay.end(), cost());
    emit<wabt::BinaryExpr>(pay, wabt::Opcode::I32Sub);
    emit<wabt::GlobalSetExpr>(pay, var(global_));
    emit<wabt::CallExpr>(branch->false_, var(poll_));
    emit<wabt::GlobalSetExpr>(branch->false_, var(global_));
    out.push_back(std::move(branch));
    return out;
  }

  InterruptCheck kind_;
  wabt::Index global_;  // kFlag: the interrupt flag; kPoll: the budget counting down
  wabt::Index poll_ = 0;
};

// The instructions of `exprs`, nested blocks included, loops counted as one (their bodies have checks of
// their own): what may run between one check and the next.
size_t straight_size(wabt::ExprList& exprs) {
  size_t size = 0;
  for (wabt::Expr& expr : exprs) {
    ++size;
    switch (expr.type()) {
      case wabt::ExprType::Block:
        size += straight_size(wabt::cast<wabt::BlockExpr>(&expr)->block.exprs);
        break;
      case wabt::ExprType::If: {
        auto* branch = wabt::cast<wabt::IfExpr>(&expr);
        size += straight_size(branch->true_.exprs) + straight_size(branch->false_);
        break;
      }
      case wabt::ExprType::Try: {
        auto* attempt = wabt::cast<wabt::TryExpr>(&expr);
        size += straight_size(attempt->block.exprs);
        for (auto& handler : attempt->catches) size += straight_size(handler.exprs);
        break;
      }
      default:
        break;
    }
  }
  return size;
}

// Inserts the checks into one function body.
class FunctionChecks {
 public:
  FunctionChecks(const Checks& checks, wabt::Func& func) : checks_(checks), func_(func) {}

  void add() {
    const size_t size = straight_size(func_.exprs);
    add_within(func_.exprs);
    func_.exprs.splice(func_.exprs.begin(), checks_.step(size));
  }

 private:
  void add_within(wabt::ExprList& exprs) {
    for (auto it = exprs.begin(); it != exprs.end(); ++it) {
      switch (it->type()) {
        case wabt::ExprType::Loop: {
          wabt::ExprList& body = wabt::cast<wabt::LoopExpr>(&*it)->block.exprs;
          const size_t size = straight_size(body);
          add_within(body);
          body.splice(body.begin(), checks_.step(size));
          break;
        }
        case wabt::ExprType::Block:
          add_within(wabt::cast<wabt::BlockExpr>(&*it)->block.exprs);
          break;
        case wabt::ExprType::If: {
          auto* branch = wabt::cast<wabt::IfExpr>(&*it);
          add_within(branch->true_.exprs);
          add_within(branch->false_);
          break;
        }
        case wabt::ExprType::Try: {
          auto* attempt = wabt::cast<wabt::TryExpr>(&*it);
          add_within(attempt->block.exprs);
          for (auto& handler : attempt->catches) add_within(handler.exprs);
          break;
        }
        default:
          if (auto shift = bulk_shift(it->type()))
            exprs.splice(it, checks_.bulk(*shift, [this] { return scratch(); }));
          break;
      }
    }
  }

  // An i32 local added once to the function: new locals go last, so no other index moves.
  wabt::Index scratch() {
    if (!scratch_) {
      scratch_ = func_.GetNumParamsAndLocals();
      func_.local_types.AppendDecl(wabt::Type::I32, 1);
    }
    return *scratch_;
  }

  const Checks& checks_;
  wabt::Func& func_;
  std::optional<wabt::Index> scratch_;
};

void add_interrupt_checks(wabt::Module& module, InterruptCheck kind) {
  const Checks checks(module, kind);
  for (wabt::Index i = module.num_func_imports; i < module.funcs.size(); ++i)
    FunctionChecks(checks, *module.funcs[i]).add();
}

}  // namespace

std::string instrument(wabt::Module& module, InterruptCheck check) {
  std::string memory = instrument_memory(module);
  cap_tables(module);
  export_start(module);
  add_interrupt_checks(module, check);
  return memory;
}

}  // namespace awmg::wasm
