#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace awmg::config {

// Process-wide settings after the CLI/env/config precedence rules are applied.
// The rest of the gateway reads these and the Config, never the flags.
struct Settings {
  std::string listen;
  bool unified = false;
  bool tls = false;
  std::string tls_cert, tls_key, tls_ca;
  std::string log_dir;
  std::string wasm_cache_dir;  // empty = in-memory
  std::string payload_dir;
  std::string payload_path_prefix;
  int64_t payload_size_threshold = 0;
  int64_t payload_retention_seconds = 0;  // 0: payload files are kept forever
  bool url_domain_audit = false;
  std::string guards_mode = "strict";
  bool sequential_launch = false;
  std::vector<std::string> sink_server_ids;
  std::string guard_policy_override_json;  // the global policy override; empty = none
  // Force-public-repos is on: neither gateway.forcePublicRepos nor MCP_GATEWAY_FORCE_PUBLIC_REPOS is false.
  bool force_public_repos = true;
  std::string hmac_secret;
  int64_t shutdown_timeout_ms = 5000;
  int64_t health_interval_ms = 30000;  // ping every backend this often; 0: no health monitor, no restarts
};

}  // namespace awmg::config
