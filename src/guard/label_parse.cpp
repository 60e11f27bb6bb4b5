#include "guard/label_parse.hpp"

#include "base/strings.hpp"
#include "json/json.hpp"

namespace awmg::guard {
namespace {

using json::Value;

// A label array: strings only, bounded. `trim` drops surrounding blanks and empty tags (label_agent's rule).
Result<difc::Label> label_of(const Value* array, const char* what, bool trim) {
  difc::Label label;
  if (!array) return label;
  if (!array->IsArray()) return Error{std::string(what) + " must be an array of strings"};
  if (array->Size() > kMaxTagsPerLabel)
    return Error{std::string(what) + " has " + std::to_string(array->Size()) + " tags, more than " +
                 std::to_string(kMaxTagsPerLabel)};
  for (const Value& tag : array->GetArray()) {
    if (!tag.IsString())
      return Error{std::string(what) + " holds a tag that is not a string: " + json::to_string(tag)};
    std::string text(tag.GetString(), tag.GetStringLength());
    if (text.size() > kMaxTagBytes)
      return Error{std::string(what) + " holds a tag longer than " + std::to_string(kMaxTagBytes) + " bytes"};
    if (trim) text = std::string(base::trim(text));
    if (!trim || !text.empty()) label.add(std::move(text));
  }
  return label;
}

// `{"description":..,"secrecy":[..],"integrity":[..]}`
Result<difc::Resource> resource_of(const Value& object, const char* what) {
  if (!object.IsObject()) return Error{std::string(what) + " must be an object"};
  difc::Resource resource;
  if (const Value* description = json::member(object, "description")) {
    if (!description->IsString()) return Error{std::string(what) + ".description must be a string"};
    resource.description.assign(description->GetString(), description->GetStringLength());
  }
  AWMG_TRY(resource.labels.secrecy, label_of(json::member(object, "secrecy"), "secrecy", false));
  AWMG_TRY(resource.labels.integrity, label_of(json::member(object, "integrity"), "integrity", false));
  return resource;
}

std::string non_blank_string(const Value& object, const char* name) {
  const Value* v = json::member(object, name);
  if (!v || !v->IsString()) return "";
  return std::string(base::trim(std::string_view(v->GetString(), v->GetStringLength())));
}

bool is_false(const Value& object, const char* name) {
  const Value* v = json::member(object, name);
  return v && v->IsBool() && !v->GetBool();
}

Result<difc::PathLabels> path_labels_of(const Value& object) {
  difc::PathLabels labels;
  const Value* paths = json::member(object, "labeled_paths");
  if (!paths->IsArray() && !paths->IsNull()) return Error{"labeled_paths must be an array"};
  if (paths->IsArray()) {
    if (paths->Size() > kMaxLabeledItems)
      return Error{"more than " + std::to_string(kMaxLabeledItems) + " labeled paths"};
    for (const Value& entry : paths->GetArray()) {
      const Value* path = entry.IsObject() ? json::member(entry, "path") : nullptr;
      const Value* entry_labels = entry.IsObject() ? json::member(entry, "labels") : nullptr;
      if (!path || !path->IsString()) return Error{"a labeled_paths entry has no string path"};
      if (!entry_labels)
        return Error{"labeled path \"" + std::string(path->GetString()) + "\" has no labels"};
      AWMG_TRY(auto resource, resource_of(*entry_labels, "labels"));
      labels.labeled_paths.emplace_back(path->GetString(), std::move(resource));
    }
  }
  if (const Value* defaults = json::member(object, "default_labels"); defaults && !defaults->IsNull()) {
    AWMG_TRY(labels.default_labels, resource_of(*defaults, "default_labels"));
  }
  if (const Value* items_path = json::member(object, "items_path"); items_path && !items_path->IsNull()) {
    if (!items_path->IsString()) return Error{"items_path must be a string"};
    labels.items_path = items_path->GetString();
  }
  return labels;
}

Result<difc::LegacyItems> legacy_items_of(const Value& items) {
  difc::LegacyItems out;
  if (items.Size() > kMaxLabeledItems)
    return Error{"more than " + std::to_string(kMaxLabeledItems) + " items"};
  for (const Value& item : items.GetArray()) {
    if (!item.IsObject()) continue;  // upstream skips them; they carry no data either
    const Value* data = json::member(item, "data");
    difc::Resource resource;
    if (const Value* labels = json::member(item, "labels"); labels && !labels->IsNull()) {
      AWMG_TRY(resource, resource_of(*labels, "labels"));
    }
    out.items.emplace_back(data ? json::to_string(*data) : "null", std::move(resource));
  }
  return out;
}

}  // namespace

Result<AgentLabels> parse_agent_labels(std::string_view output) {
  if (output.empty()) return Error{"label_agent returned empty response"};
  auto doc = json::parse(output);
  if (!doc) return Error{"failed to unmarshal label_agent response: " + doc.error().message};
  if (!doc->IsObject()) return Error{"failed to unmarshal label_agent response: not a JSON object"};
  std::string error = non_blank_string(*doc, "error");
  if (is_false(*doc, "success") || is_false(*doc, "ok")) {
    return Error{error.empty() ? "label_agent returned non-success status"
                               : "label_agent rejected policy: " + error};
  }
  if (!error.empty()) return Error{"label_agent returned error: " + error};
  AgentLabels out;
  const Value* agent = json::member(*doc, "agent");
  if (agent && !agent->IsNull()) {
    if (!agent->IsObject()) return Error{"failed to decode label_agent response: agent must be an object"};
    auto secrecy = label_of(json::member(*agent, "secrecy"), "agent.secrecy", true);
    auto integrity = label_of(json::member(*agent, "integrity"), "agent.integrity", true);
    if (!secrecy) return Error{"failed to decode label_agent response: " + secrecy.error().message};
    if (!integrity) return Error{"failed to decode label_agent response: " + integrity.error().message};
    out.agent = {*secrecy, *integrity};
    // The wildcard passes every check it sits on the wrong side of: no guard may grant it to an agent, whose
    // labels every other server's decisions share.
    if (out.agent.secrecy.contains(difc::kWildcard) || out.agent.integrity.contains(difc::kWildcard))
      return Error{"label_agent may not give an agent the wildcard tag \"*\""};
  }
  const Value* mode = json::member(*doc, "difc_mode");
  if (mode && !mode->IsString())
    return Error{"failed to decode label_agent response: difc_mode must be a string"};
  std::string mode_text = mode ? std::string(base::trim(mode->GetString())) : "";
  if (mode_text.empty()) return Error{"label_agent response missing difc_mode"};
  auto parsed = difc::parse_mode(mode_text);
  if (!parsed)
    return Error{"invalid difc_mode from label_agent: unknown enforcement mode: " + mode_text +
                 " (valid modes: strict, filter, propagate)"};
  out.mode = *parsed;
  if (const Value* policy = json::member(*doc, "normalized_policy"); policy && !policy->IsNull()) {
    if (!policy->IsObject())
      return Error{"failed to decode label_agent response: normalized_policy must be an object"};
    out.normalized_policy = json::to_string(*policy);
  }
  return out;
}

Result<ResourceLabels> parse_resource_labels(std::string_view output) {
  auto doc = json::parse(output);
  if (!doc) return Error{"failed to unmarshal label_resource WASM response: " + doc.error().message};
  if (!doc->IsObject()) return Error{"failed to unmarshal label_resource WASM response: not a JSON object"};
  const Value* resource = json::member(*doc, "resource");
  if (!resource || !resource->IsObject()) return Error{"invalid resource format in guard response"};
  ResourceLabels out;
  AWMG_TRY(out.resource, resource_of(*resource, "resource"));
  std::string op = json::string_or(*doc, "operation");
  out.operation = op == "read"         ? difc::Operation::kRead
                  : op == "read-write" ? difc::Operation::kReadWrite
                                       : difc::Operation::kWrite;  // missing or unknown: the most restrictive
  return out;
}

Result<std::optional<difc::ResponseLabels>> parse_response_labels(std::string_view output) {
  if (output.empty()) return std::optional<difc::ResponseLabels>();
  auto doc = json::parse(output);
  if (!doc) return Error{"failed to unmarshal label_response WASM response: " + doc.error().message};
  if (!doc->IsObject()) return Error{"failed to unmarshal label_response WASM response: not a JSON object"};
  if (json::member(*doc, "labeled_paths")) {
    auto labels = path_labels_of(*doc);
    if (!labels) return Error{"failed to parse path labels: " + labels.error().message};
    return std::optional<difc::ResponseLabels>(std::move(*labels));
  }
  const Value* items = json::member(*doc, "items");
  if (items && items->IsArray() && !items->Empty()) {
    AWMG_TRY(auto legacy, legacy_items_of(*items));
    return std::optional<difc::ResponseLabels>(std::move(legacy));
  }
  return std::optional<difc::ResponseLabels>();
}

}  // namespace awmg::guard
