#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/exporter.hpp"
#include "telemetry/span_data.hpp"
#include "telemetry/trace_context.hpp"

namespace awmg::telemetry {

class Tracer;

// A span being timed. Spans of a trace that is not sampled, and every span while tracing is off, record
// nothing (a null Span costs a branch per call); a span of a trace that is not sampled still has a context,
// so the trace id goes on to the next service. Move-only; ends when end() is called or it goes away. Not
// thread-safe: one owner at a time.
class Span {
 public:
  Span() = default;
  Span(Span&&) noexcept = default;
  Span& operator=(Span&& other) noexcept;
  ~Span();

  bool recording() const { return data_ != nullptr; }
  // The context children and outgoing requests carry; invalid while tracing is off.
  const SpanContext& context() const { return context_; }
  void set(const char* key, AttributeValue value);
  void add_event(const char* name, Attributes attributes = {});
  void set_error(std::string message);
  void end();

 private:
  friend class Tracer;
  SpanContext context_;
  std::unique_ptr<SpanData> data_;
  BatchExporter* exporter_ = nullptr;
};

struct TracerOptions {
  std::vector<Endpoint> endpoints;
  Resource resource;
  double sample_rate = 1.0;  // >= 1 every trace, <= 0 none, else that share of trace ids
  // A remote span the whole process is a child of (from the config's traceId/spanId): a span with no other
  // parent joins its trace.
  std::optional<SpanContext> process_parent;
  ExportCounters counters;
};

// Text as a span may carry it: valid UTF-8 (a byte that is not becomes U+FFFD, so one client's bytes cannot
// make a collector refuse everyone's batch), at most 1 KiB.
std::string exportable_text(std::string_view text);

// Whether a trace is sampled at `rate`: >= 1 every trace, <= 0 none, else the trace id's last 8 bytes (as a
// number below 2^63) against the rate, so every service sampling at the same rate keeps the same traces.
bool sampled_at(double rate, const TraceId& id);

// The process's tracer: off until start(). Thread-safe.
class Tracer {
 public:
  static Tracer& instance();

  void start(TracerOptions options);
  // Sends what is queued, within `budget`, and turns tracing off.
  void shutdown(std::chrono::milliseconds budget);
  bool enabled() const { return exporter_.load(std::memory_order_acquire) != nullptr; }

  // A span under `parent` (a remote span from a traceparent, or a local span's context); without a valid
  // parent, under the process parent if there is one, else the root of a new trace.
  Span start_span(const char* name, SpanKind kind, const SpanContext* parent = nullptr);
  // The server span of an incoming request: a child of the client's `traceparent` header when it holds a
  // valid one (std::nullopt: the request had none).
  Span start_server_span(const char* name, std::optional<std::string_view> traceparent);

 private:
  std::unique_ptr<BatchExporter> owned_;
  std::atomic<BatchExporter*> exporter_{nullptr};
  double sample_rate_ = 1.0;
  std::optional<SpanContext> process_parent_;
};

}  // namespace awmg::telemetry
