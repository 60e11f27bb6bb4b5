#include "telemetry/tracer.hpp"

#include <cstring>

namespace awmg::telemetry {

namespace {

constexpr size_t kMaxText = 1024;

// Length of the valid UTF-8 sequence at s[i], 0 when there is none.
size_t utf8_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) > 0x9F)) return 0;  // overlong, surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) > 0x8F)) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

std::string exportable_text(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_length(text, i);
    if (out.size() + (n == 0 ? 3 : n) > kMaxText) break;
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    context_ = other.context_;
    data_ = std::move(other.data_);
    exporter_ = other.exporter_;
  }
  return *this;
}

Span::~Span() {
  end();
}

namespace {

void make_exportable(Attributes& attributes) {
  for (auto& a : attributes)
    if (auto* s = std::get_if<std::string>(&a.value)) *s = exportable_text(*s);
}

}  // namespace

void Span::set(const char* key, AttributeValue value) {
  if (!data_) return;
  if (auto* s = std::get_if<std::string>(&value)) *s = exportable_text(*s);
  data_->attributes.push_back({key, std::move(value)});
}

void Span::add_event(const char* name, Attributes attributes) {
  if (!data_) return;
  make_exportable(attributes);
  data_->events.push_back({name, now_unix_nano(), std::move(attributes)});
}

void Span::set_error(std::string message) {
  if (!data_) return;
  data_->error = true;
  data_->status_message = exportable_text(message);
}

void Span::end() {
  if (!data_) return;
  data_->end_unix_nano = now_unix_nano();
  exporter_->add(std::move(data_));
}

Tracer& Tracer::instance() {
  static Tracer tracer;
  return tracer;
}

void Tracer::start(TracerOptions options) {
  sample_rate_ = options.sample_rate;
  process_parent_ = options.process_parent;
  owned_ = std::make_unique<BatchExporter>(std::move(options.endpoints), std::move(options.resource),
                                           options.counters);
  exporter_.store(owned_.get(), std::memory_order_release);
}

void Tracer::shutdown(std::chrono::milliseconds budget) {
  if (owned_) owned_->shutdown(budget);
  exporter_.store(nullptr, std::memory_order_release);
}

bool sampled_at(double rate, const TraceId& id) {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  uint64_t x = 0;
  for (size_t i = 8; i < 16; ++i) x = x << 8 | id[i];
  x >>= 1;
  return static_cast<double>(x) < rate * 9223372036854775808.0;
}

Span Tracer::start_server_span(const char* name, std::optional<std::string_view> traceparent) {
  if (!enabled()) return {};
  std::optional<SpanContext> remote;
  if (traceparent) remote = parse_traceparent(*traceparent);
  return start_span(name, SpanKind::kServer, remote ? &*remote : nullptr);
}

Span Tracer::start_span(const char* name, SpanKind kind, const SpanContext* parent) {
  BatchExporter* exporter = exporter_.load(std::memory_order_acquire);
  Span span;
  if (!exporter) return span;
  if ((!parent || !parent->valid()) && process_parent_) parent = &*process_parent_;
  bool has_parent = parent && parent->valid();
  span.context_.trace_id = has_parent ? parent->trace_id : new_trace_id();
  span.context_.span_id = new_span_id();
  span.context_.sampled = sampled_at(sample_rate_, span.context_.trace_id);
  if (!span.context_.sampled) return span;
  span.exporter_ = exporter;
  span.data_ = std::make_unique<SpanData>();
  span.data_->name = name;
  span.data_->kind = kind;
  span.data_->context = span.context_;
  if (has_parent) span.data_->parent = parent->span_id;
  span.data_->start_unix_nano = now_unix_nano();
  return span;
}

}  // namespace awmg::telemetry
