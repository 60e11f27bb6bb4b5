#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace awmg::difc {

// A label: a set of opaque tags. Empty secrecy means public, empty integrity untrusted. Tags are kept sorted
// (messages and /reflect list them in one stable order) in a vector: labels hold a handful of tags, so a
// lookup is a binary search over contiguous strings, with no allocation.
class Label {
 public:
  Label() = default;
  Label(std::initializer_list<std::string> tags) : Label(std::vector<std::string>(tags)) {}
  explicit Label(std::vector<std::string> tags);

  void add(std::string tag);
  void add_all(const Label& other);
  void intersect(const Label& other);
  bool contains(std::string_view tag) const;
  bool empty() const { return tags_.empty(); }
  size_t size() const { return tags_.size(); }
  const std::vector<std::string>& tags() const { return tags_; }  // sorted, unique
  std::vector<std::string> list() const { return tags_; }
  bool operator==(const Label&) const = default;

 private:
  std::vector<std::string> tags_;
};

inline constexpr std::string_view kWildcard = "*";

// The tags of `a` that are not in `b`.
std::vector<std::string> missing_from(const Label& a, const Label& b);

// Secrecy may flow from `source` to `target` when source ⊆ target (or the target holds `*`); the violating
// tags are those of the source the target lacks.
bool secrecy_flows(const Label& source, const Label& target, std::vector<std::string>* violating);
// Integrity may flow when source ⊇ target (or the source holds `*`); the violating tags are those of the
// target the source lacks.
bool integrity_flows(const Label& source, const Label& target, std::vector<std::string>* violating);

// Go's `%v` of a string slice: `[a b c]`.
std::string go_list(const std::vector<std::string>& tags);

// Human words for tag sets in denial reasons (upstream's formatIntegrityLevel / formatSecrecyLevel).
std::string integrity_level_words(const std::vector<std::string>& tags);
std::string secrecy_level_words(const std::vector<std::string>& tags);

// Secrecy and integrity of an agent or a resource.
struct Labels {
  Label secrecy;
  Label integrity;
  bool operator==(const Labels&) const = default;
};

}  // namespace awmg::difc
