#include "cli/tracing_setup.hpp"

#include <unistd.h>

#include "base/strings.hpp"
#include "base/version.hpp"
#include "cli/env.hpp"
#include "telemetry/endpoints.hpp"

namespace awmg::cli {

namespace {

std::string host_name() {
  char name[256] = {};
  return ::gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : "";
}

Result<std::optional<telemetry::SpanContext>> process_parent(const config::TelemetryConfig* config) {
  if (!config || config->trace_id.empty()) return std::optional<telemetry::SpanContext>();
  telemetry::SpanContext parent;
  parent.sampled = true;
  if (!telemetry::from_hex(config->trace_id, parent.trace_id.data(), 16))
    return Error{"opentelemetry traceId must be 32 lower-case hex digits, got '" + config->trace_id + "'"};
  if (config->span_id.empty()) {
    parent.span_id = telemetry::new_span_id();
  } else if (!telemetry::from_hex(config->span_id, parent.span_id.data(), 8)) {
    return Error{"opentelemetry spanId must be 16 lower-case hex digits, got '" + config->span_id + "'"};
  }
  if (!parent.valid()) return Error{"opentelemetry traceId and spanId must not be all zeros"};
  return std::optional<telemetry::SpanContext>(parent);
}

}  // namespace

Result<std::optional<telemetry::TracerOptions>> tracing_options(const TelemetryFlags& flags,
                                                                bool service_name_set, bool sample_rate_set,
                                                                const config::Config& config) {
  const config::TelemetryConfig* from_config =
      config.gateway.telemetry ? &*config.gateway.telemetry : nullptr;
  std::string endpoint = flags.otlp_endpoint;
  if (endpoint.empty() && from_config) endpoint = from_config->endpoint;
  auto list = env_value("GH_AW_OTLP_ENDPOINTS");
  if (list && base::trim(*list).empty()) list.reset();
  if (endpoint.empty() && !list) return std::optional<telemetry::TracerOptions>();

  telemetry::TracerOptions options;
  std::map<std::string, std::string> headers;
  if (from_config && !from_config->headers.empty()) {
    for (const auto& [name, value] : from_config->headers) {
      auto usable = telemetry::check_header(name, value);
      if (!usable) return Error{"the config's opentelemetry headers: " + usable.error().message};
    }
    headers = from_config->headers;
  } else if (auto text = env_value("OTEL_EXPORTER_OTLP_HEADERS")) {
    auto parsed = telemetry::parse_headers(*text, true);
    if (!parsed) return Error{"OTEL_EXPORTER_OTLP_HEADERS: " + parsed.error().message};
    headers = *parsed;
  }
  if (list) {
    auto endpoints = telemetry::parse_endpoint_list(*list, headers);
    if (!endpoints) return Error{"GH_AW_OTLP_ENDPOINTS: " + endpoints.error().message};
    options.endpoints = *endpoints;
  } else {
    auto url = telemetry::traces_url(endpoint);
    if (!url) return Error{"failed to configure OpenTelemetry: " + url.error().message};
    options.endpoints.push_back({*url, headers});
  }

  double rate = flags.otlp_sample_rate;
  if (!sample_rate_set && from_config && from_config->sample_rate) rate = *from_config->sample_rate;
  if (!(rate >= 0.0 && rate <= 1.0))
    return Error{"--otlp-sample-rate (or the config's sample_rate) must be between 0.0 and 1.0, got " +
                 std::to_string(rate)};
  options.sample_rate = rate;

  options.resource.service_name = flags.otlp_service_name;
  if (!service_name_set && from_config && !from_config->service_name.empty() &&
      !env_value("OTEL_SERVICE_NAME"))
    options.resource.service_name = from_config->service_name;
  options.resource.service_version = base::version_string();
  options.resource.attributes = {{"host.name", host_name()},
                                 {"process.pid", static_cast<int64_t>(::getpid())}};
  AWMG_TRY(options.process_parent, process_parent(from_config));
  return std::optional<telemetry::TracerOptions>(std::move(options));
}

}  // namespace awmg::cli
