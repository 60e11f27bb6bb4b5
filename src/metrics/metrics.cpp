#include "metrics/metrics.hpp"

#include <cstdio>

namespace awmg::metrics {

namespace {

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

std::string with_label(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return labels.substr(0, labels.size() - 1) + "," + extra + "}";
}

}  // namespace

std::string label_text(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  if (names.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i ? "," : "") + names[i] + "=\"";
    for (char c : i < values.size() ? values[i] : std::string()) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

void Histogram::observe(std::chrono::steady_clock::duration d) {
  double seconds = std::chrono::duration<double>(d).count();
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()),
                    std::memory_order_relaxed);
}

void Histogram::render(const std::string& name, const std::string& labels, std::string& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name + "_bucket" + with_label(labels, "le=\"" + number(kBuckets[i]) + "\"") + " " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += counts_[kBuckets.size()].load(std::memory_order_relaxed);
  out += name + "_bucket" + with_label(labels, "le=\"+Inf\"") + " " + std::to_string(cumulative) + "\n";
  out += name + "_sum" + labels + " " + number(sum_ns_.load(std::memory_order_relaxed) / 1e9) + "\n";
  out += name + "_count" + labels + " " + std::to_string(cumulative) + "\n";
}

template <>
void Family<Counter>::render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [values, counter] : children_)
    out += name_ + label_text(label_names_, values) + " " + std::to_string(counter->value()) + "\n";
}

template <>
void Family<Histogram>::render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
  std::lock_guard lock(mutex_);
  for (const auto& [values, histogram] : children_)
    histogram->render(name_, label_text(label_names_, values), out);
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  counters_.push_back(std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(labels)));
  return *counters_.back();
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels) {
  histograms_.push_back(
      std::make_unique<Family<Histogram>>(std::move(name), std::move(help), std::move(labels)));
  return *histograms_.back();
}

void Registry::gauge(GaugeSource source) {
  gauges_.push_back(std::move(source));
}

std::string Registry::render() const {
  std::string out;
  for (const auto& family : counters_) family->render(out);
  for (const auto& family : histograms_) family->render(out);
  for (const auto& gauge : gauges_) {
    out += "# HELP " + gauge.name + " " + gauge.help + "\n# TYPE " + gauge.name + " gauge\n";
    for (const auto& [values, value] : gauge.read())
      out += gauge.name + label_text(gauge.label_names, values) + " " + number(value) + "\n";
  }
  return out;
}

}  // namespace awmg::metrics
