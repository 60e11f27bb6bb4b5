#include "json/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstring>
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

bool valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    if (end - p >= 8) {  // the common case: a run of ASCII, eight bytes at a time
      uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || static_cast<size_t>(end - p) < n) return false;
    for (size_t i = 1; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||  // overlong; surrogates
        (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))    // overlong; past U+10FFFF
      return false;
    p += n;
  }
  return true;
}

Result<Document> parse(std::string_view text, size_t max_depth) {
  Document doc;
  // Valid UTF-8 (checked fast) parses without RapidJSON's per-character validation; invalid input takes the
  // validating parse, which reports where the bad byte is.
  if (valid_utf8(text)) {
    doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  } else {
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                      text.size());
  }
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

bool valid(std::string_view text) {
  rapidjson::BaseReaderHandler<> ignore;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  return !reader.Parse<kFlags>(stream, ignore).IsError();
}

std::string with_raw_member(const Value& object, std::string_view name, std::string_view raw_json) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  auto write_raw = [&] {
    writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    writer.RawValue(raw_json.data(), raw_json.size(), rapidjson::kNumberType);
  };
  bool written = false;
  for (const auto& m : object.GetObject()) {
    if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == name) {
      if (!written) write_raw();
      written = true;
      continue;
    }
    m.name.Accept(writer);
    m.value.Accept(writer);
  }
  if (!written) write_raw();
  writer.EndObject();
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

namespace {

size_t skip_space(std::string_view t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  return i;
}

// The end (one past the closing quote) of the string that opens at t[i]; npos when unterminated.
size_t string_end(std::string_view t, size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The end of the value that starts at t[i].
size_t value_end(std::string_view t, size_t i) {
  if (i >= t.size()) return std::string_view::npos;
  if (t[i] == '"') return string_end(t, i);
  if (t[i] == '{' || t[i] == '[') {
    int depth = 0;
    while (i < t.size()) {
      if (t[i] == '"') {
        i = string_end(t, i);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (t[i] == '{' || t[i] == '[') ++depth;
      if (t[i] == '}' || t[i] == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return std::string_view::npos;
  }
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\t' &&
         t[i] != '\n' && t[i] != '\r')
    ++i;
  return i;
}

}  // namespace

std::optional<std::vector<std::pair<std::string_view, std::string_view>>> raw_members(std::string_view t) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  size_t i = skip_space(t, 0);
  if (i >= t.size() || t[i] != '{') return std::nullopt;
  i = skip_space(t, i + 1);
  if (i < t.size() && t[i] == '}') return out;
  while (i < t.size()) {
    if (t[i] != '"') return std::nullopt;
    size_t name_end = string_end(t, i);
    if (name_end == std::string_view::npos) return std::nullopt;
    std::string_view name = t.substr(i + 1, name_end - i - 2);
    i = skip_space(t, name_end);
    if (i >= t.size() || t[i] != ':') return std::nullopt;
    i = skip_space(t, i + 1);
    size_t end = value_end(t, i);
    if (end == std::string_view::npos || end == i) return std::nullopt;
    out.emplace_back(name, t.substr(i, end - i));
    i = skip_space(t, end);
    if (i < t.size() && t[i] == '}') return out;
    if (i >= t.size() || t[i] != ',') return std::nullopt;
    i = skip_space(t, i + 1);
  }
  return std::nullopt;
}

}  // namespace awmg::json
