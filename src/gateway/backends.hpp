#pragma once
#include <boost/asio/io_context.hpp>

#include "backend/launcher.hpp"
#include "config/model.hpp"
#include "gateway/circuit_breaker.hpp"
#include "gateway/decision_log.hpp"
#include "gateway/gateway_metrics.hpp"
#include "gateway/guards.hpp"
#include "gateway/tool_registry.hpp"
#include "github/rest.hpp"
#include "results/jq_filters.hpp"
#include "results/payload_spill.hpp"
#include "results/url_audit.hpp"

namespace awmg::gateway {

// The backends as serving a client's request reaches them: their configuration, their connections, the
// guards in front of them and the tools they registered. The request path is given this, not the gateway
// (whose sessions, health, settings and lifecycle it has no business with); a function that needs less takes
// less.
struct Backends {
  const config::Config& config;
  backend::Launcher& launcher;
  Guards& guards;
  const ToolRegistry& registry;
  CircuitBreakers& breakers;     // per server, opened by its rate-limit signals
  results::PayloadSpill& spill;  // results too large for a response go to disk
  results::UrlAudit* url_audit;  // --url-domain-audit; nullptr when off
  results::JqFilters* jq;        // tool_response_filters; nullptr when no server has one
  GatewayMetrics& metrics;
  DecisionLog& decisions;                // the latest DIFC decisions, for the status page
  github::PermissionCache& permissions;  // guards' get_collaborator_permission answers
  boost::asio::io_context& io;           // where a guard's calls to its backend run
};

}  // namespace awmg::gateway
