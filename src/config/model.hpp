#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awmg::config {

inline constexpr int kDefaultPort = 3000;
inline constexpr int kDefaultStartupTimeout = 30;
inline constexpr int kDefaultToolTimeout = 60;
inline constexpr int kDefaultKeepaliveInterval = 1500;
inline constexpr int kDefaultConnectTimeout = 30;
inline constexpr int kDefaultRateLimitThreshold = 3;
inline constexpr int kDefaultRateLimitCooldown = 60;

// `[gateway.opentelemetry]` / JSON `opentelemetry`, or the legacy TOML `[gateway.tracing]`.
struct TelemetryConfig {
  std::string endpoint;
  std::string trace_id;
  std::string span_id;
  std::string service_name = "mcp-gateway";
  std::map<std::string, std::string> headers;
  std::optional<double> sample_rate;
  bool legacy = false;  // from [gateway.tracing]: http allowed, no ${VAR} expansion
};

struct GatewayConfig {
  int port = kDefaultPort;
  std::string agent_id;                // empty: a random one is generated at startup
  bool agent_id_from_api_key = false;  // came from the deprecated apiKey/api_key
  // agentIds / agent_ids: several agents, each its own key and its own DIFC state (exclusive with agent_id).
  std::vector<std::string> agent_ids;
  // The keys clients may send: agent_ids when set, else agent_id.
  std::vector<std::string> keys() const {
    return agent_ids.empty() ? std::vector<std::string>{agent_id} : agent_ids;
  }
  std::string domain;
  int startup_timeout = kDefaultStartupTimeout;
  int tool_timeout = kDefaultToolTimeout;
  int keepalive_interval = kDefaultKeepaliveInterval;  // seconds; -1 disables
  // Payload settings: std::nullopt when the config did not set them (the CLI precedence needs to know).
  std::optional<std::string> payload_dir;
  std::optional<std::string> payload_path_prefix;
  std::optional<int64_t> payload_size_threshold;
  std::optional<bool> url_domain_audit;
  std::optional<std::vector<std::string>> trusted_bots;
  std::optional<bool> force_public_repos;
  std::vector<std::string> sink_visibility_exempt_servers;
  std::optional<TelemetryConfig> telemetry;
};

struct AuthConfig {
  std::string type;      // only "github-oidc"
  std::string audience;  // defaults to the server url
};

enum class ServerType { kStdio, kHttp, kCustom };

struct ServerConfig {
  std::string id;
  ServerType type = ServerType::kStdio;
  std::string type_name = "stdio";  // as configured after normalisation ("stdio", "http" or a custom type)
  // stdio: the process to run. JSON configs always become `docker run ...`; TOML may name any executable.
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // TOML: added to the child's environment
  std::string working_directory;
  // http
  std::string url;
  std::map<std::string, std::string> headers;
  std::optional<AuthConfig> auth;
  int connect_timeout = kDefaultConnectTimeout;
  // both
  std::vector<std::string> tools;  // allowlist; empty or containing "*" = all
  std::map<std::string, std::string> tool_response_filters;
  std::string registry;
  std::string guard_policies_json;  // raw JSON object text, empty when absent
  std::string guard;
  int tool_timeout = 0;  // 0 = inherit the gateway's
  int rate_limit_threshold = kDefaultRateLimitThreshold;
  int rate_limit_cooldown = kDefaultRateLimitCooldown;

  bool allows_all_tools() const;
};

struct GuardConfig {
  std::string type;  // "wasm", "noop" or a registered guard type
  std::string path;
  std::string config_json;  // raw JSON object text
  std::string policy_json;  // raw JSON object text
};

struct Config {
  std::vector<ServerConfig> servers;  // sorted by id
  GatewayConfig gateway;
  std::map<std::string, GuardConfig> guards;
  std::optional<std::string> guards_mode;             // TOML only
  std::optional<bool> sequential_launch;              // TOML only
  std::map<std::string, std::string> custom_schemas;  // JSON only
  std::vector<std::string> warnings;                  // things the loader tolerated; logged at startup

  const ServerConfig* find_server(const std::string& id) const;
};

}  // namespace awmg::config
