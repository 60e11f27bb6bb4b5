#pragma once
#include <memory>
#include <string>
#include <vector>

#include "telemetry/span_data.hpp"

namespace awmg::telemetry {

// An OTLP/HTTP JSON export request (`ExportTraceServiceRequest`, as POSTed to /v1/traces with
// Content-Type application/json): one resource, one instrumentation scope, the spans. Ids are hex strings,
// times decimal strings of nanoseconds and 64-bit integers strings, as OTLP's JSON encoding says.
std::string encode_otlp_json(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans);

}  // namespace awmg::telemetry
