#include "telemetry/otlp_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

#include "base/version.hpp"

namespace awmg::telemetry {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_value(Writer& w, const AttributeValue& value) {
  w.StartObject();
  if (const auto* s = std::get_if<std::string>(&value)) {
    w.Key("stringValue");
    w.String(s->c_str(), static_cast<rapidjson::SizeType>(s->size()));
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    w.Key("intValue");
    w.String(std::to_string(*i).c_str());
  } else if (const auto* b = std::get_if<bool>(&value)) {
    w.Key("boolValue");
    w.Bool(*b);
  } else {
    w.Key("doubleValue");
    w.Double(std::get<double>(value));
  }
  w.EndObject();
}

void write_attributes(Writer& w, const Attributes& attributes) {
  w.Key("attributes");
  w.StartArray();
  for (const auto& a : attributes) {
    w.StartObject();
    w.Key("key");
    w.String(a.key.c_str(), static_cast<rapidjson::SizeType>(a.key.size()));
    w.Key("value");
    write_value(w, a.value);
    w.EndObject();
  }
  w.EndArray();
}

void write_string(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_span(Writer& w, const SpanData& s) {
  w.StartObject();
  write_string(w, "traceId", to_hex(s.context.trace_id));
  write_string(w, "spanId", to_hex(s.context.span_id));
  if (s.parent) write_string(w, "parentSpanId", to_hex(*s.parent));
  write_string(w, "name", s.name);
  w.Key("kind");
  w.Int(static_cast<int>(s.kind));
  write_string(w, "startTimeUnixNano", std::to_string(s.start_unix_nano));
  write_string(w, "endTimeUnixNano", std::to_string(s.end_unix_nano));
  write_attributes(w, s.attributes);
  w.Key("events");
  w.StartArray();
  for (const auto& e : s.events) {
    w.StartObject();
    write_string(w, "timeUnixNano", std::to_string(e.time_unix_nano));
    write_string(w, "name", e.name);
    write_attributes(w, e.attributes);
    w.EndObject();
  }
  w.EndArray();
  w.Key("status");
  w.StartObject();
  if (s.error) {
    w.Key("code");
    w.Int(2);
    write_string(w, "message", s.status_message);
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

uint64_t now_unix_nano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string encode_otlp_json(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  w.Key("resourceSpans");
  w.StartArray();
  w.StartObject();
  w.Key("resource");
  w.StartObject();
  Attributes attributes = {{"service.name", resource.service_name},
                           {"service.version", resource.service_version},
                           {"telemetry.sdk.name", std::string("awmg")},
                           {"telemetry.sdk.language", std::string("cpp")},
                           {"telemetry.sdk.version", base::version_string()}};
  attributes.insert(attributes.end(), resource.attributes.begin(), resource.attributes.end());
  write_attributes(w, attributes);
  w.EndObject();
  w.Key("scopeSpans");
  w.StartArray();
  w.StartObject();
  w.Key("scope");
  w.StartObject();
  write_string(w, "name", "awmg");
  write_string(w, "version", base::version_string());
  w.EndObject();
  w.Key("spans");
  w.StartArray();
  for (const auto& s : spans) write_span(w, *s);
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

}  // namespace awmg::telemetry
