#include "difc/labeled_data.hpp"

#include <charconv>

#include "base/strings.hpp"

namespace awmg::difc {
namespace {

// RFC 6901 segments of a pointer; a leading "/" is optional.
std::vector<std::string> pointer_segments(std::string_view pointer) {
  std::vector<std::string> segments;
  if (pointer.empty() || pointer == "/") return segments;
  if (pointer.front() == '/') pointer.remove_prefix(1);
  for (auto& raw : base::split(pointer, '/')) {
    std::string segment;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        segment += raw[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        segment += raw[i];
      }
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

std::optional<size_t> index_of(std::string_view text) {
  size_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<const json::Value*> navigate(const json::Value& document, const std::string& pointer) {
  const json::Value* at = &document;
  for (const auto& segment : pointer_segments(pointer)) {
    if (at->IsObject()) {
      auto member = at->FindMember(segment.c_str());
      if (member == at->MemberEnd()) return Error{"path \"" + pointer + "\" not found in response"};
      at = &member->value;
    } else if (at->IsArray()) {
      auto index = index_of(segment);
      if (!index || *index >= at->Size()) return Error{"path \"" + pointer + "\" has no element " + segment};
      at = &(*at)[static_cast<rapidjson::SizeType>(*index)];
    } else {
      return Error{"path \"" + pointer + "\" runs into a scalar at \"" + segment + "\""};
    }
  }
  return at;
}

std::string normalized(const std::string& path) {
  return path.empty() || path.front() != '/' ? "/" + path : path;
}

Resource unlabeled() {
  return Resource{"unlabeled", {}};
}

Result<Collection> resolve_paths(const PathLabels& labels, const json::Value& document,
                                 const std::string& original) {
  const Resource fallback = labels.default_labels.value_or(unlabeled());
  if (labels.items_path.empty() && !document.IsArray()) return Collection{Item{original, fallback}};
  AWMG_TRY(const json::Value* items, navigate(document, labels.items_path));
  if (!items->IsArray()) return Error{"items_path \"" + labels.items_path + "\" does not point to an array"};
  std::string prefix = labels.items_path.empty() ? "/" : normalized(labels.items_path) + "/";
  if (prefix == "//") prefix = "/";
  std::vector<const Resource*> by_index(items->Size(), &fallback);
  for (const auto& [path, resource] : labels.labeled_paths) {
    std::string full = normalized(path);
    if (full.rfind(prefix, 0) != 0) continue;
    std::string_view rest = std::string_view(full).substr(prefix.size());
    auto index = index_of(rest.substr(0, rest.find('/')));
    if (index && *index < by_index.size()) by_index[*index] = &resource;  // later entries win
  }
  Collection out;
  out.reserve(items->Size());
  for (rapidjson::SizeType i = 0; i < items->Size(); ++i)
    out.push_back(Item{json::to_string((*items)[i]), *by_index[i]});
  return out;
}

}  // namespace

Result<Collection> resolve(const ResponseLabels& labels, const json::Value& document,
                           const std::string& original) {
  if (const auto* paths = std::get_if<PathLabels>(&labels)) {
    auto resolved = resolve_paths(*paths, document, original);
    if (!resolved)
      return Error{"failed to apply path labels: failed to resolve path labels: " + resolved.error().message};
    return resolved;
  }
  Collection out;
  for (const auto& [data, resource] : std::get<LegacyItems>(labels).items)
    out.push_back(Item{data, resource});
  return out;
}

FilterOutcome filter(const Labels& agent, const Collection& items, Operation op, Mode mode) {
  FilterOutcome outcome;
  for (const Item& item : items) {
    Decision d = evaluate(agent, item.labels, op, mode);
    if (d.allowed()) {
      outcome.accessible.push_back(&item);
    } else {
      outcome.filtered.push_back(Filtered{&item, d.reason, d.secrecy_violation()});
    }
  }
  return outcome;
}

Labels overall(const Collection& items) {
  Labels all;
  for (const Item& item : items) {
    all.secrecy.add_all(item.labels.labels.secrecy);
    all.integrity.add_all(item.labels.labels.integrity);
  }
  return all;
}

std::string filtering_policy(const std::vector<Filtered>& filtered) {
  size_t secrecy = 0;
  for (const auto& f : filtered) secrecy += f.secrecy ? 1 : 0;
  if (secrecy == filtered.size()) return "secrecy policy";
  if (secrecy == 0) return "integrity policy";
  return "access policy";
}

std::string filtered_notice(const std::vector<Filtered>& filtered) {
  std::string head = "[Filtered] " + std::to_string(filtered.size()) +
                     " item(s) in this response were removed by " + filtering_policy(filtered) +
                     " and are not shown";
  std::vector<std::string> parts;
  for (const auto& f : filtered) {
    const std::string& desc = f.item->labels.description;
    if (!desc.empty() && !f.reason.empty())
      parts.push_back(desc + " (" + f.reason + ")");
    else if (!desc.empty())
      parts.push_back(desc);
    else if (!f.reason.empty())
      parts.push_back(f.reason);
  }
  if (filtered.size() > 5 || parts.empty()) return head + ".";
  return head + ": " + base::join(parts, "; ") + ".";
}

}  // namespace awmg::difc
