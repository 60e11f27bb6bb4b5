#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "difc/labels.hpp"

namespace awmg::difc {

enum class Operation { kRead, kWrite, kReadWrite };
enum class Mode { kStrict, kFilter, kPropagate };

const char* operation_name(Operation op);
const char* mode_name(Mode mode);
// Case-insensitive; "" is strict. nullopt for anything else.
std::optional<Mode> parse_mode(std::string_view text);

struct Resource {
  std::string description;
  Labels labels;
};

struct Decision {
  enum class Kind { kAllow, kAllowWithPropagate, kDeny };
  Kind kind = Kind::kAllow;
  std::string reason;
  std::vector<std::string> secrecy_to_add;
  std::vector<std::string> integrity_to_drop;

  bool allowed() const { return kind != Kind::kDeny; }
  bool secrecy_violation() const { return !secrecy_to_add.empty(); }
};

// The reference monitor's rules. Reads: the resource's integrity must
// cover the agent's (checked first), the agent must hold the resource's secrecy; in propagate mode a read is
// always allowed and says which labels change. Writes, in every mode: the agent's integrity must cover the
// resource's, and the resource must accept the agent's secrecy. Read-write: the read check, then the write
// check.
Decision evaluate(const Labels& agent, const Resource& resource, Operation op, Mode mode);

// The error text a denied call returns (upstream's FormatViolationError).
std::string violation_text(const Decision& decision, const Labels& agent, const Resource& resource);

// Decision helpers of the pipeline.
inline bool bypasses_coarse_deny(Operation op) {
  return op == Operation::kRead;
}
inline bool calls_label_response(Operation op, Mode mode) {
  return op != Operation::kWrite && (op != Operation::kReadWrite || mode != Mode::kStrict);
}
inline bool blocks_filtered_response(Mode mode, size_t filtered) {
  return mode == Mode::kStrict && filtered > 0;
}
inline bool accumulates_read_labels(Operation op, Mode mode) {
  return op != Operation::kWrite && mode == Mode::kPropagate;
}

}  // namespace awmg::difc
