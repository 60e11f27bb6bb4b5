#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "json/json.hpp"

namespace awmg::config::fields {

// Typed reads of JSON object members. Each returns std::nullopt when the member is absent and an error naming
// `path.name` when it has the wrong type (the schema catches most of these; extension fields rely on it).
Result<std::optional<std::string>> string(const json::Value& object, const char* name,
                                          const std::string& path);
Result<std::optional<int64_t>> integer(const json::Value& object, const char* name, const std::string& path);
Result<std::optional<bool>> boolean(const json::Value& object, const char* name, const std::string& path);
Result<std::optional<std::vector<std::string>>> strings(const json::Value& object, const char* name,
                                                        const std::string& path);
Result<std::optional<std::map<std::string, std::string>>> string_map(const json::Value& object,
                                                                     const char* name,
                                                                     const std::string& path);
// An object member as compact JSON text ("" when absent).
Result<std::string> object_text(const json::Value& object, const char* name, const std::string& path);

}  // namespace awmg::config::fields
