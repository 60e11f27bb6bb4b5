#pragma once
#include <string>
#include <vector>

namespace awmg::proxy {

// What a GitHub API request reads, named the way the guard knows it: the GitHub MCP server's tool and
// arguments for the same data.
struct ToolCall {
  struct Arg {
    std::string name;
    std::string text;  // numbers too, as upstream's proxy passes them
  };
  std::string tool;
  std::vector<Arg> args;

  void set(std::string name, std::string text) { args.push_back({std::move(name), std::move(text)}); }
  const std::string* find(const std::string& name) const;
  std::string args_json() const;  // the arguments object the guard gets
};

}  // namespace awmg::proxy
