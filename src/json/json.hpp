#pragma once
#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace awmg::json {

using Document = rapidjson::Document;
using Value = rapidjson::Value;

inline constexpr size_t kDefaultMaxDepth = 256;

// Parses strict JSON (UTF-8 validated) without recursion, so hostile nesting cannot exhaust the stack, then
// refuses documents nested deeper than `max_depth`. Errors name the line and column.
Result<Document> parse(std::string_view text, size_t max_depth = kDefaultMaxDepth);

// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view text);

// Nesting depth of a value (a scalar is 0), computed without recursion.
size_t depth(const Value& value);

std::string to_string(const Value& value);         // compact
std::string to_pretty_string(const Value& value);  // 2-space indent, like Go's MarshalIndent(v, "", "  ")
std::string quote(std::string_view text);          // a JSON string literal
// Whether `text` is one complete JSON value (any nesting; nothing is built, so it costs far less than parse).
bool valid(std::string_view text);
// An object's compact JSON with member `name` set to `raw_json` (JSON text written as is, so a number no
// double can hold keeps its digits).
std::string with_raw_member(const Value& object, std::string_view name, std::string_view raw_json);

// The members of one JSON object's text, in order: each name as written (escapes kept) and its value's text
// exactly as written, so a number keeps every digit. For text already known to be one valid object;
// std::nullopt when the scan finds otherwise.
std::optional<std::vector<std::pair<std::string_view, std::string_view>>> raw_members(
    std::string_view object);

// Convenience lookups that never throw.
const Value* member(const Value& object, const char* name);
std::string string_or(const Value& object, const char* name, std::string fallback = "");

}  // namespace awmg::json
