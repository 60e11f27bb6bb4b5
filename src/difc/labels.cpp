#include "difc/labels.hpp"

#include <algorithm>
#include <iterator>

namespace awmg::difc {

Label::Label(std::vector<std::string> tags) : tags_(std::move(tags)) {
  std::sort(tags_.begin(), tags_.end());
  tags_.erase(std::unique(tags_.begin(), tags_.end()), tags_.end());
}

void Label::add(std::string tag) {
  auto at = std::lower_bound(tags_.begin(), tags_.end(), tag);
  if (at == tags_.end() || *at != tag) tags_.insert(at, std::move(tag));
}

void Label::add_all(const Label& other) {
  std::vector<std::string> merged;
  merged.reserve(tags_.size() + other.tags_.size());
  std::set_union(tags_.begin(), tags_.end(), other.tags_.begin(), other.tags_.end(),
                 std::back_inserter(merged));
  tags_ = std::move(merged);
}

void Label::intersect(const Label& other) {
  tags_.erase(
      std::remove_if(tags_.begin(), tags_.end(), [&](const std::string& t) { return !other.contains(t); }),
      tags_.end());
}

bool Label::contains(std::string_view tag) const {
  auto at = std::lower_bound(tags_.begin(), tags_.end(), tag, [](const std::string& a, std::string_view b) {
    return std::string_view(a) < b;
  });
  return at != tags_.end() && *at == tag;
}

std::vector<std::string> missing_from(const Label& a, const Label& b) {
  std::vector<std::string> out;
  for (const auto& tag : a.tags()) {
    if (!b.contains(tag)) out.push_back(tag);
  }
  return out;
}

bool secrecy_flows(const Label& source, const Label& target, std::vector<std::string>* violating) {
  *violating = target.contains(kWildcard) ? std::vector<std::string>{} : missing_from(source, target);
  return violating->empty();
}

bool integrity_flows(const Label& source, const Label& target, std::vector<std::string>* violating) {
  *violating = source.contains(kWildcard) ? std::vector<std::string>{} : missing_from(target, source);
  return violating->empty();
}

std::string go_list(const std::vector<std::string>& tags) {
  std::string out = "[";
  for (size_t i = 0; i < tags.size(); ++i) out += (i ? " " : "") + tags[i];
  return out + "]";
}

// The highest level named by the tags' prefixes (`approved:acme` is approved): merged, approved, unapproved.
std::string integrity_level_words(const std::vector<std::string>& tags) {
  if (tags.empty()) return "none";
  std::string highest;
  for (const auto& tag : tags) {
    std::string level = tag.substr(0, tag.find(':'));
    if (level == "merged") return "\"merged\"";
    if (level == "approved") highest = "\"approved\"";
    if (level == "unapproved" && highest.empty()) highest = "\"unapproved\"";
  }
  return highest.empty() ? go_list(tags) : highest;
}

// `private (<longest scope>)` for private:<scope> tags, `private` for the bare tag, `public` for none.
std::string secrecy_level_words(const std::vector<std::string>& tags) {
  if (tags.empty()) return "public";
  std::string best;
  bool bare_private = false;
  for (const auto& tag : tags) {
    if (tag.rfind("private:", 0) == 0) {
      std::string scope = tag.substr(8);
      if (scope.size() > best.size()) best = scope;
    } else if (tag == "private") {
      bare_private = true;
    }
  }
  if (!best.empty()) return "private (" + best + ")";
  return bare_private ? "private" : go_list(tags);
}

}  // namespace awmg::difc
