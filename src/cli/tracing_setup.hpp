#pragma once
#include <optional>

#include "base/result.hpp"
#include "cli/shared_flags.hpp"
#include "config/model.hpp"
#include "metrics/metrics.hpp"
#include "telemetry/tracer.hpp"

namespace awmg::cli {

// The tracer's options from the flags, the environment and the config, or nullopt when no endpoint is set
// (tracing off). Precedence: --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT, else the config's endpoint;
// GH_AW_OTLP_ENDPOINTS replaces either with its list. Headers: the config's, else
// OTEL_EXPORTER_OTLP_HEADERS (percent-decoded). Refused, with the setting named: an endpoint or header that
// does not parse, a sample rate outside 0..1, a traceId or spanId that is not W3C hex. The `_set` arguments
// tell whether those flags were given on the command line (they then win over the config).
Result<std::optional<telemetry::TracerOptions>> tracing_options(const TelemetryFlags& flags,
                                                                bool service_name_set, bool sample_rate_set,
                                                                const config::Config& config);

}  // namespace awmg::cli
