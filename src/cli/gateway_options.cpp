#include "cli/gateway_options.hpp"

#include <algorithm>
#include <cstdlib>

#include "base/files.hpp"
#include "base/strings.hpp"
#include "cli/env.hpp"
#include "cli/flag_set.hpp"
#include "cli/flag_words.hpp"

namespace awmg::cli {
namespace {

void register_flags(FlagSet& f, GatewayOptions& o) {
  f.add_string("config", 'c', &o.config_file, "Path to the TOML config file");
  f.add_bool("config-stdin", 0, &o.config_stdin, "Read the JSON config from stdin (wins over --config)");
  f.add_bool("demo", 0, &o.demo,
             "Run on the embedded demo config (a local stdio MCP server; no Docker needed)");
  add_listen_flag(f, &o.listen);
  f.add_bool("routed", 0, &o.routed, "Routed mode: one MCP endpoint per backend at /mcp/<server> (default)");
  f.add_bool("unified", 0, &o.unified,
             "Unified mode: all backends behind /mcp, tools named <server>___<tool>");
  f.add_string("env", 0, &o.env_file, "Load a .env file into the process environment");
  f.add_bool("validate-env", 0, &o.validate_env, "Check Docker and required environment variables first");
  f.add_count("verbose", 'v', &o.verbose,
              "Verbosity: -v debug for cmd, -vv for cmd/server/launcher, -vvv all (DEBUG, when set, wins)");
  f.add_duration("shutdown-timeout", 0, &o.shutdown_timeout, "Graceful HTTP drain budget on SIGINT/SIGTERM",
                 {"MCP_GATEWAY_SHUTDOWN_TIMEOUT"}, std::chrono::seconds(5));
  f.add_bool("sequential-launch", 0, &o.sequential_launch, "Launch and list backends one by one");
  add_log_dir_flag(f, &o.log_dir);
  f.add_string("payload-dir", 0, &o.payload_dir, "Directory for large tool results written to disk",
               {"MCP_GATEWAY_PAYLOAD_DIR"}, kDefaultPayloadDir);
  add_wasm_cache_dir_flag(f, &o.wasm_cache_dir);
  f.add_string("payload-path-prefix", 0, &o.payload_path_prefix, "Prefix for payloadPath returned to clients",
               {"MCP_GATEWAY_PAYLOAD_PATH_PREFIX"}, "");
  f.add_int("payload-size-threshold", 0, &o.payload_size_threshold,
            "Tool results larger than this many bytes are written to disk",
            {"MCP_GATEWAY_PAYLOAD_SIZE_THRESHOLD"}, kDefaultPayloadSizeThreshold);
  f.add_duration("payload-retention", 0, &o.payload_retention,
                 "Payloads written to disk are removed after this long (0s: kept forever)",
                 {"MCP_GATEWAY_PAYLOAD_RETENTION", true}, std::chrono::hours(24));
  f.add_duration("health-interval", 0, &o.health_interval,
                 "Ping every backend this often and restart those that died or did not answer (0s: off)",
                 {"MCP_GATEWAY_HEALTH_INTERVAL", true}, std::chrono::seconds(30));
  f.add_bool("url-domain-audit", 0, &o.url_domain_audit, "Record URL domains seen in tool results",
             {"MCP_GATEWAY_URL_DOMAIN_AUDIT"}, false);
  add_guards_mode_flag(f, &o.guards_mode);
  f.add_string("guards-sink-server-ids", 0, &o.guards_sink_server_ids,
               "Comma-separated server IDs whose RPC log records carry agent tag snapshots",
               {"MCP_GATEWAY_GUARDS_SINK_SERVER_IDS"}, "");
  add_guard_policy_flag(f, "guard-policy-json", &o.guard_policy_json, "Global guard policy override (JSON)");
  f.add_bool("allowonly-scope-public", 0, &o.allowonly_scope_public, "Allow-only policy with public scope",
             {"MCP_GATEWAY_ALLOWONLY_SCOPE_PUBLIC"}, false);
  f.add_string("allowonly-scope-owner", 0, &o.allowonly_scope_owner, "Allow-only policy owner scope",
               {"MCP_GATEWAY_ALLOWONLY_SCOPE_OWNER"}, "");
  f.add_string("allowonly-scope-repo", 0, &o.allowonly_scope_repo,
               "Allow-only policy repo scope (needs owner)", {"MCP_GATEWAY_ALLOWONLY_SCOPE_REPO"}, "");
  f.add_string("allowonly-min-integrity", 0, &o.allowonly_min_integrity,
               "Allow-only minimum integrity: none, unapproved, approved or merged",
               {"MCP_GATEWAY_ALLOWONLY_MIN_INTEGRITY"}, "");
  f.add_string("tls-cert", 0, &o.tls_cert, "TLS certificate (PEM); enables HTTPS", {"MCP_GATEWAY_TLS_CERT"},
               "");
  f.add_string("tls-key", 0, &o.tls_key, "TLS private key (PEM)", {"MCP_GATEWAY_TLS_KEY"}, "");
  f.add_string("tls-ca", 0, &o.tls_ca, "CA certificate (PEM): require and verify client certificates",
               {"MCP_GATEWAY_CA_CERT"}, "");
  f.add_string("hmac-secret", 0, &o.hmac_secret, "Require HMAC-signed MCP requests",
               {"MCP_GATEWAY_HMAC_SECRET"}, "");
  add_telemetry_flags(f, &o.telemetry);
  f.add_bool("version", 0, &o.version, "Print the version and exit");
}

// Cobra's flag-group checks, in Cobra's order; they only see flags typed on the command line.
Status check_flag_groups(const GatewayOptions& o) {
  bool cert = o.was_set("tls-cert"), key = o.was_set("tls-key");
  if (cert != key) {
    return Error{
        std::string("if any flags in the group [tls-cert tls-key] are set they must all be set; missing [") +
        (cert ? "tls-key" : "tls-cert") + "]"};
  }
  if (!o.was_set("config") && !o.was_set("config-stdin") && !o.was_set("demo")) {
    return Error{"at least one of the flags in the group [config config-stdin] is required"};
  }
  if (o.was_set("routed") && o.was_set("unified")) {
    return Error{
        "if any flags in the group [routed unified] are set none of the others can be; [routed unified] were "
        "all set"};
  }
  return ok_status();
}

}  // namespace

Result<GatewayOptions> parse_gateway_options(const std::vector<std::string>& args) {
  reset_environment_refusals();  // (the flags' defaults read the environment afresh)
  GatewayOptions o;
  o.args = args;
  FlagSet flags;
  register_flags(flags, o);
  auto positionals = flags.parse(args);
  if (!positionals) return positionals.error();
  for (const auto& f : flags.flags()) {
    if (f.changed) o.changed.insert(f.name);
  }
  o.help = flags.help_requested();
  if (o.help || o.version) return o;
  if (!positionals->empty())
    return Error{"unknown command " + base::quote(positionals->front()) + " for \"awmg\""};
  if (auto s = check_flag_groups(o); !s) return s.error();
  return o;
}

std::string gateway_help() {
  GatewayOptions o;
  FlagSet flags;
  register_flags(flags, o);
  return "MCPG Gateway: an MCP gateway with WebAssembly guards that enforce information-flow control.\n"
         "It starts and multiplexes backend MCP servers and serves them over MCP Streamable HTTP.\n\n"
         "Usage:\n  awmg [flags]\n  awmg [command]\n\n"
         "Operation Modes\n  proxy       GitHub API filtering proxy (REST and GraphQL) guarded like the "
         "gateway\n\n"
         "Utilities\n  completion  Generate the autocompletion script for the specified shell\n"
         "  help        Help about any command\n\n"
         "Flags:\n" +
         flags.usages() + "\nUse \"awmg [command] --help\" for more information about a command.\n";
}

std::vector<std::string> gateway_flag_words() {
  GatewayOptions o;
  FlagSet flags;
  register_flags(flags, o);
  return flag_words(flags);
}

std::string resolve_wasm_cache_dir(bool flag_set, const std::string& flag_value, const std::string& log_dir) {
  if (flag_set && !base::trim(flag_value).empty()) return std::string(base::trim(flag_value));
  if (auto env = env_value("MCP_GATEWAY_WASM_CACHE_DIR"); env && !base::trim(*env).empty()) {
    return std::string(base::trim(*env));
  }
  if (log_dir.empty()) return "wazero-cache";
  std::string parent = base::dir_name(base::clean_path(log_dir));
  return parent == "." ? "wazero-cache" : (parent == "/" ? "/wazero-cache" : parent + "/wazero-cache");
}

std::string resolve_wasm_cache_dir(const GatewayOptions& o) {
  return resolve_wasm_cache_dir(o.was_set("wasm-cache-dir"), o.wasm_cache_dir, o.log_dir);
}

Status check_tls_options(const GatewayOptions& o) {
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return Error{"--tls-cert and --tls-key must both be provided together"};
  }
  if (!o.tls_ca.empty() && o.tls_cert.empty()) {
    return Error{"--tls-ca requires --tls-cert and --tls-key to also be set"};
  }
  return ok_status();
}

Result<std::string> explicit_guards_mode(const GatewayOptions& o) {
  if (!o.was_set("guards-mode") && !env_value("MCP_GATEWAY_GUARDS_MODE")) return std::string();
  std::string mode = base::to_lower(base::trim(o.guards_mode));
  if (mode != "strict" && mode != "filter" && mode != "propagate") {
    return Error{"invalid --guards-mode flag: unknown enforcement mode: " + o.guards_mode +
                 " (valid modes: strict, filter, propagate)"};
  }
  return mode;
}

Result<std::vector<std::string>> parse_sink_server_ids(const std::string& csv) {
  std::vector<std::string> ids;
  for (const auto& raw : base::split(csv, ',')) {
    std::string id(base::trim(raw));
    if (id.empty()) continue;
    if (id.find_first_of(" \t\r\n\v\f") != std::string::npos) {
      return Error{"invalid --guards-sink-server-ids value: invalid guards sink server ID " +
                   base::quote(id) + ": whitespace is not allowed"};
    }
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

void apply_verbosity(int verbose) {
  if (std::getenv("DEBUG")) return;
  if (verbose >= 3) {
    ::setenv("DEBUG", "*", 1);
  } else if (verbose == 2) {
    ::setenv("DEBUG", "cmd:*,server:*,launcher:*", 1);
  } else if (verbose == 1) {  // (info is the default: -v adds the gateway's own startup decisions)
    ::setenv("DEBUG", "cmd:*", 1);
  }
}

}  // namespace awmg::cli
