#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "difc/evaluator.hpp"
#include "difc/labeled_data.hpp"

namespace awmg::guard {

// Limits on what a guard may return, so a hostile guard cannot make the gateway build huge label sets.
inline constexpr size_t kMaxTagsPerLabel = 4096;
inline constexpr size_t kMaxTagBytes = 1024;
inline constexpr size_t kMaxLabeledItems = 100000;

struct AgentLabels {
  difc::Labels agent;
  difc::Mode mode = difc::Mode::kStrict;
  std::string normalized_policy;  // JSON object text
};

struct ResourceLabels {
  difc::Resource resource;
  difc::Operation operation = difc::Operation::kWrite;
};

// The guard's JSON outputs, with upstream's error texts. Where upstream skips what it
// does not understand (a tag that is not a string), awmg refuses the output: skipping a secrecy tag would let
// data through, and a guard's mistake must deny, never pass (docs/DECISIONS.md).
Result<AgentLabels> parse_agent_labels(std::string_view output);
Result<ResourceLabels> parse_resource_labels(std::string_view output);
// nullopt: no fine-grained labels (0 bytes, `{}`, an empty `items`).
Result<std::optional<difc::ResponseLabels>> parse_response_labels(std::string_view output);

}  // namespace awmg::guard
