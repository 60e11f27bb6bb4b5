#include "wasm/instrument.hpp"

#include <algorithm>
#include <memory>

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

// What the check at a function entry or loop header reads.
struct Check {
  InterruptCheck kind;
  wabt::Index global;  // kFlag: the interrupt flag; kPoll: the budget counting down
  wabt::Index poll;    // kPoll: the host function asked when the budget reaches zero
};

// global.get $flag  if  unreachable  end
void prepend_flag_check(wabt::ExprList& exprs, wabt::Index flag) {
  auto check = std::make_unique<wabt::IfExpr>();
  check->true_.exprs.push_back(std::make_unique<wabt::UnreachableExpr>());
  exprs.push_front(std::move(check));
  exprs.push_front(std::make_unique<wabt::GlobalGetExpr>(var(flag)));
}

// global.get $budget
// if
//   global.get $budget  i32.const 1  i32.sub  global.set $budget
// else
//   call $poll  global.set $budget
// end
void prepend_poll_check(wabt::ExprList& exprs, wabt::Index budget, wabt::Index poll) {
  auto check = std::make_unique<wabt::IfExpr>();
  wabt::ExprList& count_down = check->true_.exprs;
  count_down.push_back(std::make_unique<wabt::GlobalGetExpr>(var(budget)));
  count_down.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I32(1)));
  count_down.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I32Sub));
  count_down.push_back(std::make_unique<wabt::GlobalSetExpr>(var(budget)));
  check->false_.push_back(std::make_unique<wabt::CallExpr>(var(poll)));
  check->false_.push_back(std::make_unique<wabt::GlobalSetExpr>(var(budget)));
  exprs.push_front(std::move(check));
  exprs.push_front(std::make_unique<wabt::GlobalGetExpr>(var(budget)));
}

void prepend_check(wabt::ExprList& exprs, const Check& check) {
  if (check.kind == InterruptCheck::kFlag) return prepend_flag_check(exprs, check.global);
  prepend_poll_check(exprs, check.global, check.poll);
}

void check_loops(wabt::ExprList& exprs, const Check& check) {
  for (wabt::Expr& expr : exprs) {
    switch (expr.type()) {
      case wabt::ExprType::Loop: {
        auto& loop = wabt::cast<wabt::LoopExpr>(&expr)->block;
        check_loops(loop.exprs, check);
        prepend_check(loop.exprs, check);
        break;
      }
      case wabt::ExprType::Block:
        check_loops(wabt::cast<wabt::BlockExpr>(&expr)->block.exprs, check);
        break;
      case wabt::ExprType::If: {
        auto* branch = wabt::cast<wabt::IfExpr>(&expr);
        check_loops(branch->true_.exprs, check);
        check_loops(branch->false_, check);
        break;
      }
      case wabt::ExprType::Try: {
        auto* attempt = wabt::cast<wabt::TryExpr>(&expr);
        check_loops(attempt->block.exprs, check);
        for (auto& handler : attempt->catches) check_loops(handler.exprs, check);
        break;
      }
      default:
        break;
    }
  }
}

// Whether a function body has a loop or a call. One with neither runs straight through in a time its size
// bounds (branches out of blocks only go forward), so its entry needs no check.
class FindsRepetition : public wabt::ExprVisitor::DelegateNop {
 public:
  bool found = false;
  wabt::Result BeginLoopExpr(wabt::LoopExpr*) override { return stop(); }
  wabt::Result OnCallExpr(wabt::CallExpr*) override { return stop(); }
  wabt::Result OnCallIndirectExpr(wabt::CallIndirectExpr*) override { return stop(); }
  wabt::Result OnCallRefExpr(wabt::CallRefExpr*) override { return stop(); }
  wabt::Result OnReturnCallExpr(wabt::ReturnCallExpr*) override { return stop(); }
  wabt::Result OnReturnCallIndirectExpr(wabt::ReturnCallIndirectExpr*) override { return stop(); }

 private:
  wabt::Result stop() {
    found = true;
    return wabt::Result::Error;  // ends the walk
  }
};

bool can_repeat(wabt::Func& func) {
  FindsRepetition finder;
  wabt::ExprVisitor(&finder).VisitFunc(&func);
  return finder.found;
}

void add_interrupt_checks(wabt::Module& module, InterruptCheck kind) {
  Check check{kind, add_i32_global(module), 0};
  if (kind == InterruptCheck::kFlag)
    add_export(module, kInterruptExport, wabt::ExternalKind::Global, check.global);
  else
    check.poll = add_poll_import(module);
  for (wabt::Index i = module.num_func_imports; i < module.funcs.size(); ++i) {
    wabt::Func& func = *module.funcs[i];
    if (!can_repeat(func)) continue;
    check_loops(func.exprs, check);
    prepend_check(func.exprs, check);
  }
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
