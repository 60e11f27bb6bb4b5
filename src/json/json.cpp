#include "json/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>
#include <vector>

namespace awmg::json {
namespace {

std::pair<size_t, size_t> line_column(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

Result<Document> parse(std::string_view text, size_t max_depth) {
  Document doc;
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  doc.Parse<kFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    auto [line, column] = line_column(text, doc.GetErrorOffset());
    return Error{"invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
                 ": " + rapidjson::GetParseError_En(doc.GetParseError())};
  }
  if (depth(doc) > max_depth) {
    return Error{"invalid JSON: nested more than " + std::to_string(max_depth) + " levels deep"};
  }
  return doc;
}

size_t depth(const Value& value) {
  size_t deepest = 0;
  std::vector<std::pair<const Value*, size_t>> stack{{&value, 0}};
  while (!stack.empty()) {
    auto [v, d] = stack.back();
    stack.pop_back();
    if (v->IsArray()) {
      deepest = std::max(deepest, d + 1);
      for (const auto& item : v->GetArray()) stack.push_back({&item, d + 1});
    } else if (v->IsObject()) {
      deepest = std::max(deepest, d + 1);
      for (const auto& m : v->GetObject()) stack.push_back({&m.value, d + 1});
    }
  }
  return deepest;
}

std::string to_string(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string to_pretty_string(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string quote(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

const Value* member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string string_or(const Value& object, const char* name, std::string fallback) {
  const Value* v = member(object, name);
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : fallback;
}

}  // namespace awmg::json
