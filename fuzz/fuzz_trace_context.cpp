// Tracing input from clients and the environment: a request's traceparent header, OTLP headers, endpoint URLs
// and the fan-out list; and client text as a span exports it (it must come out valid UTF-8).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "telemetry/endpoints.hpp"
#include "telemetry/tracer.hpp"

using namespace awmg;

namespace {

bool valid_utf8(const std::string& s) {
  return telemetry::exportable_text(s) == s;  // (a fixed point: what it makes, it keeps)
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto c = telemetry::parse_traceparent(text)) {
    auto again = telemetry::parse_traceparent(c->traceparent());
    if (!again || again->traceparent() != c->traceparent()) std::abort();
  }
  (void)telemetry::parse_headers(text, true);
  (void)telemetry::traces_url(text);
  (void)telemetry::parse_endpoint_list(text, {});
  std::string exported = telemetry::exportable_text(text);
  if (exported.size() > 1024 || !valid_utf8(exported)) std::abort();
  return 0;
}
