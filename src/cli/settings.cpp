#include "cli/settings.hpp"

#include "base/random.hpp"
#include "base/strings.hpp"
#include "cli/env.hpp"
#include "json/json.hpp"
#include "log/logger.hpp"

namespace awmg::cli {
namespace {

// Flag if typed; else the env-supplied flag default when it differs from the built-in default; else the
// config value; else the built-in default.
template <typename T>
T pick(bool typed, const T& flag_value, const T& builtin, const std::optional<T>& from_config) {
  if (typed || flag_value != builtin) return flag_value;
  return from_config.value_or(builtin);
}

Result<std::string> allowonly_policy(const GatewayOptions& o) {
  if (!o.allowonly_scope_repo.empty() && o.allowonly_scope_owner.empty()) {
    return Error{
        "invalid guard policy configuration: --allowonly-scope-repo requires --allowonly-scope-owner"};
  }
  std::string repos;
  if (o.allowonly_scope_public) {
    repos = "\"public\"";
  } else if (!o.allowonly_scope_owner.empty()) {
    std::string scope =
        o.allowonly_scope_owner + "/" + (o.allowonly_scope_repo.empty() ? "*" : o.allowonly_scope_repo);
    repos = "[" + json::quote(scope) + "]";
  } else {
    repos = "\"all\"";
  }
  std::string integrity = o.allowonly_min_integrity.empty() ? "none" : o.allowonly_min_integrity;
  return "{\"allow-only\":{\"repos\":" + repos + ",\"min-integrity\":" + json::quote(integrity) + "}}";
}

bool any_allowonly_typed(const GatewayOptions& o) {
  for (const char* f : {"allowonly-scope-public", "allowonly-scope-owner", "allowonly-scope-repo",
                        "allowonly-min-integrity"}) {
    if (o.was_set(f)) return true;
  }
  return false;
}

bool any_allowonly_env() {
  for (const char* v : {"MCP_GATEWAY_ALLOWONLY_SCOPE_PUBLIC", "MCP_GATEWAY_ALLOWONLY_SCOPE_OWNER",
                        "MCP_GATEWAY_ALLOWONLY_SCOPE_REPO", "MCP_GATEWAY_ALLOWONLY_MIN_INTEGRITY"}) {
    if (env_value(v)) return true;
  }
  return false;
}

Status check_policy_json(const std::string& text) {
  auto doc = json::parse(text);
  if (!doc || !doc->IsObject()) {
    return Error{"invalid guard policy configuration: invalid guard policy JSON: " +
                 (doc ? std::string("expected a JSON object") : doc.error().message)};
  }
  return ok_status();
}

}  // namespace

Result<std::string> guard_policy_override(const GatewayOptions& o) {
  std::string policy;
  std::string typed_json(base::trim(o.guard_policy_json));
  std::string env_json(base::trim(env_value("MCP_GATEWAY_GUARD_POLICY_JSON").value_or("")));
  if (o.was_set("guard-policy-json") || any_allowonly_typed(o)) {  // anything typed: the command line decides
    if (o.was_set("guard-policy-json") && !typed_json.empty()) {
      policy = typed_json;
    } else if (any_allowonly_typed(o)) {
      AWMG_TRY(policy, allowonly_policy(o));
    }
  } else if (!env_json.empty()) {
    policy = env_json;
  } else if (any_allowonly_env()) {
    AWMG_TRY(policy, allowonly_policy(o));
  }
  if (!policy.empty()) AWMG_CHECK(check_policy_json(policy));
  return policy;
}

Result<config::Settings> resolve_settings(const GatewayOptions& o, config::Config& config) {
  config::Settings s;
  s.listen = o.listen;
  s.unified = o.unified_mode();
  s.tls_cert = o.tls_cert;
  s.tls_key = o.tls_key;
  s.tls_ca = o.tls_ca;
  s.tls = !o.tls_cert.empty();
  s.log_dir = o.log_dir;
  s.hmac_secret = o.hmac_secret;
  s.shutdown_timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.shutdown_timeout).count();
  const auto& g = config.gateway;
  s.payload_dir =
      pick<std::string>(o.was_set("payload-dir"), o.payload_dir, kDefaultPayloadDir, g.payload_dir);
  s.payload_path_prefix =
      pick<std::string>(o.was_set("payload-path-prefix"), o.payload_path_prefix, "", g.payload_path_prefix);
  s.payload_size_threshold = pick<int64_t>(o.was_set("payload-size-threshold"), o.payload_size_threshold,
                                           kDefaultPayloadSizeThreshold, g.payload_size_threshold);
  s.health_interval_ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.health_interval).count();
  if (s.health_interval_ms < 0)
    return Error{"--health-interval (MCP_GATEWAY_HEALTH_INTERVAL) must not be negative (0s turns it off)"};
  s.payload_retention_seconds = std::chrono::duration_cast<std::chrono::seconds>(o.payload_retention).count();
  s.url_domain_audit =
      pick<bool>(o.was_set("url-domain-audit"), o.url_domain_audit, false, g.url_domain_audit);
  AWMG_TRY(std::string mode, explicit_guards_mode(o));
  if (mode.empty() && config.guards_mode) {
    mode = base::to_lower(base::trim(*config.guards_mode));
    if (mode != "strict" && mode != "filter" && mode != "propagate") {
      return Error{"invalid guards_mode in config: unknown enforcement mode: " + *config.guards_mode +
                   " (valid modes: strict, filter, propagate)"};
    }
  }
  s.guards_mode = mode.empty() ? "strict" : mode;
  s.sequential_launch =
      o.was_set("sequential-launch") ? o.sequential_launch : config.sequential_launch.value_or(false);
  AWMG_TRY(s.guard_policy_override_json, guard_policy_override(o));
  s.force_public_repos =
      config.gateway.force_public_repos.value_or(true) && env_bool("MCP_GATEWAY_FORCE_PUBLIC_REPOS", true);
  AWMG_TRY(s.sink_server_ids, parse_sink_server_ids(o.guards_sink_server_ids));
  for (const auto& id : s.sink_server_ids) {
    if (!config.find_server(id))
      log::warn("startup", "Guards sink server ID '" + id + "' is not configured in mcpServers");
  }
  if (config.gateway.agent_id.empty() && config.gateway.agent_ids.empty())
    config.gateway.agent_id = base::random_hex(32);
  return s;
}

}  // namespace awmg::cli
