#include "gateway/tool_registry.hpp"

#include <rapidjson/document.h>

#include "base/files.hpp"

namespace awmg::gateway {

void ToolRegistry::set_tools(const std::string& server_id, std::vector<Tool> tools) {
  std::lock_guard lock(mutex_);
  tools_[server_id] = std::move(tools);
}

void ToolRegistry::set_prompts(const std::string& server_id, std::vector<Prompt> prompts) {
  std::lock_guard lock(mutex_);
  prompts_[server_id] = std::move(prompts);
}

std::vector<Tool> ToolRegistry::tools(const std::string& server_id) const {
  std::lock_guard lock(mutex_);
  if (!server_id.empty()) {
    auto it = tools_.find(server_id);
    return it == tools_.end() ? std::vector<Tool>{} : it->second;
  }
  std::vector<Tool> all;
  for (const auto& [id, list] : tools_) all.insert(all.end(), list.begin(), list.end());
  return all;
}

std::optional<Tool> ToolRegistry::find_tool(const std::string& server_id, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = tools_.find(server_id);
  if (it == tools_.end()) return std::nullopt;
  for (const auto& t : it->second) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

std::vector<Prompt> ToolRegistry::prompts() const {
  std::lock_guard lock(mutex_);
  std::vector<Prompt> all;
  for (const auto& [id, list] : prompts_) all.insert(all.end(), list.begin(), list.end());
  return all;
}

std::optional<Prompt> ToolRegistry::find_prompt(const std::string& server_id, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = prompts_.find(server_id);
  if (it == prompts_.end()) return std::nullopt;
  for (const auto& p : it->second) {
    if (p.name == name) return p;
  }
  return std::nullopt;
}

void ToolRegistry::set_capabilities(const std::string& server_id, std::string capabilities) {
  std::lock_guard lock(mutex_);
  capabilities_[server_id] = std::move(capabilities);
}

std::string ToolRegistry::capabilities(const std::string& server_id) const {
  std::lock_guard lock(mutex_);
  auto it = capabilities_.find(server_id);
  return it == capabilities_.end() ? "{}" : it->second;
}

bool ToolRegistry::has_prompts() const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, list] : prompts_) {
    if (!list.empty()) return true;
  }
  return false;
}

std::string ToolRegistry::tools_json() const {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  rapidjson::Value servers(rapidjson::kObjectType);
  std::lock_guard lock(mutex_);
  for (const auto& [id, list] : tools_) {
    rapidjson::Value entries(rapidjson::kArrayType);
    for (const auto& t : list) {
      rapidjson::Value e(rapidjson::kObjectType);
      e.AddMember("name", rapidjson::Value(t.name.c_str(), a), a);
      e.AddMember("description", rapidjson::Value(t.description.c_str(), a), a);
      entries.PushBack(e, a);
    }
    servers.AddMember(rapidjson::Value(id.c_str(), a), entries, a);
  }
  doc.AddMember("servers", servers, a);
  return json::to_pretty_string(doc) + "\n";
}

std::string exposed_tool(const Tool& tool, bool unified) {
  auto doc = json::parse(tool.definition);
  if (!doc || !doc->IsObject()) return tool.definition;
  auto& a = doc->GetAllocator();
  std::string name = unified ? tool.server_id + kUnifiedSeparator + tool.name : tool.name;
  std::string description = "[" + tool.server_id + "] " + tool.description;
  doc->RemoveMember("name");
  doc->RemoveMember("description");
  doc->AddMember("name", rapidjson::Value(name.c_str(), a), a);
  doc->AddMember("description", rapidjson::Value(description.c_str(), a), a);
  return json::to_string(*doc);
}

void normalize_input_schema(json::Value& tool, json::Document::AllocatorType& a) {
  auto empty_object_schema = [&] {
    rapidjson::Value s(rapidjson::kObjectType);
    s.AddMember("type", "object", a);
    s.AddMember("properties", rapidjson::Value(rapidjson::kObjectType), a);
    return s;
  };
  auto it = tool.FindMember("inputSchema");
  if (it == tool.MemberEnd() || !it->value.IsObject()) {
    if (it != tool.MemberEnd()) tool.RemoveMember(it);
    tool.AddMember("inputSchema", empty_object_schema(), a);
    return;
  }
  json::Value& schema = it->value;
  bool has_type = schema.HasMember("type");
  bool has_properties = schema.HasMember("properties");
  if (!has_type && has_properties) {
    schema.AddMember("type", "object", a);
  } else if (!has_type) {
    schema = empty_object_schema();
  } else if (schema["type"].IsString() && std::string_view(schema["type"].GetString()) == "object" &&
             !has_properties && !schema.HasMember("additionalProperties")) {
    schema.AddMember("properties", rapidjson::Value(rapidjson::kObjectType), a);
  }
}

}  // namespace awmg::gateway
