#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "telemetry/trace_context.hpp"

namespace awmg::telemetry {

// OTLP's span kinds (the numbers are the protocol's).
enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3 };

using AttributeValue = std::variant<std::string, int64_t, bool, double>;
struct Attribute {
  std::string key;
  AttributeValue value;
};
using Attributes = std::vector<Attribute>;

struct SpanEvent {
  std::string name;
  uint64_t time_unix_nano = 0;
  Attributes attributes;
};

// A finished (or finishing) span, as exported.
struct SpanData {
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  SpanContext context;
  std::optional<SpanId> parent;
  uint64_t start_unix_nano = 0, end_unix_nano = 0;
  Attributes attributes;
  std::vector<SpanEvent> events;
  bool error = false;  // OTLP status code 2; else left unset
  std::string status_message;
};

// What every span of this process shares (OTLP's resource).
struct Resource {
  std::string service_name;
  std::string service_version;
  Attributes attributes;  // more, such as host.name and process.pid
};

uint64_t now_unix_nano();

}  // namespace awmg::telemetry
