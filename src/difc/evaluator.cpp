#include "difc/evaluator.hpp"

#include "base/strings.hpp"

namespace awmg::difc {
namespace {

Decision evaluate_read(const Labels& agent, const Resource& resource, Mode mode) {
  Decision d;
  std::vector<std::string> integrity_missing, secrecy_extra;
  bool integrity_ok = integrity_flows(resource.labels.integrity, agent.integrity, &integrity_missing);
  bool secrecy_ok = secrecy_flows(resource.labels.secrecy, agent.secrecy, &secrecy_extra);
  if (mode == Mode::kPropagate) {
    if (integrity_ok && secrecy_ok) return d;
    d.kind = Decision::Kind::kAllowWithPropagate;
    d.integrity_to_drop = integrity_missing;
    d.secrecy_to_add = secrecy_extra;
    std::vector<std::string> parts;
    if (!secrecy_ok) parts.push_back("adding secrecy tags " + go_list(secrecy_extra));
    if (!integrity_ok) parts.push_back("dropping integrity tags " + go_list(integrity_missing));
    d.reason = "Read allowed with label propagation: " + base::join(parts, " and ");
    return d;
  }
  if (!integrity_ok) {
    d.kind = Decision::Kind::kDeny;
    d.integrity_to_drop = integrity_missing;
    d.reason = "Resource '" + resource.description +
               "' has lower integrity than agent requires. The agent cannot read data with integrity below " +
               integrity_level_words(integrity_missing) + ".";
  } else if (!secrecy_ok) {
    d.kind = Decision::Kind::kDeny;
    d.secrecy_to_add = secrecy_extra;
    d.reason = "Resource '" + resource.description +
               "' has secrecy requirements that agent doesn't meet. The agent is not authorized to access " +
               secrecy_level_words(secrecy_extra) + "-scoped data.";
  }
  return d;
}

Decision evaluate_write(const Labels& agent, const Resource& resource) {
  Decision d;
  std::vector<std::string> missing, extra;
  if (!integrity_flows(agent.integrity, resource.labels.integrity, &missing)) {
    d.kind = Decision::Kind::kDeny;
    d.integrity_to_drop = missing;
    d.reason = "Agent lacks required integrity to write to '" + resource.description +
               "'. The agent's integrity level is insufficient; it needs " + integrity_level_words(missing) +
               " integrity.";
  } else if (!secrecy_flows(agent.secrecy, resource.labels.secrecy, &extra)) {
    d.kind = Decision::Kind::kDeny;
    d.secrecy_to_add = extra;
    d.reason =
        "Agent carries " + secrecy_level_words(extra) + "-scoped data that cannot be written to '" +
        resource.description +
        "' due to secrecy constraints. The target resource is not authorized to receive this sensitive data.";
  }
  return d;
}

}  // namespace

const char* operation_name(Operation op) {
  switch (op) {
    case Operation::kRead:
      return "read";
    case Operation::kWrite:
      return "write";
    default:
      return "read-write";
  }
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::kStrict:
      return "strict";
    case Mode::kFilter:
      return "filter";
    default:
      return "propagate";
  }
}

std::optional<Mode> parse_mode(std::string_view text) {
  std::string lower = base::to_lower(base::trim(text));
  if (lower.empty() || lower == "strict") return Mode::kStrict;
  if (lower == "filter") return Mode::kFilter;
  if (lower == "propagate") return Mode::kPropagate;
  return std::nullopt;
}

Decision evaluate(const Labels& agent, const Resource& resource, Operation op, Mode mode) {
  if (op == Operation::kWrite) return evaluate_write(agent, resource);
  Decision read = evaluate_read(agent, resource, mode);
  if (op == Operation::kRead || !read.allowed()) return read;
  Decision write = evaluate_write(agent, resource);
  return write.allowed() ? Decision{} : write;
}

std::string violation_text(const Decision& decision, const Labels& agent, const Resource& resource) {
  std::string msg = "DIFC Violation: " + decision.reason + "\n\n";
  if (!decision.secrecy_to_add.empty()) {
    std::string tags = go_list(decision.secrecy_to_add);
    msg += "Required Action: Add secrecy tags " + tags + "\n";
    msg += "\nImplications of adding secrecy tags:\n";
    msg += "  - Agent will be restricted from writing to resources that lack these tags\n";
    msg += "  - This includes public resources (e.g., public repositories, public internet)\n";
    msg += "  - Agent will be marked as handling sensitive information\n";
    msg += "  - Future writes must target resources with tags: " + tags + "\n";
  }
  if (!decision.integrity_to_drop.empty()) {
    std::string tags = go_list(decision.integrity_to_drop);
    msg += "\nRequired Action: Drop integrity tags " + tags + "\n";
    msg += "\nImplications of dropping integrity tags:\n";
    msg += "  - Agent will no longer be able to write to high-integrity resources\n";
    msg += "  - Specifically, agent cannot write to resources requiring tags: " + tags + "\n";
    msg += "  - This action acknowledges that agent has been influenced by lower-integrity data\n";
    msg += "  - Agent's outputs will be considered less trustworthy\n";
  }
  msg += "\nCurrent Agent Labels:\n";
  msg += "  Secrecy: " + go_list(agent.secrecy.list()) + "\n";
  msg += "  Integrity: " + go_list(agent.integrity.list()) + "\n";
  msg += "\nResource Requirements:\n";
  msg += "  Secrecy: " + go_list(resource.labels.secrecy.list()) + "\n";
  msg += "  Integrity: " + go_list(resource.labels.integrity.list()) + "\n";
  return msg;
}

}  // namespace awmg::difc
