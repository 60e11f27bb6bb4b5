#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/model.hpp"

namespace awmg::config::rules {

// Value checks shared by the JSON and TOML loaders; each error names `path`.
Status port(int64_t value, const std::string& path);
Status positive(const std::string& field, int64_t value, const std::string& path);
Status at_least(const std::string& field, int64_t minimum, int64_t value, const std::string& path);
Status tool_timeout(int64_t value, const std::string& path);  // 0 (inherit) or >= 10
Status payload_dir(const std::string& value, const std::string& path);
Status domain(const std::string& value, const std::string& path);
Status trusted_bots(const std::vector<std::string>& bots, const std::string& path);
// agentIds: at least one id, none blank, and not together with the singular agentId (or its apiKey alias).
Status agent_ids(const std::vector<std::string>& ids, bool singular_set, const std::string& path,
                 const std::string& singular_path);
Status telemetry(const TelemetryConfig& telemetry, const std::string& path);
// `source:dest:mode`, both absolute, mode ro|rw.
Status mount(const std::string& value, const std::string& path);
// auth only on http servers, only github-oidc, and only where ACTIONS_ID_TOKEN_REQUEST_URL is set.
Status auth(const ServerConfig& server, const std::string& path);
Status response_filters(const ServerConfig& server, const std::string& path);
// Every guard is of a type the gateway runs (`wasm` or `noop`) and has no `config` (nothing would read it),
// and every server's `guard` names a defined guard: a typo must not leave a server unguarded.
// `servers_path` is where the servers are ("servers" in TOML, "mcpServers" in JSON).
Status guards(const Config& config, const std::string& servers_path);

}  // namespace awmg::config::rules
