#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/duration.hpp"
#include "base/result.hpp"
#include "cli/shared_flags.hpp"

namespace awmg::cli {

inline constexpr const char* kDefaultPayloadDir = "/tmp/jq-payloads";
inline constexpr int64_t kDefaultPayloadSizeThreshold = 524288;

// The root command's flags, with env-supplied defaults already applied.
struct GatewayOptions {
  std::vector<std::string> args;  // as given, to parse again once the --env file is loaded
  std::string config_file;
  bool config_stdin = false;
  bool demo = false;
  std::string listen = "127.0.0.1:3000";
  bool routed = false;
  bool unified = false;
  std::string env_file;
  bool validate_env = false;
  int verbose = 0;
  base::Duration shutdown_timeout{};
  bool sequential_launch = false;
  std::string log_dir;
  std::string payload_dir;
  std::string wasm_cache_dir;
  std::string payload_path_prefix;
  int64_t payload_size_threshold = kDefaultPayloadSizeThreshold;
  base::Duration payload_retention{};
  base::Duration health_interval{};
  bool url_domain_audit = false;
  std::string guards_mode;
  std::string guards_sink_server_ids;
  std::string guard_policy_json;
  bool allowonly_scope_public = false;
  std::string allowonly_scope_owner;
  std::string allowonly_scope_repo;
  std::string allowonly_min_integrity;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  std::string hmac_secret;
  TelemetryFlags telemetry;
  bool version = false;
  bool help = false;

  std::set<std::string> changed;  // flags typed on the command line
  bool was_set(const std::string& name) const { return changed.count(name) > 0; }
  bool unified_mode() const { return unified; }  // --unified > --routed > routed
};

// Parses the root command line (args after the program name). Flag errors carry pflag/Cobra wording;
// the caller appends the usage hint.
Result<GatewayOptions> parse_gateway_options(const std::vector<std::string>& args);

// The root command's help text (Cobra layout).
std::string gateway_help();

// Every root flag as typed ("--config", "-c", ...), for shell completion.
std::vector<std::string> gateway_flag_words();

// `--wasm-cache-dir` if typed and non-blank, else MCP_GATEWAY_WASM_CACHE_DIR if non-blank, else
// `dir(clean(log-dir))/wazero-cache`.
std::string resolve_wasm_cache_dir(const GatewayOptions& options);
std::string resolve_wasm_cache_dir(bool flag_set, const std::string& flag_value, const std::string& log_dir);

// Runtime checks that also catch env-supplied values (TLS pairs).
Status check_tls_options(const GatewayOptions& options);

// The guards mode after `--guards-mode` / MCP_GATEWAY_GUARDS_MODE, lowercased and validated; empty when
// neither was given (the config file then decides).
Result<std::string> explicit_guards_mode(const GatewayOptions& options);

// Parses `--guards-sink-server-ids` (comma-separated).
Result<std::vector<std::string>> parse_sink_server_ids(const std::string& csv);

// Applies -vv / -vvv to DEBUG when DEBUG is unset.
void apply_verbosity(int verbose);

}  // namespace awmg::cli
