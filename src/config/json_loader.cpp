#include "config/json_loader.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "base/strings.hpp"
#include "config/config_error.hpp"
#include "config/docker_argv.hpp"
#include "config/expand.hpp"
#include "config/json_fields.hpp"
#include "config/rules.hpp"
#include "config/schema.hpp"

namespace awmg::config {
namespace {

using json::Value;

// Step 2: `"type": "local"` is the old name of stdio.
void rewrite_local_type(json::Document& doc) {
  Value* servers = doc.IsObject() ? const_cast<Value*>(json::member(doc, "mcpServers")) : nullptr;
  if (!servers || !servers->IsObject()) return;
  for (auto& m : servers->GetObject()) {
    auto type = m.value.IsObject() ? m.value.FindMember("type") : Value::MemberIterator();
    if (m.value.IsObject() && type != m.value.MemberEnd() && type->value.IsString() &&
        std::string_view(type->value.GetString()) == "local") {
      type->value.SetString("stdio", doc.GetAllocator());
    }
  }
}

// Step 4: the schema does not know the gateway's extension fields.
json::Document without_extensions(const json::Document& doc) {
  json::Document copy;
  copy.CopyFrom(doc, copy.GetAllocator());
  if (!copy.IsObject()) return copy;
  copy.RemoveMember("guards");
  auto servers = copy.FindMember("mcpServers");
  if (servers != copy.MemberEnd() && servers->value.IsObject()) {
    for (auto& m : servers->value.GetObject()) {
      if (!m.value.IsObject()) continue;
      m.value.RemoveMember("guard");
      m.value.RemoveMember("auth");
      m.value.RemoveMember("tool_response_filters");
    }
  }
  return copy;
}

Status read_container(const Value& v, const std::string& path, ServerConfig& server) {
  ContainerSpec spec;
  AWMG_TRY(auto container, fields::string(v, "container", path));
  if (!container || container->empty()) {
    return config_error(path + ".container", "'container' is required for stdio servers");
  }
  spec.container = *container;
  AWMG_TRY(auto entrypoint, fields::string(v, "entrypoint", path));
  if (entrypoint && base::trim(*entrypoint).empty()) {
    return config_error(path + ".entrypoint", "entrypoint must not be empty or whitespace only");
  }
  spec.entrypoint = entrypoint.value_or("");
  AWMG_TRY(auto entry_args, fields::strings(v, "entrypointArgs", path));
  spec.entrypoint_args = entry_args.value_or(std::vector<std::string>{});
  AWMG_TRY(auto mounts, fields::strings(v, "mounts", path));
  spec.mounts = mounts.value_or(std::vector<std::string>{});
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    AWMG_CHECK(rules::mount(spec.mounts[i], path + ".mounts[" + std::to_string(i) + "]"));
  }
  spec.env = server.env;
  AWMG_TRY(auto args, fields::strings(v, "args", path));
  spec.args = args.value_or(std::vector<std::string>{});
  server.command = "docker";
  server.args = docker_run_args(spec);
  server.env.clear();  // JSON env reaches the container through `-e`, not the docker CLI's environment
  return ok_status();
}

Status read_http(const Value& v, const std::string& path, ServerConfig& server) {
  AWMG_TRY(auto url, fields::string(v, "url", path));
  if (!url || url->empty()) return config_error(path + ".url", "'url' is required for http servers");
  server.url = *url;
  if (json::member(v, "mounts")) {
    return config_error(path + ".mounts", "unsupported field 'mounts' for http servers");
  }
  AWMG_TRY(auto headers, fields::string_map(v, "headers", path));
  for (auto& [key, value] : headers.value_or(std::map<std::string, std::string>{})) {
    AWMG_TRY(auto expanded, expand_variables(value));
    server.headers[key] = expanded;
  }
  for (const char* name : {"connectTimeout", "connect_timeout"}) {
    AWMG_TRY(auto t, fields::integer(v, name, path));
    if (t) {
      AWMG_CHECK(rules::positive(name, *t, path + "." + name));
      server.connect_timeout = static_cast<int>(*t);
      break;
    }
  }
  if (server.auth && server.auth->audience.empty()) server.auth->audience = server.url;
  return ok_status();
}

Status read_type(const Value& v, const std::string& path, const Config& config, ServerConfig& server) {
  AWMG_TRY(auto type, fields::string(v, "type", path));
  std::string name = type.value_or("stdio");
  if (name.empty() || name == "local") name = "stdio";
  server.type_name = name;
  if (name == "stdio") {
    server.type = ServerType::kStdio;
  } else if (name == "http") {
    server.type = ServerType::kHttp;
  } else if (config.custom_schemas.count(name)) {
    server.type = ServerType::kCustom;
  } else {
    return config_error(path + ".type", "unsupported server type '" + name + "'",
                        "Use 'stdio' or 'http', or register the type in customSchemas");
  }
  return ok_status();
}

Status read_common(const Value& v, const std::string& path, ServerConfig& server) {
  AWMG_TRY(auto env, fields::string_map(v, "env", path));
  for (auto& [key, value] : env.value_or(std::map<std::string, std::string>{})) {
    AWMG_TRY(auto expanded, expand_variables(value));
    server.env[key] = expanded;
  }
  AWMG_TRY(auto tools, fields::strings(v, "tools", path));
  server.tools = tools.value_or(std::vector<std::string>{});
  for (const char* name : {"toolTimeout", "tool_timeout"}) {
    AWMG_TRY(auto t, fields::integer(v, name, path));
    if (t) {
      AWMG_CHECK(rules::tool_timeout(*t, path + "." + name));
      server.tool_timeout = static_cast<int>(*t);
      break;
    }
  }
  AWMG_TRY(auto registry, fields::string(v, "registry", path));
  server.registry = registry.value_or("");
  AWMG_TRY(auto policies, fields::object_text(v, "guard-policies", path));
  server.guard_policies_json = policies;
  AWMG_TRY(auto guard, fields::string(v, "guard", path));
  server.guard = guard.value_or("");
  AWMG_TRY(auto filters, fields::string_map(v, "tool_response_filters", path));
  server.tool_response_filters = filters.value_or(std::map<std::string, std::string>{});
  if (const Value* auth = json::member(v, "auth")) {
    if (!auth->IsObject()) return config_error(path + ".auth", "'auth' must be an object");
    server.auth = AuthConfig{json::string_or(*auth, "type"), json::string_or(*auth, "audience")};
  }
  return ok_status();
}

Result<ServerConfig> read_server(const std::string& id, const Value& v, const Config& config) {
  std::string path = "mcpServers." + id;
  ServerConfig server;
  server.id = id;
  if (!v.IsObject()) return config_error(path, "server configuration must be an object");
  AWMG_CHECK(read_type(v, path, config, server));
  if (server.type == ServerType::kCustom) return server;  // its fields belong to its own schema
  AWMG_CHECK(read_common(v, path, server));
  if (server.type == ServerType::kStdio) AWMG_CHECK(read_container(v, path, server));
  if (server.type == ServerType::kHttp) AWMG_CHECK(read_http(v, path, server));
  AWMG_CHECK(rules::auth(server, path));
  AWMG_CHECK(rules::response_filters(server, path));
  return server;
}

Status read_custom_schemas(const Value& root, Config& config) {
  AWMG_TRY(auto schemas, fields::string_map(root, "customSchemas", "<root>"));
  for (const auto& [type, url] : schemas.value_or(std::map<std::string, std::string>{})) {
    if (type == "stdio" || type == "http") {
      return config_error("customSchemas." + type,
                          "custom server type '" + type + "' conflicts with a built-in type");
    }
    if (!url.empty() && !base::starts_with(url, "https://")) {
      return config_error("customSchemas." + type, "custom schema URL must use HTTPS, got '" + url + "'");
    }
    config.custom_schemas[type] = url;
  }
  return ok_status();
}

Result<int64_t> read_port(const Value& gateway) {
  const Value* port = json::member(gateway, "port");
  if (port && port->IsInt64()) return port->GetInt64();
  // `"port": "${MCP_GATEWAY_PORT}"` arrives here as a numeric string (upstream rejects it; we accept it).
  std::string text = port && port->IsString() ? port->GetString() : "";
  char* end = nullptr;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end)
    return config_error("gateway.port", "port must be an integer, got '" + text + "'");
  return static_cast<int64_t>(n);
}

Status read_telemetry(const Value& gateway, GatewayConfig& g) {
  const Value* otel = json::member(gateway, "opentelemetry");
  if (!otel) return ok_status();
  TelemetryConfig t;
  t.endpoint = json::string_or(*otel, "endpoint");
  t.trace_id = json::string_or(*otel, "traceId");
  t.span_id = json::string_or(*otel, "spanId");
  t.service_name = json::string_or(*otel, "serviceName", "mcp-gateway");
  AWMG_CHECK(rules::telemetry(t, "gateway.opentelemetry"));
  g.telemetry = t;
  return ok_status();
}

Status read_gateway_limits(const Value& v, GatewayConfig& g) {
  const std::string path = "gateway";
  AWMG_TRY(auto startup, fields::integer(v, "startupTimeout", path));
  if (startup) AWMG_CHECK(rules::positive("startupTimeout", *startup, "gateway.startupTimeout"));
  g.startup_timeout = static_cast<int>(startup.value_or(kDefaultStartupTimeout));
  AWMG_TRY(auto tool, fields::integer(v, "toolTimeout", path));
  if (tool) {
    AWMG_CHECK(rules::at_least("toolTimeout", 10, *tool, "gateway.toolTimeout"));
    g.tool_timeout = static_cast<int>(*tool);
  } else {
    const char* env = std::getenv("MCP_GATEWAY_TOOL_TIMEOUT");
    char* end = nullptr;
    long long n = env && *env ? std::strtoll(env, &end, 10) : 0;
    if (env && *env && (*end != '\0' || n < 10 || n > INT32_MAX))
      return config_error("gateway.toolTimeout",
                          "environment variable MCP_GATEWAY_TOOL_TIMEOUT is set but is not a number of "
                          "seconds of at least 10");
    g.tool_timeout = env && *env ? static_cast<int>(n) : kDefaultToolTimeout;
  }
  AWMG_TRY(auto keepalive, fields::integer(v, "keepaliveInterval", path));
  g.keepalive_interval =
      keepalive && *keepalive != 0 ? static_cast<int>(*keepalive) : kDefaultKeepaliveInterval;
  AWMG_TRY(auto threshold, fields::integer(v, "payloadSizeThreshold", path));
  if (threshold)
    AWMG_CHECK(rules::positive("payloadSizeThreshold", *threshold, "gateway.payloadSizeThreshold"));
  g.payload_size_threshold = threshold;
  return ok_status();
}

Result<GatewayConfig> read_gateway(const Value& root, Config& config) {
  const Value& v = *json::member(root, "gateway");  // required by the schema
  GatewayConfig g;
  AWMG_TRY(int64_t port, read_port(v));
  AWMG_CHECK(rules::port(port, "gateway.port"));
  g.port = static_cast<int>(port);
  g.agent_id = json::string_or(v, "agentId");
  if (g.agent_id.empty() && json::member(v, "apiKey")) {
    g.agent_id = json::string_or(v, "apiKey");
    g.agent_id_from_api_key = true;
    config.warnings.push_back("gateway.apiKey is deprecated; use gateway.agentId");
  }
  AWMG_TRY(auto ids, fields::strings(v, "agentIds", "gateway"));
  if (ids) {
    const char* singular = g.agent_id_from_api_key ? "gateway.apiKey" : "gateway.agentId";
    AWMG_CHECK(rules::agent_ids(*ids, json::member(v, "agentId") || json::member(v, "apiKey"),
                                "gateway.agentIds", singular));
    g.agent_ids = *ids;
  }
  g.domain = json::string_or(v, "domain");
  AWMG_CHECK(rules::domain(g.domain, "gateway.domain"));
  AWMG_CHECK(read_gateway_limits(v, g));
  AWMG_TRY(auto payload_dir, fields::string(v, "payloadDir", "gateway"));
  if (payload_dir) AWMG_CHECK(rules::payload_dir(*payload_dir, "gateway.payloadDir"));
  g.payload_dir = payload_dir;
  AWMG_TRY(auto prefix, fields::string(v, "payloadPathPrefix", "gateway"));
  g.payload_path_prefix = prefix;
  AWMG_TRY(auto bots, fields::strings(v, "trustedBots", "gateway"));
  if (bots) AWMG_CHECK(rules::trusted_bots(*bots, "gateway.trustedBots"));
  g.trusted_bots = bots;
  AWMG_TRY(auto force_public, fields::boolean(v, "forcePublicRepos", "gateway"));
  g.force_public_repos = force_public;
  AWMG_TRY(auto exempt, fields::strings(v, "sinkVisibilityExemptServers", "gateway"));
  g.sink_visibility_exempt_servers = exempt.value_or(std::vector<std::string>{});
  AWMG_CHECK(read_telemetry(v, g));
  return g;
}

Result<std::map<std::string, GuardConfig>> read_guards(const Value& root) {
  std::map<std::string, GuardConfig> guards;
  const Value* list = json::member(root, "guards");
  if (!list) return guards;
  if (!list->IsObject()) return config_error("guards", "'guards' must be an object");
  for (const auto& m : list->GetObject()) {
    std::string name = m.name.GetString();
    std::string path = "guards." + name;
    if (!m.value.IsObject()) return config_error(path, "guard configuration must be an object");
    GuardConfig guard;
    AWMG_TRY(auto type, fields::string(m.value, "type", path));
    guard.type = type.value_or("");
    AWMG_TRY(auto file, fields::string(m.value, "path", path));
    guard.path = file.value_or("");
    if (guard.type == "wasm" && guard.path.empty()) {
      return config_error(path + ".path", "'path' is required for wasm guards");
    }
    AWMG_TRY(auto config_text, fields::object_text(m.value, "config", path));
    guard.config_json = config_text;
    AWMG_TRY(auto policy, fields::object_text(m.value, "policy", path));
    guard.policy_json = policy;
    guards[name] = guard;
  }
  return guards;
}

Result<Config> convert(const json::Document& doc) {
  Config config;
  AWMG_CHECK(read_custom_schemas(doc, config));
  AWMG_TRY(config.gateway, read_gateway(doc, config));
  AWMG_TRY(config.guards, read_guards(doc));
  for (const auto& m : json::member(doc, "mcpServers")->GetObject()) {
    std::string id(m.name.GetString(), m.name.GetStringLength());
    if (id.empty() || id.find('\0') != std::string::npos) {
      return config_error("mcpServers", "server id " + json::quote(id) + " is not a valid name");
    }
    if (config.find_server(id)) return config_error("mcpServers." + id, "duplicate server id '" + id + "'");
    AWMG_TRY(auto server, read_server(id, m.value, config));
    if (server.type == ServerType::kCustom) {
      config.warnings.push_back("server '" + server.id + "' has custom type '" + server.type_name +
                                "'; custom types are validated by type name only and are not launched");
    }
    if (server.type == ServerType::kHttp && !server.env.empty()) {  // (upstream's schema allows it)
      config.warnings.push_back("server '" + server.id +
                                "' is an http server: its 'env' is ignored (nothing is "
                                "spawned for it; its requests carry 'headers')");
    }
    config.servers.push_back(std::move(server));
  }
  std::sort(config.servers.begin(), config.servers.end(),
            [](const ServerConfig& a, const ServerConfig& b) { return a.id < b.id; });
  AWMG_CHECK(rules::guards(config, "mcpServers"));
  return config;
}

// Strings are checked with std::regex by the schema validator, which recurses per character; no config value
// needs to be this long, so longer ones are refused before they can exhaust the stack.
constexpr size_t kMaxStringLength = 16384;

Status check_string_lengths(const Value& root) {
  std::vector<std::pair<const Value*, std::string>> stack{{&root, ""}};
  while (!stack.empty()) {
    auto [v, path] = stack.back();
    stack.pop_back();
    if (v->IsString() && v->GetStringLength() > kMaxStringLength) {
      return config_error(path.empty() ? "configuration" : path,
                          "value is longer than " + std::to_string(kMaxStringLength) + " characters");
    }
    if (v->IsObject()) {
      for (const auto& m : v->GetObject()) {
        std::string key(m.name.GetString(), m.name.GetStringLength());
        if (key.size() > kMaxStringLength)
          return config_error(path.empty() ? "configuration" : path, "key is too long");
        stack.push_back({&m.value, path.empty() ? key : path + "." + key});
      }
    } else if (v->IsArray()) {
      for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        stack.push_back({&(*v)[i], path + "[" + std::to_string(i) + "]"});
      }
    }
  }
  return ok_status();
}

}  // namespace

Result<Config> load_json_config(std::string_view text) {
  AWMG_TRY(auto raw, json::parse(text));
  rewrite_local_type(raw);
  AWMG_TRY(std::string expanded, expand_variables(json::to_string(raw), /*json_text=*/true));
  AWMG_TRY(auto doc, json::parse(expanded));
  AWMG_CHECK(check_string_lengths(doc));
  AWMG_CHECK(validate_against_schema(without_extensions(doc)));
  return convert(doc);
}

}  // namespace awmg::config
