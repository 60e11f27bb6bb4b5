#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace awmg::telemetry {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

// Where a span sits in its trace: W3C Trace Context's trace id, the span's id and whether the trace is
// sampled (recorded and exported).
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  bool sampled = false;

  bool valid() const;
  // `00-<trace id>-<span id>-<01|00>`: the header a request to another service carries.
  std::string traceparent() const;
};

// A `traceparent` header. Refused (nullopt): a wrong length or separator, upper-case or non-hex digits,
// version ff, an all-zero trace or span id, and for version 00 anything after the flags. A later version
// may carry more fields after a dash, which are ignored, as the W3C recommendation says.
std::optional<SpanContext> parse_traceparent(std::string_view header);

std::string to_hex(const uint8_t* bytes, size_t n);
template <size_t N>
std::string to_hex(const std::array<uint8_t, N>& bytes) {
  return to_hex(bytes.data(), N);
}
// Exactly 2 * N lower-case hex digits into `out`; false otherwise.
bool from_hex(std::string_view text, uint8_t* out, size_t n);

// Fresh random ids (never all zeros), from a per-thread generator seeded from the system's random source.
TraceId new_trace_id();
SpanId new_span_id();

}  // namespace awmg::telemetry
