#include "proxy/tool_call.hpp"

#include "json/json.hpp"

namespace awmg::proxy {

const std::string* ToolCall::find(const std::string& name) const {
  for (const Arg& arg : args) {
    if (arg.name == name) return &arg.text;
  }
  return nullptr;
}

std::string ToolCall::args_json() const {
  std::string out = "{";
  for (const Arg& arg : args) {
    if (out.size() > 1) out += ",";
    out += json::quote(arg.name) + ":" + json::quote(arg.text);
  }
  return out + "}";
}

}  // namespace awmg::proxy
