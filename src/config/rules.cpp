#include "config/rules.hpp"

#include <re2/re2.h>

#include <cstdlib>

#include "base/strings.hpp"
#include "config/config_error.hpp"
#include "config/jq_check.hpp"

namespace awmg::config::rules {
namespace {

bool is_lower_hex(const std::string& s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zeros(const std::string& s) {
  return s.find_first_not_of('0') == std::string::npos;
}

Status hex_id(const std::string& field, const std::string& value, size_t length, const std::string& path) {
  if (value.empty()) return ok_status();
  if (!is_lower_hex(value, length)) {
    return config_error(path + "." + field, field + " must be a " + std::to_string(length) +
                                                "-character lowercase hexadecimal string, got '" + value +
                                                "'");
  }
  if (all_zeros(value)) {
    return config_error(path + "." + field, field +
                                                " must not be all zeros (an all-zero id is invalid in W3C "
                                                "Trace Context)");
  }
  return ok_status();
}

}  // namespace

Status port(int64_t value, const std::string& path) {
  if (value < 1 || value > 65535) {
    return config_error(path, "port must be between 1 and 65535, got " + std::to_string(value));
  }
  return ok_status();
}

Status positive(const std::string& field, int64_t value, const std::string& path) {
  if (value < 1) {
    return config_error(path, field + " must be a positive integer (>= 1), got " + std::to_string(value));
  }
  return ok_status();
}

Status at_least(const std::string& field, int64_t minimum, int64_t value, const std::string& path) {
  if (value < minimum) {
    return config_error(
        path, field + " must be at least " + std::to_string(minimum) + ", got " + std::to_string(value));
  }
  return ok_status();
}

Status tool_timeout(int64_t value, const std::string& path) {
  if (value == 0) return ok_status();
  auto field = path.substr(path.rfind('.') + 1);
  return at_least(field, 10, value, path);
}

Status payload_dir(const std::string& value, const std::string& path) {
  bool windows_drive = value.size() >= 3 && std::isalpha(static_cast<unsigned char>(value[0])) &&
                       value[1] == ':' && value[2] == '\\';
  if (!base::starts_with(value, "/") && !windows_drive) {
    return config_error(path, "payloadDir must be an absolute path, got '" + value + "'");
  }
  return ok_status();
}

Status domain(const std::string& value, const std::string& path) {
  static const RE2 label("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$");
  static const RE2 variable(R"(^\$\{[A-Z_][A-Z0-9_]*\}$)");
  if (value == "localhost" || value == "host.docker.internal" || RE2::FullMatch(value, label) ||
      RE2::FullMatch(value, variable)) {
    return ok_status();
  }
  return config_error(
      path, "domain '" + value + "' does not match required pattern",
      "Use 'localhost', 'host.docker.internal', a single DNS label, or a ${VARIABLE} reference");
}

Status agent_ids(const std::vector<std::string>& ids, bool singular_set, const std::string& path,
                 const std::string& singular_path) {
  if (singular_set) return Error{singular_path + " and " + path + " are mutually exclusive: set one of them"};
  if (ids.empty()) return Error{path + " must contain at least one agent id"};
  // Clients may send a key as "Bearer <key>" or "Agent <key>": ids equal but for that are one agent.
  auto normalized = [](std::string_view id) {
    id = base::trim(id);
    if (base::starts_with(id, "Bearer ")) id = base::trim(id.substr(7));
    if (base::starts_with(id, "Agent ")) id = id.substr(6);
    return std::string(id);
  };
  for (size_t i = 0; i < ids.size(); ++i) {
    if (base::trim(ids[i]).empty())
      return Error{path + "[" + std::to_string(i) + "] must be a non-empty agent id"};
    for (size_t j = 0; j < i; ++j) {
      if (normalized(ids[i]) == normalized(ids[j]))
        return Error{path + "[" + std::to_string(i) + "] names the same agent as " + path + "[" +
                     std::to_string(j) + "]"};
    }
  }
  return ok_status();
}

Status trusted_bots(const std::vector<std::string>& bots, const std::string& path) {
  if (bots.empty()) return config_error(path, "trustedBots must be a non-empty array when present");
  for (size_t i = 0; i < bots.size(); ++i) {
    if (base::trim(bots[i]).empty()) {
      return config_error(path + "[" + std::to_string(i) + "]",
                          "trustedBots entries must be non-empty strings");
    }
  }
  return ok_status();
}

Status telemetry(const TelemetryConfig& t, const std::string& path) {
  if (t.legacy) return ok_status();
  if (t.endpoint.empty()) return config_error(path + ".endpoint", "'endpoint' is required for opentelemetry");
  if (!base::starts_with(t.endpoint, "https://")) {
    return config_error(path + ".endpoint",
                        "opentelemetry endpoint must use HTTPS, got '" + t.endpoint + "'");
  }
  if (auto s = hex_id("traceId", t.trace_id, 32, path); !s) return s;
  return hex_id("spanId", t.span_id, 16, path);
}

Status mount(const std::string& value, const std::string& path) {
  auto parts = base::split(value, ':');
  if (parts.size() != 3)
    return config_error(path, "invalid mount format '" + value + "' (expected 'source:dest:mode')");
  if (!base::starts_with(parts[0], "/")) {
    return config_error(path, "mount source must be an absolute path, got '" + parts[0] + "'");
  }
  if (!base::starts_with(parts[1], "/")) {
    return config_error(path, "mount destination must be an absolute path, got '" + parts[1] + "'");
  }
  if (parts[2] != "ro" && parts[2] != "rw") {
    return config_error(path, "invalid mount mode '" + parts[2] + "' (must be 'ro' or 'rw')");
  }
  return ok_status();
}

Status auth(const ServerConfig& server, const std::string& path) {
  if (!server.auth) return ok_status();
  if (server.type != ServerType::kHttp) {
    return config_error(path + ".auth", "unsupported field 'auth' for " + server.type_name + " servers",
                        "Upstream authentication is only available for http servers");
  }
  if (server.auth->type.empty()) return config_error(path + ".auth.type", "'type' is required for auth");
  if (server.auth->type != "github-oidc") {
    return config_error(path + ".auth.type", "unsupported auth type '" + server.auth->type + "'",
                        "The only supported auth type is 'github-oidc'");
  }
  const char* url = std::getenv("ACTIONS_ID_TOKEN_REQUEST_URL");
  if (!url || !*url) {
    return config_error(
        path + ".auth", "OIDC authentication is not available",
        "server \"" + server.id +
            "\" requires OIDC authentication but ACTIONS_ID_TOKEN_REQUEST_URL is not set; OIDC auth "
            "is only available in GitHub Actions with `permissions: { id-token: write }`");
  }
  return ok_status();
}

Status guards(const Config& config, const std::string& servers_path) {
  for (const auto& [name, guard] : config.guards) {
    const std::string path = "guards." + name;
    if (guard.type != "wasm" && guard.type != "noop") {
      return config_error(path + ".type",
                          guard.type.empty() ? "'type' is required for guards"
                                             : "unsupported guard type '" + guard.type + "'",
                          "The guard types are 'wasm' (with a path) and 'noop'");
    }
    if (!guard.config_json.empty()) {
      return config_error(path + ".config", "guards take no 'config'",
                          "A guard's settings go in its 'policy', which the gateway hands to label_agent");
    }
  }
  for (const ServerConfig& server : config.servers) {
    if (!server.guard.empty() && !config.guards.count(server.guard)) {
      return config_error(servers_path + "." + server.id + ".guard",
                          "guard '" + server.guard + "' is not defined",
                          "Define it under 'guards', or remove the server's 'guard'");
    }
  }
  return ok_status();
}

Status response_filters(const ServerConfig& server, const std::string& path) {
  for (const auto& [tool, filter] : server.tool_response_filters) {
    std::string where = path + ".tool_response_filters";
    if (base::trim(tool).empty()) return config_error(where, "tool name must not be empty");
    if (base::trim(filter).empty()) return config_error(where + "." + tool, "filter must not be empty");
    if (auto s = check_jq_expression(filter); !s) {
      return config_error(where + "." + tool, "contains an invalid jq expression: " + s.error().message);
    }
  }
  return ok_status();
}

}  // namespace awmg::config::rules
