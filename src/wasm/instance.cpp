#include "wasm/instance.hpp"

namespace awmg::wasm {

const char* tier_name(Tier tier) {
  return tier == Tier::kNative ? "native" : "interpreter";
}

Result<std::vector<const HostFunction*>> resolve_imports(const ModuleInfo& module,
                                                         const HostFunctions& host) {
  std::vector<const HostFunction*> resolved;
  for (const ImportInfo& import : module.imports) {
    std::string where = "import " + std::string(extern_kind_name(import.kind)) + "[" + import.module + "." +
                        import.name + "]";
    if (import.kind != ExternKind::kFunc)
      return Error{where + ": the host exports no such " + extern_kind_name(import.kind)};
    const HostFunction* match = nullptr;
    for (const HostFunction& fn : host) {
      if (fn.module == import.module && fn.name == import.name) match = &fn;
    }
    if (!match) return Error{where + ": not exported by the host module \"" + import.module + "\""};
    if (match->signature != import.signature)
      return Error{where + ": signature mismatch: " + import.signature.to_string() +
                   " != " + match->signature.to_string()};
    resolved.push_back(match);
  }
  return resolved;
}

}  // namespace awmg::wasm
