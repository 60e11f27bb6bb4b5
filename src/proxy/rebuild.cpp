#include "proxy/rebuild.hpp"

#include <charconv>

#include "base/strings.hpp"

namespace awmg::proxy {
namespace {

std::string array_of(const std::vector<const difc::Item*>& items) {
  std::string out = "[";
  for (const difc::Item* item : items) out += (out.size() > 1 ? "," : "") + item->data;
  return out + "]";
}

// The value an RFC 6901 pointer names, and the object holding it (nullptr at the root or in an array).
struct Located {
  json::Value* value = nullptr;
  json::Value* parent_object = nullptr;
};

Result<Located> locate(json::Value& document, const std::string& pointer) {
  Located at{&document, nullptr};
  std::string_view rest = pointer;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (rest.empty()) return at;
  for (const auto& raw : base::split(rest, '/')) {
    std::string segment;
    for (size_t i = 0; i < raw.size(); ++i) {
      bool escape = raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1');
      segment += escape ? (raw[++i] == '1' ? '/' : '~') : raw[i];
    }
    if (at.value->IsObject()) {
      auto member = at.value->FindMember(segment.c_str());
      if (member == at.value->MemberEnd()) return Error{"the answer has no " + pointer};
      at.parent_object = at.value;
      at.value = &member->value;
    } else if (at.value->IsArray()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (ec != std::errc() || end != segment.data() + segment.size() || index >= at.value->Size())
        return Error{"the answer has no " + pointer};
      at.parent_object = nullptr;
      at.value = &(*at.value)[static_cast<rapidjson::SizeType>(index)];
    } else {
      return Error{"the answer has no " + pointer};
    }
  }
  return at;
}

void set_count(json::Value& object, const char* name, size_t n) {
  auto member = object.FindMember(name);
  if (member != object.MemberEnd()) member->value.SetUint64(n);
}

}  // namespace

Result<std::string> rebuild_response(json::Document& document, const difc::ResponseLabels& labels,
                                     const std::vector<const difc::Item*>& accessible) {
  const auto* paths = std::get_if<difc::PathLabels>(&labels);
  if (!paths || (paths->items_path.empty() && document.IsArray())) return array_of(accessible);
  if (paths->items_path.empty()) return Error{"a single labelled object cannot be rebuilt"};
  AWMG_TRY(Located at, locate(document, paths->items_path));
  if (!at.value->IsArray()) return Error{"the labelled items are not an array"};
  auto& alloc = document.GetAllocator();
  json::Value kept(rapidjson::kArrayType);
  for (const difc::Item* item : accessible) {
    auto parsed = json::parse(item->data);
    if (!parsed) return Error{"a labelled item is not JSON"};
    kept.PushBack(json::Value(*parsed, alloc), alloc);
  }
  *at.value = std::move(kept);
  if (at.parent_object) set_count(*at.parent_object, "totalCount", accessible.size());
  if (document.IsObject() && document.HasMember("total_count")) {
    set_count(document, "total_count", accessible.size());
    auto incomplete = document.FindMember("incomplete_results");
    if (incomplete != document.MemberEnd()) incomplete->value.SetBool(false);
  }
  return json::to_string(document);
}

namespace {

std::string receipt_of(const json::Value& object) {
  static const char* const kKept[] = {"id",    "node_id", "number", "url", "html_url",   "upload_url",
                                      "state", "sha",     "name",   "ref", "created_at", "updated_at"};
  std::string out = "{";
  for (const char* key : kKept) {
    const json::Value* v = json::member(object, key);
    if (!v || v->IsObject() || v->IsArray()) continue;
    out += (out.size() > 1 ? "," : "") + json::quote(key) + ":" + json::to_string(*v);
  }
  return out + "}";
}

}  // namespace

std::string write_receipt(const std::string& answer) {
  auto doc = json::parse(answer);
  if (!doc) return "{}";
  if (doc->IsObject()) return receipt_of(*doc);
  if (!doc->IsArray()) return "{}";
  std::string out = "[";
  for (const auto& item : doc->GetArray())
    out += (out.size() > 1 ? "," : "") + (item.IsObject() ? receipt_of(item) : std::string("{}"));
  return out + "]";
}

std::string empty_response(const json::Value& document) {
  if (document.IsObject() && document.HasMember("data")) return R"({"data":null})";
  if (document.IsObject()) return "{}";
  return "[]";
}

}  // namespace awmg::proxy
