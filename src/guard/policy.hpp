#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace awmg::guard {

// A guard policy from the config, validated and normalized.
struct Policy {
  enum class Kind { kAllowOnly, kWriteSink };
  Kind kind = Kind::kAllowOnly;
  // allow-only: the normalized object sent to label_agent (repos and levels lowercased, refusal-labels as an
  // array), without tool-call-limits, which the gateway enforces itself (Q3, Q4).
  std::string allow_only_json;
  std::map<std::string, int64_t> tool_call_limits;  // 0 = unlimited
  // write-sink
  std::vector<std::string> accept;
  std::string sink_visibility;  // lowercased; "" when not set
};

Result<Policy> parse_policy(std::string_view json);

// The shapes `mcpServers.<id>.guard-policies` may take: a policy; the legacy flat allow-only fields; a policy
// nested under the server id; a single-key map whose value is a policy. nullopt when none of them.
Result<std::optional<Policy>> parse_server_policies(std::string_view json, const std::string& server_id);

// Force-public-repos: an allow-only policy's `repos` becomes "public" (a write-sink policy is left as it is).
void force_public_repos(Policy& policy);
// The policy a server without one gets under force-public-repos: allow-only, public repositories, no minimum
// integrity.
Policy public_repos_policy();

// The label_agent input: `{"allow-only":{...},"trusted-bots":[...]}`, keys sorted; `trusted_users` (the
// proxy's --trusted-users) join the allow-only object's trusted-users.
std::string label_agent_payload(const Policy& policy, const std::vector<std::string>& trusted_bots,
                                const std::vector<std::string>& trusted_users = {});

}  // namespace awmg::guard
