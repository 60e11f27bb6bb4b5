#include "telemetry/trace_context.hpp"

#include <random>

#include "base/random.hpp"

namespace awmg::telemetry {

namespace {

template <size_t N>
bool all_zero(const std::array<uint8_t, N>& bytes) {
  for (uint8_t b : bytes)
    if (b) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case too: the header is lower-case hex
}

std::mt19937_64& generator() {
  thread_local std::mt19937_64 g([] {
    std::string seed = base::random_hex(8);
    return std::stoull(seed, nullptr, 16);
  }());
  return g;
}

template <size_t N>
std::array<uint8_t, N> random_id() {
  std::array<uint8_t, N> id{};
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t r = generator()();
      for (size_t j = 0; j < 8 && i + j < N; ++j) id[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
  } while (all_zero(id));
  return id;
}

}  // namespace

bool SpanContext::valid() const {
  return !all_zero(trace_id) && !all_zero(span_id);
}

std::string SpanContext::traceparent() const {
  return "00-" + to_hex(trace_id) + "-" + to_hex(span_id) + (sampled ? "-01" : "-00");
}

std::string to_hex(const uint8_t* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

bool from_hex(std::string_view text, uint8_t* out, size_t n) {
  if (text.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::optional<SpanContext> parse_traceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  uint8_t version = 0, flags = 0;
  if (!from_hex(header.substr(0, 2), &version, 1) || version == 0xff) return std::nullopt;
  if (version == 0 && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  SpanContext c;
  if (!from_hex(header.substr(3, 32), c.trace_id.data(), 16) ||
      !from_hex(header.substr(36, 16), c.span_id.data(), 8) || !from_hex(header.substr(53, 2), &flags, 1))
    return std::nullopt;
  if (!c.valid()) return std::nullopt;
  c.sampled = flags & 1;
  return c;
}

TraceId new_trace_id() {
  return random_id<16>();
}

SpanId new_span_id() {
  return random_id<8>();
}

}  // namespace awmg::telemetry
