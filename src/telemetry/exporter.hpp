#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "telemetry/span_data.hpp"

namespace awmg::telemetry {

// Where spans go: an OTLP/HTTP traces URL (http or https) and the headers to send it.
struct Endpoint {
  std::string url;
  std::map<std::string, std::string> headers;
};

// What the exporter counts, for /metrics (any may be null).
struct ExportCounters {
  metrics::Counter* exported = nullptr;
  metrics::Counter* dropped = nullptr;
  metrics::Counter* failed = nullptr;  // batches an endpoint did not take
};

// Sends finished spans off the request path: add() queues a span (a lock and a move; never a wait), a thread
// of its own sends them in batches of at most kMaxBatch, when that many wait or kBatchTimeout after the
// first, to every endpoint (fan-out; one that fails does not stop the others), each POST bounded by
// kPostTimeout. The queue holds at most kMaxQueue spans: past that a span is dropped and counted, never
// waited for.
class BatchExporter {
 public:
  static constexpr size_t kMaxBatch = 256;
  static constexpr size_t kMaxQueue = 4096;
  static constexpr auto kBatchTimeout = std::chrono::seconds(2);
  static constexpr auto kPostTimeout = std::chrono::seconds(10);

  BatchExporter(std::vector<Endpoint> endpoints, Resource resource, ExportCounters counters);
  ~BatchExporter();
  BatchExporter(const BatchExporter&) = delete;
  BatchExporter& operator=(const BatchExporter&) = delete;

  void add(std::unique_ptr<SpanData> span);
  // Sends what is queued and stops, within `budget` (what is left after it is dropped, and a post still in
  // flight is cut).
  void shutdown(std::chrono::milliseconds budget);

 private:
  struct Sender;
  void run();
  std::vector<std::unique_ptr<SpanData>> next_batch(std::unique_lock<std::mutex>& lock);

  Resource resource_;
  ExportCounters counters_;
  std::unique_ptr<Sender> sender_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  bool done_ = false;  // run() returned
  std::deque<std::unique_ptr<SpanData>> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_by_ = std::chrono::steady_clock::time_point::max();
  std::thread thread_;
};

}  // namespace awmg::telemetry
