#pragma once
#include "metrics/metrics.hpp"

namespace awmg::gateway {

// What /metrics shows of the gateway: requests and their latency per route and server, tool calls by outcome,
// guard decisions and filtered items, payloads written to disk; and, read when scraped, open sessions, each
// backend's state and each rate-limit breaker's.
struct GatewayMetrics {
  metrics::Registry registry;
  metrics::Family<metrics::Counter>& requests =
      registry.counter("awmg_http_requests_total", "HTTP requests the gateway answered, by route and server.",
                       {"route", "server"});
  metrics::Family<metrics::Histogram>& request_seconds =
      registry.histogram("awmg_http_request_duration_seconds",
                         "Time from a request's head read to its answer sent.", {"route", "server"});
  metrics::Family<metrics::Counter>& tool_calls = registry.counter(
      "awmg_tool_calls_total", "tools/call requests by server and outcome (ok, error, denied).",
      {"server", "outcome"});
  metrics::Family<metrics::Counter>& guard_decisions =
      registry.counter("awmg_guard_decisions_total",
                       "DIFC decisions on tool calls by server (allowed, denied).", {"server", "decision"});
  metrics::Family<metrics::Counter>& filtered_items = registry.counter(
      "awmg_guard_filtered_items_total", "Items DIFC removed from tool results, by server.", {"server"});
  metrics::Family<metrics::Counter>& backend_restarts = registry.counter(
      "awmg_backend_restarts_total",
      "Times a running server's backend went down and the gateway started it again.", {"server"});
  metrics::Counter& trace_spans_exported =
      registry.counter("awmg_trace_spans_exported_total", "Spans sent to at least one OTLP endpoint.", {})
          .with({});
  metrics::Counter& trace_spans_dropped =
      registry
          .counter("awmg_trace_spans_dropped_total",
                   "Spans dropped because the export queue was full or the shutdown flush ran out of time.",
                   {})
          .with({});
  metrics::Counter& trace_export_failures =
      registry.counter("awmg_trace_export_failures_total", "Span batches an OTLP endpoint did not take.", {})
          .with({});
  metrics::Family<metrics::Counter>& payload_spills = registry.counter(
      "awmg_payload_spills_total", "Tool results written to the payload directory, by server.", {"server"});
};

}  // namespace awmg::gateway
