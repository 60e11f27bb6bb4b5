#include "cli/shared_flags.hpp"

namespace awmg::cli {

void add_listen_flag(FlagSet& flags, std::string* listen) {
  flags.add_string("listen", 'l', listen, "HTTP listen address (host:port)");
}

void add_log_dir_flag(FlagSet& flags, std::string* log_dir) {
  flags.add_string("log-dir", 0, log_dir, "Log directory", {"MCP_GATEWAY_LOG_DIR"}, kDefaultLogDir);
}

void add_wasm_cache_dir_flag(FlagSet& flags, std::string* wasm_cache_dir) {
  flags.add_string("wasm-cache-dir", 0, wasm_cache_dir,
                   "Guard compilation cache directory (default: sibling of <log-dir>, named wazero-cache)");
}

void add_guards_mode_flag(FlagSet& flags, std::string* mode) {
  flags.add_string("guards-mode", 0, mode, "DIFC enforcement mode: strict, filter or propagate",
                   {"MCP_GATEWAY_GUARDS_MODE"}, "strict");
}

void add_guard_policy_flag(FlagSet& flags, const char* name, std::string* policy_json, const char* usage) {
  flags.add_string(name, 0, policy_json, usage, {"MCP_GATEWAY_GUARD_POLICY_JSON"}, "");
}

void add_telemetry_flags(FlagSet& flags, TelemetryFlags* telemetry) {
  flags.add_string("otlp-endpoint", 0, &telemetry->otlp_endpoint,
                   "OTLP/HTTP traces endpoint (empty: tracing off)", {"OTEL_EXPORTER_OTLP_ENDPOINT"}, "");
  flags.add_string("otlp-service-name", 0, &telemetry->otlp_service_name, "OpenTelemetry service.name",
                   {"OTEL_SERVICE_NAME"}, "mcp-gateway");
  flags.add_float("otlp-sample-rate", 0, &telemetry->otlp_sample_rate, "Trace sample rate, 0.0 to 1.0");
}

}  // namespace awmg::cli
