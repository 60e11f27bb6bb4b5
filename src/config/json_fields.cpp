#include "config/json_fields.hpp"

#include "config/config_error.hpp"

#include <cstdint>

namespace awmg::config::fields {
namespace {

Error wrong_type(const std::string& path, const char* name, const char* expected) {
  return config_error(path + "." + name, std::string("'") + name + "' must be " + expected);
}

}  // namespace

Result<std::optional<std::string>> string(const json::Value& object, const char* name,
                                          const std::string& path) {
  const json::Value* v = json::member(object, name);
  if (!v) return std::optional<std::string>();
  if (!v->IsString()) return wrong_type(path, name, "a string");
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::optional<int64_t>> integer(const json::Value& object, const char* name, const std::string& path) {
  const json::Value* v = json::member(object, name);
  if (!v) return std::optional<int64_t>();
  if (!v->IsInt64()) return wrong_type(path, name, "an integer");
  int64_t n = v->GetInt64();
  if (n > INT32_MAX || n < INT32_MIN) {
    return config_error(path + "." + name, std::string(name) + " is out of range, got " + std::to_string(n));
  }
  return std::optional<int64_t>(n);
}

Result<std::optional<bool>> boolean(const json::Value& object, const char* name, const std::string& path) {
  const json::Value* v = json::member(object, name);
  if (!v) return std::optional<bool>();
  if (!v->IsBool()) return wrong_type(path, name, "a boolean");
  return std::optional<bool>(v->GetBool());
}

Result<std::optional<std::vector<std::string>>> strings(const json::Value& object, const char* name,
                                                        const std::string& path) {
  const json::Value* v = json::member(object, name);
  if (!v) return std::optional<std::vector<std::string>>();
  if (!v->IsArray()) return wrong_type(path, name, "an array of strings");
  std::vector<std::string> out;
  for (const auto& item : v->GetArray()) {
    if (!item.IsString()) return wrong_type(path, name, "an array of strings");
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<std::map<std::string, std::string>>> string_map(const json::Value& object,
                                                                     const char* name,
                                                                     const std::string& path) {
  const json::Value* v = json::member(object, name);
  if (!v) return std::optional<std::map<std::string, std::string>>();
  if (!v->IsObject()) return wrong_type(path, name, "an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& m : v->GetObject()) {
    if (!m.value.IsString()) return wrong_type(path, name, "an object of strings");
    out[std::string(m.name.GetString(), m.name.GetStringLength())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return std::optional<std::map<std::string, std::string>>(std::move(out));
}

Result<std::string> object_text(const json::Value& object, const char* name, const std::string& path) {
  const json::Value* v = json::member(object, name);
  if (!v) return std::string();
  if (!v->IsObject()) return wrong_type(path, name, "an object");
  return json::to_string(*v);
}

}  // namespace awmg::config::fields
