#pragma once
#include "base/result.hpp"
#include "cli/gateway_options.hpp"
#include "config/model.hpp"
#include "config/settings.hpp"

namespace awmg::cli {

// Applies upstream's precedence rules (docs/CONFIGURATION.md, "Precedence") to the parsed flags and the
// loaded config. May fill config.gateway.agent_id with a random id. Warnings (unknown sink ids) go to the
// log.
Result<config::Settings> resolve_settings(const GatewayOptions& options, config::Config& config);

// The global guard policy override: --guard-policy-json, else the --allowonly-* flags (either typed), else
// MCP_GATEWAY_GUARD_POLICY_JSON, else any MCP_GATEWAY_ALLOWONLY_* variable; empty when there is none.
Result<std::string> guard_policy_override(const GatewayOptions& options);

}  // namespace awmg::cli
