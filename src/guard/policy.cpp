#include "guard/policy.hpp"

#include <algorithm>
#include <set>

#include <re2/re2.h>

#include "base/strings.hpp"
#include "json/json.hpp"

namespace awmg::guard {
namespace {

using json::Value;

const std::set<std::string> kLevels = {"none", "unapproved", "approved", "merged"};
const std::set<std::string> kAllowOnlyFields = {"repos",
                                                "min-integrity",
                                                "integrity",
                                                "blocked-users",
                                                "approval-labels",
                                                "trusted-users",
                                                "refusal-labels",
                                                "endorsement-reactions",
                                                "disapproval-reactions",
                                                "disapproval-integrity",
                                                "endorser-min-integrity",
                                                "promotion-label",
                                                "demotion-label",
                                                "tool-call-limits"};

bool valid_scope(const std::string& scope) {
  static const RE2 pattern(R"([a-z0-9_-]{1,39}/([a-z0-9_-]{1,100}|\*|[a-z0-9_-]{1,99}\*))");
  return RE2::FullMatch(scope, pattern);
}

std::string string_of(const Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

Result<std::string> level_of(const Value& v, const std::string& field) {
  if (!v.IsString()) return Error{"allow-only " + field + " must be a string"};
  std::string level = base::to_lower(base::trim(string_of(v)));
  if (!kLevels.count(level))
    return Error{"allow-only " + field + " must be one of none, unapproved, approved, merged, got \"" +
                 string_of(v) + "\""};
  return level;
}

Result<std::string> repos_json(const Value& repos) {
  if (repos.IsString()) {
    std::string value = base::to_lower(base::trim(string_of(repos)));
    if (value != "all" && value != "public")
      return Error{"allow-only repos must be \"all\", \"public\" or an array of owner/repo scopes"};
    return json::quote(value);
  }
  if (!repos.IsArray() || repos.Empty())
    return Error{"allow-only repos must be \"all\", \"public\" or a non-empty array of owner/repo scopes"};
  std::set<std::string> scopes;
  for (const Value& entry : repos.GetArray()) {
    std::string scope = entry.IsString() ? std::string(base::trim(string_of(entry))) : "";
    if (!valid_scope(scope))
      return Error{"allow-only repos entry \"" +
                   (entry.IsString() ? string_of(entry) : json::to_string(entry)) +
                   "\" is not a lowercase owner/*, owner/repo or owner/prefix* scope"};
    if (!scopes.insert(scope).second) return Error{"allow-only repos lists \"" + scope + "\" twice"};
  }
  std::string out = "[";
  for (const auto& scope : scopes) out += (out.size() > 1 ? "," : "") + json::quote(scope);
  return out + "]";
}

Result<std::string> string_array_json(const Value& v, const std::string& field, bool upper) {
  std::vector<std::string> items;
  if (field == "refusal-labels" && v.IsString()) {
    for (auto& part : base::split(string_of(v), ',')) {
      for (auto& line : base::split(part, '\n')) {
        std::string item(base::trim(line));
        if (!item.empty()) items.push_back(item);
      }
    }
  } else {
    if (!v.IsArray()) return Error{"allow-only " + field + " must be an array of strings"};
    for (const Value& item : v.GetArray()) {
      if (!item.IsString() || base::trim(string_of(item)).empty())
        return Error{"allow-only " + field + " must hold non-empty strings"};
      std::string text(base::trim(string_of(item)));
      items.push_back(upper ? base::to_upper(text) : text);
    }
  }
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? "," : "") + json::quote(item);
  return out + "]";
}

Result<std::map<std::string, int64_t>> limits_of(const Value& v) {
  if (!v.IsObject()) return Error{"allow-only tool-call-limits must be an object of tool: count"};
  std::map<std::string, int64_t> limits;
  for (const auto& m : v.GetObject()) {
    std::string tool(base::trim(string_of(m.name)));
    if (tool.empty() || !m.value.IsInt64() || m.value.GetInt64() < 0)
      return Error{"allow-only tool-call-limits must map tool names to counts of 0 or more"};
    limits[tool] = m.value.GetInt64();
  }
  return limits;
}

Status parse_allow_only(const Value& object, Policy& policy) {
  if (!object.IsObject()) return Error{"allow-only must be an object"};
  std::map<std::string, std::string> fields;  // sorted: the transport is byte-stable
  for (const auto& m : object.GetObject()) {
    std::string key = base::to_lower(string_of(m.name));
    if (!kAllowOnlyFields.count(key))
      return Error{"allow-only contains unsupported field \"" + string_of(m.name) + "\""};
    if (key == "repos") {
      AWMG_TRY(fields["repos"], repos_json(m.value));
    } else if (key == "min-integrity" || key == "integrity") {
      AWMG_TRY(auto level, level_of(m.value, key));
      fields["min-integrity"] = json::quote(level);
    } else if (key == "disapproval-integrity" || key == "endorser-min-integrity") {
      AWMG_TRY(auto level, level_of(m.value, key));
      fields[key] = json::quote(level);
    } else if (key == "promotion-label" || key == "demotion-label") {
      if (!m.value.IsString()) return Error{"allow-only " + key + " must be a string"};
      fields[key] = json::quote(string_of(m.value));
    } else if (key == "tool-call-limits") {
      AWMG_TRY(policy.tool_call_limits, limits_of(m.value));
    } else {
      bool upper = key == "endorsement-reactions" || key == "disapproval-reactions";
      AWMG_TRY(fields[key], string_array_json(m.value, key, upper));
    }
  }
  if (!fields.count("repos")) return Error{"allow-only requires repos"};
  if (!fields.count("min-integrity")) return Error{"allow-only requires min-integrity"};
  std::string out = "{";
  for (const auto& [key, value] : fields) out += (out.size() > 1 ? "," : "") + json::quote(key) + ":" + value;
  policy.allow_only_json = out + "}";
  return ok_status();
}

Status parse_write_sink(const Value& object, Policy& policy) {
  if (!object.IsObject()) return Error{"write-sink must be an object"};
  for (const auto& m : object.GetObject()) {
    std::string key = base::to_lower(string_of(m.name));
    if (key == "accept") {
      if (!m.value.IsArray() || m.value.Empty()) return Error{"write-sink accept must be a non-empty array"};
      for (const Value& entry : m.value.GetArray()) {
        if (!entry.IsString() || string_of(entry).empty())
          return Error{"write-sink accept must hold non-empty strings"};
        policy.accept.push_back(string_of(entry));
      }
    } else if (key == "sink-visibility") {
      std::string visibility = m.value.IsString() ? base::to_lower(base::trim(string_of(m.value))) : "";
      if (visibility != "public" && visibility != "private" && visibility != "internal")
        return Error{"write-sink sink-visibility must be public, private or internal"};
      policy.sink_visibility = visibility;
    } else {
      return Error{"write-sink contains unsupported field \"" + string_of(m.name) + "\""};
    }
  }
  if (policy.accept.empty()) return Error{"write-sink requires accept"};
  if (policy.accept.size() > 1 && std::count(policy.accept.begin(), policy.accept.end(), "*"))
    return Error{"write-sink accept may hold \"*\" only alone"};
  return ok_status();
}

Result<Policy> policy_of(const Value& object) {
  if (!object.IsObject()) return Error{"policy must be a JSON object"};
  const Value* allow_only = nullptr;
  const Value* write_sink = nullptr;
  for (const auto& m : object.GetObject()) {
    std::string key = base::to_lower(string_of(m.name));
    if (key == "allow-only" || key == "allowonly")
      allow_only = &m.value;
    else if (key == "write-sink" || key == "writesink")
      write_sink = &m.value;
    else
      return Error{"policy contains unsupported field \"" + string_of(m.name) + "\""};
  }
  if (allow_only && write_sink) return Error{"policy must include only one of allow-only or write-sink"};
  if (!allow_only && !write_sink) return Error{"policy must include allow-only or write-sink"};
  Policy policy;
  if (allow_only) {
    AWMG_CHECK(parse_allow_only(*allow_only, policy));
  } else {
    policy.kind = Policy::Kind::kWriteSink;
    AWMG_CHECK(parse_write_sink(*write_sink, policy));
  }
  return policy;
}

bool has_policy_key(const Value& object) {
  for (const auto& m : object.GetObject()) {
    std::string key = base::to_lower(string_of(m.name));
    if (key == "allow-only" || key == "allowonly" || key == "write-sink" || key == "writesink") return true;
  }
  return false;
}

}  // namespace

Result<Policy> parse_policy(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return Error{"policy is not valid JSON: " + doc.error().message};
  return policy_of(*doc);
}

Result<std::optional<Policy>> parse_server_policies(std::string_view text, const std::string& server_id) {
  auto doc = json::parse(text);
  if (!doc) return Error{"guard-policies is not valid JSON: " + doc.error().message};
  const Value& object = *doc;
  if (!object.IsObject() || object.ObjectEmpty()) return std::optional<Policy>();
  if (has_policy_key(object)) {
    AWMG_TRY(auto policy, policy_of(object));
    return std::optional<Policy>(std::move(policy));
  }
  if (json::member(object, "repos")) {  // the legacy flat allow-only fields
    Policy policy;
    AWMG_CHECK(parse_allow_only(object, policy));
    return std::optional<Policy>(std::move(policy));
  }
  const Value* nested = json::member(object, server_id.c_str());
  if (!nested && object.MemberCount() == 1) nested = &object.MemberBegin()->value;
  if (nested && nested->IsObject() && has_policy_key(*nested)) {
    AWMG_TRY(auto policy, policy_of(*nested));
    return std::optional<Policy>(std::move(policy));
  }
  return std::optional<Policy>();
}

void force_public_repos(Policy& policy) {
  if (policy.kind != Policy::Kind::kAllowOnly) return;
  auto doc = json::parse(policy.allow_only_json);
  if (!doc || !doc->IsObject()) return;
  auto repos = doc->FindMember("repos");
  if (repos == doc->MemberEnd()) return;
  repos->value.SetString("public", doc->GetAllocator());
  policy.allow_only_json = json::to_string(*doc);
}

Policy public_repos_policy() {
  Policy policy;
  policy.allow_only_json = R"({"min-integrity":"none","repos":"public"})";
  return policy;
}

namespace {

// The allow-only object with `users` added to its trusted-users (case-insensitively once), keys kept sorted.
std::string with_trusted_users(const std::string& allow_only_json, const std::vector<std::string>& users) {
  auto doc = json::parse(allow_only_json);
  if (users.empty() || !doc || !doc->IsObject()) return allow_only_json;
  auto& alloc = doc->GetAllocator();
  if (!doc->HasMember("trusted-users"))
    doc->AddMember("trusted-users", json::Value(rapidjson::kArrayType), alloc);
  json::Value& list = (*doc)["trusted-users"];
  if (!list.IsArray()) list.SetArray();
  for (const auto& user : users) {
    bool known = false;
    for (const auto& v : list.GetArray())
      known = known || (v.IsString() && base::to_lower(v.GetString()) == base::to_lower(user));
    if (!known) list.PushBack(json::Value(user.c_str(), alloc), alloc);
  }
  std::vector<std::pair<std::string, std::string>> members;
  for (const auto& m : doc->GetObject()) members.emplace_back(m.name.GetString(), json::to_string(m.value));
  std::sort(members.begin(), members.end());
  std::string out = "{";
  for (const auto& [name, value] : members)
    out += (out.size() > 1 ? "," : "") + json::quote(name) + ":" + value;
  return out + "}";
}

}  // namespace

std::string label_agent_payload(const Policy& policy, const std::vector<std::string>& trusted_bots,
                                const std::vector<std::string>& trusted_users) {
  std::string out = R"({"allow-only":)" + with_trusted_users(policy.allow_only_json, trusted_users);
  if (!trusted_bots.empty()) {
    out += R"(,"trusted-bots":[)";
    for (size_t i = 0; i < trusted_bots.size(); ++i) out += (i ? "," : "") + json::quote(trusted_bots[i]);
    out += "]";
  }
  return out + "}";
}

}  // namespace awmg::guard
