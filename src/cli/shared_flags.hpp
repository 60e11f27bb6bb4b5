#pragma once
#include <string>

#include "cli/flag_set.hpp"

namespace awmg::cli {

inline constexpr const char* kDefaultLogDir = "/tmp/gh-aw/mcp-logs";

// The flags more than one command takes (the gateway, `awmg proxy`, `awmg guard`), each declared once, with
// the environment variable that sets its default.
void add_listen_flag(FlagSet& flags, std::string* listen);
void add_log_dir_flag(FlagSet& flags, std::string* log_dir);                // MCP_GATEWAY_LOG_DIR
void add_wasm_cache_dir_flag(FlagSet& flags, std::string* wasm_cache_dir);  // see resolve_wasm_cache_dir
void add_guards_mode_flag(FlagSet& flags, std::string* mode);               // MCP_GATEWAY_GUARDS_MODE
// The guard policy: `--guard-policy-json` for the gateway, `--policy` for the proxy.
void add_guard_policy_flag(FlagSet& flags, const char* name, std::string* policy_json,
                           const char* usage);  // MCP_GATEWAY_GUARD_POLICY_JSON

struct TelemetryFlags {
  std::string otlp_endpoint;      // OTEL_EXPORTER_OTLP_ENDPOINT
  std::string otlp_service_name;  // OTEL_SERVICE_NAME
  double otlp_sample_rate = 1.0;
};
void add_telemetry_flags(FlagSet& flags, TelemetryFlags* telemetry);

}  // namespace awmg::cli
