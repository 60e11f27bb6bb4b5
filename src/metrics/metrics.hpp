#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace awmg::metrics {

// Prometheus metrics, rendered in its text format (version 0.0.4). Counting is lock-free; finding a labelled
// child takes a mutex and a map lookup once per use. Thread-safe.

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Durations in seconds, in fixed buckets from 50 µs to 10 s.
class Histogram {
 public:
  static constexpr std::array<double, 15> kBuckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 10};
  void observe(std::chrono::steady_clock::duration d);
  void render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
};

// A metric with labels: one child per distinct label values.
template <typename Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  Metric& with(const std::vector<std::string>& values) {
    std::lock_guard lock(mutex_);
    auto& child = children_[values];
    if (!child) child = std::make_unique<Metric>();
    return *child;
  }
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

template <>
void Family<Counter>::render(std::string& out) const;
template <>
void Family<Histogram>::render(std::string& out) const;

// A gauge read when scraped: label values -> value.
struct GaugeSource {
  std::string name, help;
  std::vector<std::string> label_names;
  std::function<std::vector<std::pair<std::vector<std::string>, double>>()> read;
};

// `{a="x",b="y"}` with Prometheus escaping of the values.
std::string label_text(const std::vector<std::string>& names, const std::vector<std::string>& values);

class Registry {
 public:
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> labels);
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<std::string> labels);
  void gauge(GaugeSource source);
  std::string render() const;

 private:
  std::vector<std::unique_ptr<Family<Counter>>> counters_;
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_;
  std::vector<GaugeSource> gauges_;
};

}  // namespace awmg::metrics
