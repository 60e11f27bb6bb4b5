#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "difc/evaluator.hpp"
#include "difc/labels.hpp"
#include "json/json.hpp"

namespace awmg::difc {

// What label_response returned: labels by JSON pointer into the response, or the
// legacy list of (data, labels) items.
struct PathLabels {
  std::vector<std::pair<std::string, Resource>> labeled_paths;
  std::optional<Resource> default_labels;
  std::string items_path;
};
struct LegacyItems {
  std::vector<std::pair<std::string, Resource>> items;  // item data as JSON text, its labels
};
using ResponseLabels = std::variant<PathLabels, LegacyItems>;

// A labeled response: items (JSON text) with their labels.
struct Item {
  std::string data;
  Resource labels;
};
using Collection = std::vector<Item>;

// Applies path labels to the response document: the items are the elements of the
// array at items_path; each gets the labels of the first path segment after items_path that names its index
// (later entries win), else default_labels, else empty labels described "unlabeled". When items_path is empty
// and the document is not an array, the whole original result is one item with default_labels.
Result<Collection> resolve(const ResponseLabels& labels, const json::Value& document,
                           const std::string& original);

struct Filtered {
  const Item* item;
  std::string reason;
  bool secrecy;  // a secrecy violation (else integrity)
};
struct FilterOutcome {
  std::vector<const Item*> accessible;
  std::vector<Filtered> filtered;
};
FilterOutcome filter(const Labels& agent, const Collection& items, Operation op, Mode mode);

// The union of every item's secrecy and of every item's integrity (upstream's Overall()).
Labels overall(const Collection& items);

// "secrecy policy", "integrity policy" or "access policy", by what the filtered items violated.
std::string filtering_policy(const std::vector<Filtered>& filtered);
// The text item appended to a filtered response.
std::string filtered_notice(const std::vector<Filtered>& filtered);

}  // namespace awmg::difc
