#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "json/json.hpp"

namespace awmg::gateway {

inline constexpr const char* kUnifiedSeparator = "___";

// A backend tool as the gateway exposes it.
struct Tool {
  std::string server_id;
  std::string name;         // the backend's (unprefixed) name
  std::string description;  // the backend's description
  std::string definition;   // the backend's tool object (JSON) with a normalised inputSchema
};

// A backend prompt (unified mode only).
struct Prompt {
  std::string server_id;
  std::string name;
  std::string definition;  // the backend's prompt object (JSON)
};

// The tools and prompts each backend registered. Thread-safe; a backend that registers later (after a failed
// start) replaces its own entries.
class ToolRegistry {
 public:
  void set_tools(const std::string& server_id, std::vector<Tool> tools);
  void set_prompts(const std::string& server_id, std::vector<Prompt> prompts);
  std::vector<Tool> tools(const std::string& server_id) const;  // "" = every server's
  std::optional<Tool> find_tool(const std::string& server_id, const std::string& name) const;
  std::vector<Prompt> prompts() const;
  std::optional<Prompt> find_prompt(const std::string& server_id, const std::string& name) const;
  bool has_prompts() const;
  // The capabilities object a backend declared at initialize (JSON; "{}" before it registered).
  void set_capabilities(const std::string& server_id, std::string capabilities);
  std::string capabilities(const std::string& server_id) const;
  // `{"servers":{"<id>":[{"name","description"}...]}}` (tools.json).
  std::string tools_json() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Tool>> tools_;
  std::map<std::string, std::vector<Prompt>> prompts_;
  std::map<std::string, std::string> capabilities_;
};

// The tool object clients see: unified mode prefixes the name with `<server>___`; both modes prefix the
// description with `[<server>] `.
std::string exposed_tool(const Tool& tool, bool unified);

// Input schema normalisation, in place on a tool object.
void normalize_input_schema(json::Value& tool, json::Document::AllocatorType& allocator);

}  // namespace awmg::gateway
