#include "config/toml_loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>

#include "base/files.hpp"
#include "base/strings.hpp"
#include "config/config_error.hpp"
#include "config/expand.hpp"
#include "config/rules.hpp"
#include "json/json.hpp"

namespace awmg::config {
namespace {

// ---- unknown-key rejection -------------------------------------------------------------------------------

using KeySet = std::set<std::string, std::less<>>;

const KeySet kTopKeys = {"servers", "gateway", "guards", "guards_mode", "sequential_launch"};
const KeySet kGatewayKeys = {"port",
                             "agent_id",
                             "agent_ids",
                             "api_key",
                             "domain",
                             "startup_timeout",
                             "tool_timeout",
                             "keepalive_interval",
                             "payload_dir",
                             "payload_path_prefix",
                             "payload_size_threshold",
                             "url_domain_audit",
                             "trusted_bots",
                             "force_public_repos",
                             "sink_visibility_exempt_servers",
                             "tracing",
                             "opentelemetry"};
const KeySet kTelemetryKeys = {"endpoint", "headers", "trace_id", "span_id", "service_name", "sample_rate"};
const KeySet kServerKeys = {"type",
                            "command",
                            "args",
                            "env",
                            "working_directory",
                            "url",
                            "headers",
                            "auth",
                            "tools",
                            "tool_response_filters",
                            "registry",
                            "guard_policies",
                            "guard",
                            "connect_timeout",
                            "tool_timeout",
                            "rate_limit_threshold",
                            "rate_limit_cooldown"};
const KeySet kAuthKeys = {"type", "audience"};
const KeySet kGuardKeys = {"type", "path", "config", "policy"};

void unknown_in(const toml::table& table, const KeySet& known, const std::string& prefix,
                std::vector<std::string>& out) {
  for (const auto& [key, value] : table) {
    if (!known.count(key.str())) out.push_back(prefix + std::string(key.str()));
  }
}

template <typename Fn>
void each_subtable(const toml::table& table, std::string_view key, Fn fn) {
  if (const auto* sub = table[key].as_table()) {
    for (const auto& [name, value] : *sub) {
      if (const auto* t = value.as_table()) fn(std::string(name.str()), *t);
    }
  }
}

std::vector<std::string> unknown_keys(const toml::table& root) {
  std::vector<std::string> out;
  unknown_in(root, kTopKeys, "", out);
  if (const auto* gateway = root["gateway"].as_table()) {
    unknown_in(*gateway, kGatewayKeys, "gateway.", out);
    for (const char* t : {"tracing", "opentelemetry"}) {
      if (const auto* sub = (*gateway)[t].as_table())
        unknown_in(*sub, kTelemetryKeys, std::string("gateway.") + t + ".", out);
    }
  }
  each_subtable(root, "servers", [&](const std::string& name, const toml::table& server) {
    std::string prefix = "servers." + name + ".";
    unknown_in(server, kServerKeys, prefix, out);
    if (const auto* auth = server["auth"].as_table()) unknown_in(*auth, kAuthKeys, prefix + "auth.", out);
  });
  each_subtable(root, "guards", [&](const std::string& name, const toml::table& guard) {
    unknown_in(guard, kGuardKeys, "guards." + name + ".", out);
  });
  return out;
}

// ---- typed reads -----------------------------------------------------------------------------------------

const char* toml_type(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "bool";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    default:
      return "datetime";
  }
}

Error type_error(const toml::node& n, const std::string& key, const char* expected) {
  const auto& where = n.source().begin;
  return Error{"failed to parse TOML: toml: line " + std::to_string(where.line) + " (last key " +
               base::quote(key) + "): incompatible types: TOML value has type " + toml_type(n) +
               "; destination has type " + expected};
}

Result<std::optional<std::string>> get_string(const toml::table& t, std::string_view key,
                                              const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return std::optional<std::string>();
  if (!n->is_string()) return type_error(*n, path, "string");
  return std::optional<std::string>(n->as_string()->get());
}

Result<std::optional<int64_t>> get_int(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return std::optional<int64_t>();
  if (!n->is_integer()) return type_error(*n, path, "integer");
  int64_t v = n->as_integer()->get();
  if (v > INT32_MAX || v < INT32_MIN) {
    return config_error(path, std::string(key) + " is out of range, got " + std::to_string(v));
  }
  return std::optional<int64_t>(v);
}

Result<std::optional<bool>> get_bool(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return std::optional<bool>();
  if (!n->is_boolean()) return type_error(*n, path, "bool");
  return std::optional<bool>(n->as_boolean()->get());
}

Result<std::optional<std::vector<std::string>>> get_strings(const toml::table& t, std::string_view key,
                                                            const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return std::optional<std::vector<std::string>>();
  if (!n->is_array()) return type_error(*n, path, "[]string");
  std::vector<std::string> out;
  for (const auto& item : *n->as_array()) {
    if (!item.is_string()) return type_error(item, path, "string");
    out.push_back(item.as_string()->get());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::map<std::string, std::string>> get_string_map(const toml::table& t, std::string_view key,
                                                          const std::string& path) {
  std::map<std::string, std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  if (!n->is_table()) return type_error(*n, path, "map[string]string");
  for (const auto& [k, v] : *n->as_table()) {
    if (!v.is_string()) return type_error(v, path + "." + std::string(k.str()), "string");
    out[std::string(k.str())] = v.as_string()->get();
  }
  return out;
}

// A free-form table as compact JSON text ("" when absent).
Result<std::string> get_json(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return std::string();
  if (!n->is_table()) return type_error(*n, path, "map[string]interface {}");
  std::ostringstream out;
  out << toml::json_formatter{*n->as_table()};
  auto doc = json::parse(out.str());
  if (!doc) return Error{"failed to convert " + path + " to JSON: " + doc.error().message};
  return json::to_string(*doc);
}

// ---- conversion ------------------------------------------------------------------------------------------

// A field of the other transport would be ignored: refused, as `auth` on a stdio server is.
Status check_transport_fields(const toml::table& t, const std::string& path, const ServerConfig& s) {
  static const std::vector<std::string> kStdioOnly = {"command", "args", "env", "working_directory"};
  static const std::vector<std::string> kHttpOnly = {"url", "headers", "connect_timeout"};
  const bool http = s.type == ServerType::kHttp;
  for (const std::string& key : http ? kStdioOnly : kHttpOnly) {
    if (t.contains(key)) {
      return config_error(
          path + "." + key, "unsupported field '" + key + "' for " + (http ? "http" : "stdio") + " servers",
          http ? "An http server is reached at its url; nothing is spawned for it"
               : "A stdio server is a process; 'url', 'headers' and 'connect_timeout' are for "
                 "http servers");
    }
  }
  return ok_status();
}

Status read_server_transport(const toml::table& t, const std::string& path, ServerConfig& s, Config& config) {
  AWMG_CHECK(check_transport_fields(t, path, s));
  AWMG_TRY(auto command, get_string(t, "command", path + ".command"));
  s.command = command.value_or("");
  AWMG_TRY(auto args, get_strings(t, "args", path + ".args"));
  s.args = args.value_or(std::vector<std::string>{});
  AWMG_TRY(auto url, get_string(t, "url", path + ".url"));
  s.url = url.value_or("");
  if (s.type == ServerType::kStdio) {
    if (s.command.empty()) {
      return config_error(path + ".command", "'command' is required for stdio servers",
                          "Set command = \"docker\" with the docker run arguments in args");
    }
    if (s.command != "docker") {
      config.warnings.push_back(
          "server '" + s.id + "' runs '" + s.command +
          "' directly; containerized execution (command = \"docker\") is recommended by MCP "
          "Gateway Specification Section 3.2.1");
    }
  }
  if (s.type == ServerType::kHttp && s.url.empty()) {
    return config_error(path + ".url", "'url' is required for http servers");
  }
  AWMG_TRY(s.headers, get_string_map(t, "headers", path + ".headers"));
  if (const toml::node* auth_node = t.get("auth"); auth_node && !auth_node->is_table()) {
    return type_error(*auth_node, path + ".auth", "AuthConfig");
  }
  if (const auto* auth = t["auth"].as_table()) {
    AWMG_TRY(auto type, get_string(*auth, "type", path + ".auth.type"));
    AWMG_TRY(auto audience, get_string(*auth, "audience", path + ".auth.audience"));
    s.auth = AuthConfig{type.value_or(""), audience.value_or(s.url)};
  }
  AWMG_TRY(auto connect, get_int(t, "connect_timeout", path + ".connect_timeout"));
  if (connect) AWMG_CHECK(rules::positive("connect_timeout", *connect, path + ".connect_timeout"));
  s.connect_timeout = static_cast<int>(connect.value_or(kDefaultConnectTimeout));
  return ok_status();
}

Status read_server_policy(const toml::table& t, const std::string& path, ServerConfig& s) {
  AWMG_TRY(auto tools, get_strings(t, "tools", path + ".tools"));
  s.tools = tools.value_or(std::vector<std::string>{});
  AWMG_TRY(s.tool_response_filters,
           get_string_map(t, "tool_response_filters", path + ".tool_response_filters"));
  AWMG_TRY(auto registry, get_string(t, "registry", path + ".registry"));
  s.registry = registry.value_or("");
  AWMG_TRY(s.guard_policies_json, get_json(t, "guard_policies", path + ".guard_policies"));
  AWMG_TRY(auto guard, get_string(t, "guard", path + ".guard"));
  s.guard = guard.value_or("");
  AWMG_TRY(auto tool_timeout, get_int(t, "tool_timeout", path + ".tool_timeout"));
  if (tool_timeout && *tool_timeout != 0)
    AWMG_CHECK(rules::positive("tool_timeout", *tool_timeout, path + ".tool_timeout"));
  s.tool_timeout = static_cast<int>(tool_timeout.value_or(0));
  AWMG_TRY(auto threshold, get_int(t, "rate_limit_threshold", path + ".rate_limit_threshold"));
  if (threshold)
    AWMG_CHECK(rules::positive("rate_limit_threshold", *threshold, path + ".rate_limit_threshold"));
  s.rate_limit_threshold = static_cast<int>(threshold.value_or(kDefaultRateLimitThreshold));
  AWMG_TRY(auto cooldown, get_int(t, "rate_limit_cooldown", path + ".rate_limit_cooldown"));
  if (cooldown) AWMG_CHECK(rules::positive("rate_limit_cooldown", *cooldown, path + ".rate_limit_cooldown"));
  s.rate_limit_cooldown = static_cast<int>(cooldown.value_or(kDefaultRateLimitCooldown));
  return ok_status();
}

Result<ServerConfig> read_server(const std::string& id, const toml::table& t, Config& config) {
  std::string path = "servers." + id;
  ServerConfig s;
  s.id = id;
  AWMG_TRY(auto type, get_string(t, "type", path + ".type"));
  s.type_name = type.value_or("stdio");
  if (s.type_name.empty() || s.type_name == "local") s.type_name = "stdio";
  if (s.type_name == "http") {
    s.type = ServerType::kHttp;
  } else if (s.type_name != "stdio") {
    return config_error(path + ".type", "unsupported server type '" + s.type_name + "'",
                        "Use 'stdio' (the default) or 'http'");
  }
  AWMG_TRY(s.env, get_string_map(t, "env", path + ".env"));
  AWMG_TRY(auto workdir, get_string(t, "working_directory", path + ".working_directory"));
  s.working_directory = workdir.value_or("");
  AWMG_CHECK(read_server_transport(t, path, s, config));
  AWMG_CHECK(read_server_policy(t, path, s));
  AWMG_CHECK(rules::auth(s, path));
  AWMG_CHECK(rules::response_filters(s, path));
  return s;
}

Result<TelemetryConfig> read_telemetry(const toml::table& t, const std::string& path, bool legacy) {
  TelemetryConfig out;
  out.legacy = legacy;
  auto text = [&](const char* key) -> Result<std::string> {
    AWMG_TRY(auto v, get_string(t, key, path + "." + key));
    if (!v || legacy) return v.value_or("");
    return expand_variables(*v);
  };
  AWMG_TRY(out.endpoint, text("endpoint"));
  AWMG_TRY(out.trace_id, text("trace_id"));
  AWMG_TRY(out.span_id, text("span_id"));
  AWMG_TRY(auto service, get_string(t, "service_name", path + ".service_name"));
  out.service_name = service.value_or("mcp-gateway");
  AWMG_TRY(out.headers, get_string_map(t, "headers", path + ".headers"));
  if (!legacy) {
    for (auto& [k, v] : out.headers) {
      AWMG_TRY(v, expand_variables(v));
    }
  }
  if (const toml::node* rate = t.get("sample_rate")) {
    if (!rate->is_number()) return type_error(*rate, path + ".sample_rate", "float64");
    out.sample_rate = rate->value<double>().value_or(1.0);
  }
  AWMG_CHECK(rules::telemetry(out, "gateway.opentelemetry"));
  return out;
}

Status read_gateway_paths(const toml::table& t, GatewayConfig& g) {
  AWMG_TRY(g.payload_dir, get_string(t, "payload_dir", "gateway.payload_dir"));
  AWMG_TRY(g.payload_path_prefix, get_string(t, "payload_path_prefix", "gateway.payload_path_prefix"));
  AWMG_TRY(g.payload_size_threshold, get_int(t, "payload_size_threshold", "gateway.payload_size_threshold"));
  if (g.payload_size_threshold) {
    AWMG_CHECK(rules::positive("payload_size_threshold", *g.payload_size_threshold,
                               "gateway.payload_size_threshold"));
  }
  AWMG_TRY(g.url_domain_audit, get_bool(t, "url_domain_audit", "gateway.url_domain_audit"));
  AWMG_TRY(g.trusted_bots, get_strings(t, "trusted_bots", "gateway.trusted_bots"));
  if (g.trusted_bots) AWMG_CHECK(rules::trusted_bots(*g.trusted_bots, "gateway.trusted_bots"));
  AWMG_TRY(g.force_public_repos, get_bool(t, "force_public_repos", "gateway.force_public_repos"));
  AWMG_TRY(auto exempt,
           get_strings(t, "sink_visibility_exempt_servers", "gateway.sink_visibility_exempt_servers"));
  g.sink_visibility_exempt_servers = exempt.value_or(std::vector<std::string>{});
  return ok_status();
}

Status read_gateway_timeouts(const toml::table& t, GatewayConfig& g) {
  AWMG_TRY(auto port, get_int(t, "port", "gateway.port"));
  if (port) AWMG_CHECK(rules::port(*port, "gateway.port"));
  g.port = static_cast<int>(port.value_or(kDefaultPort));
  // 0 means "not set" in TOML, as upstream's defaults treat it.
  AWMG_TRY(auto startup, get_int(t, "startup_timeout", "gateway.startup_timeout"));
  if (startup && *startup != 0)
    AWMG_CHECK(rules::positive("startup_timeout", *startup, "gateway.startup_timeout"));
  g.startup_timeout = static_cast<int>(startup && *startup != 0 ? *startup : kDefaultStartupTimeout);
  AWMG_TRY(auto tool, get_int(t, "tool_timeout", "gateway.tool_timeout"));
  if (tool && *tool != 0) AWMG_CHECK(rules::positive("tool_timeout", *tool, "gateway.tool_timeout"));
  g.tool_timeout = static_cast<int>(tool && *tool != 0 ? *tool : kDefaultToolTimeout);
  AWMG_TRY(auto keepalive, get_int(t, "keepalive_interval", "gateway.keepalive_interval"));
  g.keepalive_interval =
      keepalive && *keepalive != 0 ? static_cast<int>(*keepalive) : kDefaultKeepaliveInterval;
  return ok_status();
}

Result<GatewayConfig> read_gateway(const toml::table& root, Config& config) {
  GatewayConfig g;
  const toml::table* t = root["gateway"].as_table();
  if (!t) return g;
  AWMG_CHECK(read_gateway_timeouts(*t, g));
  AWMG_TRY(auto agent, get_string(*t, "agent_id", "gateway.agent_id"));
  AWMG_TRY(auto api_key, get_string(*t, "api_key", "gateway.api_key"));
  g.agent_id = std::string(base::trim(agent.value_or("")));
  if (g.agent_id.empty() && api_key && !base::trim(*api_key).empty()) {
    g.agent_id = std::string(base::trim(*api_key));
    g.agent_id_from_api_key = true;
    config.warnings.push_back("gateway.api_key is deprecated; use gateway.agent_id");
  }
  AWMG_TRY(auto ids, get_strings(*t, "agent_ids", "gateway.agent_ids"));
  if (ids) {
    const char* singular = agent ? "gateway.agent_id" : "gateway.api_key";
    AWMG_CHECK(
        rules::agent_ids(*ids, agent.has_value() || api_key.has_value(), "gateway.agent_ids", singular));
    for (const auto& id : *ids) g.agent_ids.emplace_back(base::trim(id));  // (as agent_id is trimmed)
  }
  AWMG_TRY(auto domain, get_string(*t, "domain", "gateway.domain"));
  g.domain = domain.value_or("");
  AWMG_CHECK(read_gateway_paths(*t, g));
  if (const auto* otel = (*t)["opentelemetry"].as_table()) {
    AWMG_TRY(g.telemetry, read_telemetry(*otel, "gateway.opentelemetry", false));
  } else if (const auto* tracing = (*t)["tracing"].as_table()) {
    AWMG_TRY(g.telemetry, read_telemetry(*tracing, "gateway.tracing", true));
  }
  return g;
}

Result<std::map<std::string, GuardConfig>> read_guards(const toml::table& root) {
  std::map<std::string, GuardConfig> guards;
  const auto* table = root["guards"].as_table();
  if (!table) return guards;
  for (const auto& [name, node] : *table) {
    std::string path = "guards." + std::string(name.str());
    const auto* t = node.as_table();
    if (!t) return type_error(node, path, "GuardConfig");
    GuardConfig g;
    AWMG_TRY(auto type, get_string(*t, "type", path + ".type"));
    g.type = type.value_or("");
    AWMG_TRY(auto file, get_string(*t, "path", path + ".path"));
    g.path = file.value_or("");
    if (g.type == "wasm" && g.path.empty())
      return config_error(path + ".path", "'path' is required for wasm guards");
    AWMG_TRY(g.config_json, get_json(*t, "config", path + ".config"));
    AWMG_TRY(g.policy_json, get_json(*t, "policy", path + ".policy"));
    guards[std::string(name.str())] = g;
  }
  return guards;
}

// Keys that must hold tables.
Status check_tables(const toml::table& root) {
  for (const char* key : {"servers", "gateway", "guards"}) {
    if (const toml::node* n = root.get(key); n && !n->is_table()) return type_error(*n, key, "table");
  }
  if (const auto* gateway = root["gateway"].as_table()) {
    for (const char* key : {"tracing", "opentelemetry"}) {
      if (const toml::node* n = gateway->get(key); n && !n->is_table()) {
        return type_error(*n, std::string("gateway.") + key, "table");
      }
    }
  }
  return ok_status();
}

Result<Config> convert(const toml::table& root) {
  AWMG_CHECK(check_tables(root));
  Config config;
  const auto* servers = root["servers"].as_table();
  if (!servers || servers->empty()) return Error{"no servers defined in configuration"};
  for (const auto& [name, node] : *servers) {
    const auto* t = node.as_table();
    if (!t) return type_error(node, "servers." + std::string(name.str()), "ServerConfig");
    AWMG_TRY(auto server, read_server(std::string(name.str()), *t, config));
    config.servers.push_back(std::move(server));
  }
  AWMG_TRY(config.gateway, read_gateway(root, config));
  AWMG_TRY(config.guards, read_guards(root));
  AWMG_TRY(auto mode, get_string(root, "guards_mode", "guards_mode"));
  config.guards_mode = mode;
  AWMG_TRY(auto sequential, get_bool(root, "sequential_launch", "sequential_launch"));
  config.sequential_launch = sequential;
  AWMG_CHECK(rules::guards(config, "servers"));
  return config;
}

}  // namespace

Result<Config> load_toml_config(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error{"failed to parse TOML: toml: line " + std::to_string(where.line) + " (col " +
                 std::to_string(where.column) + "): " + std::string(e.description())};
  }
  auto unknown = unknown_keys(root);
  if (!unknown.empty()) {
    return Error{"configuration contains unrecognized field(s): " + base::join(unknown, ", ") +
                 " \xE2\x80\x94 check the MCP Gateway Specification for supported fields"};
  }
  return convert(root);
}

Result<Config> load_toml_file(const std::string& path) {
  AWMG_TRY(auto text, base::read_file(path, 16u << 20));
  return load_toml_config(text, path);
}

}  // namespace awmg::config
