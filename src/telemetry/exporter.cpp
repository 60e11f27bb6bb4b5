#include "telemetry/exporter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/client.hpp"
#include "log/logger.hpp"
#include "telemetry/otlp_json.hpp"

namespace awmg::telemetry {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// The HTTP side: one keep-alive client per endpoint, driven by an io_context of the exporter thread's own.
struct BatchExporter::Sender {
  struct Target {
    Endpoint endpoint;
    std::shared_ptr<http::Client> client;  // null when the URL did not parse
    http::Url url;
    mutable std::atomic<bool> failing{false};  // the last post failed (logged once per outage)
  };
  std::vector<Target> targets;
  asio::io_context io;  // after targets: the posts it may still hold refer to them

  // Idle keep-alive connections belong to `io`: they go before it does.
  ~Sender() {
    for (auto& t : targets)
      if (t.client) t.client->close_idle();
  }

  explicit Sender(std::vector<Endpoint> endpoints) {
    targets = std::vector<Target>(endpoints.size());
    for (size_t i = 0; i < endpoints.size(); ++i) {
      Target& t = targets[i];
      t.endpoint = std::move(endpoints[i]);
      if (auto url = http::Url::parse(t.endpoint.url)) {  // (checked at startup: see traces_url)
        t.url = *url;
        t.client = std::make_shared<http::Client>(
            *url, std::chrono::duration_cast<std::chrono::milliseconds>(BatchExporter::kPostTimeout));
      }
    }
  }

  // POSTs `body` to every endpoint at once; returns how many did not take it (a post cut by io.stop() did
  // not).
  size_t send(const std::string& body, Clock::time_point deadline) {
    size_t taken = 0;
    for (auto& t : targets) {
      if (!t.client) continue;
      asio::co_spawn(
          io, [&t, &body, deadline, &taken] { return post(t, body, deadline, taken); }, asio::detached);
    }
    io.run();
    io.restart();
    return targets.size() - taken;
  }

  static asio::awaitable<void> post(const Target& t, const std::string& body,
                                    const Clock::time_point& deadline, size_t& taken) {
    auto executor = co_await asio::this_coro::executor;
    auto abort = std::make_shared<http::Abort>(executor, deadline);
    asio::steady_timer timer(executor, deadline);
    timer.async_wait([abort](boost::system::error_code ec) {
      if (!ec) (*abort)();
    });
    auto headers = t.endpoint.headers;
    headers["Content-Type"] = "application/json";
    auto exchange =
        co_await t.client->send(boost::beast::http::verb::post, t.url.target, headers, body, abort);
    std::string problem;
    if (!exchange) {
      problem = exchange.error().message;
    } else {
      auto answer = co_await (*exchange)->read_all(64 * 1024);
      if (!answer)
        problem = answer.error().message;
      else if ((*exchange)->status() < 200 || (*exchange)->status() > 299)
        problem = "HTTP " + std::to_string((*exchange)->status());
    }
    timer.cancel();
    if (problem.empty()) {
      ++taken;
      if (t.failing.exchange(false))
        log::info("tracing", "OTLP export to " + t.url.host_header() + " works again");
      co_return;
    }
    // Once per outage, and only the host: the URL may hold credentials, and a collector that is down would
    // otherwise fill the log with a line per batch.
    if (!t.failing.exchange(true))
      log::warn("tracing", "OTLP export to " + t.url.host_header() + " failed: " + problem);
  }
};

BatchExporter::BatchExporter(std::vector<Endpoint> endpoints, Resource resource, ExportCounters counters)
    : resource_(std::move(resource)),
      counters_(counters),
      sender_(std::make_unique<Sender>(std::move(endpoints))),
      thread_([this] { run(); }) {}

BatchExporter::~BatchExporter() {
  shutdown(std::chrono::milliseconds(0));
}

void BatchExporter::add(std::unique_ptr<SpanData> span) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < kMaxQueue) {
      queue_.push_back(std::move(span));
      if (queue_.size() == 1 || queue_.size() == kMaxBatch) wake_.notify_one();  // a batch begins, or is full
      return;
    }
    if (counters_.dropped) counters_.dropped->inc();
  }
}

void BatchExporter::shutdown(std::chrono::milliseconds budget) {
  {
    std::unique_lock lock(mutex_);
    if (stopping_) return;  // (once)
    stopping_ = true;
    stop_by_ = Clock::now() + budget;
    wake_.notify_one();
    // A post in flight is bounded by its own timeout, which may be later: at the budget's end it is cut.
    if (!finished_.wait_until(lock, stop_by_, [this] { return done_; })) sender_->io.stop();
  }
  thread_.join();
  std::lock_guard lock(mutex_);
  counters_ = {};  // they belong to the caller, who may go now; spans ended later are dropped uncounted
}

std::vector<std::unique_ptr<SpanData>> BatchExporter::next_batch(std::unique_lock<std::mutex>& lock) {
  if (!stopping_ && queue_.size() < kMaxBatch) {
    // The first span waits at most kBatchTimeout for company.
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    wake_.wait_for(lock, kBatchTimeout, [this] { return stopping_ || queue_.size() >= kMaxBatch; });
  }
  std::vector<std::unique_ptr<SpanData>> batch;
  while (!queue_.empty() && batch.size() < kMaxBatch) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void BatchExporter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    auto batch = next_batch(lock);
    bool last = stopping_ && queue_.empty();
    auto deadline = stopping_ ? std::min(stop_by_, Clock::now() + kPostTimeout) : Clock::now() + kPostTimeout;
    if (stopping_ && Clock::now() >= stop_by_) {  // out of time: what is left is dropped
      if (counters_.dropped) counters_.dropped->inc(batch.size() + queue_.size());
      queue_.clear();
      break;
    }
    lock.unlock();
    size_t failures = batch.empty() ? 0 : sender_->send(encode_otlp_json(resource_, batch), deadline);
    lock.lock();
    if (!batch.empty()) {
      bool taken = failures < sender_->targets.size();
      if (counters_.failed) counters_.failed->inc(failures);
      if (taken && counters_.exported) counters_.exported->inc(batch.size());
      if (!taken && stopping_ && Clock::now() >= stop_by_ && counters_.dropped)
        counters_.dropped->inc(batch.size());  // cut by the end of the shutdown flush
    }
    if (last) break;
  }
  done_ = true;
  finished_.notify_all();
}

}  // namespace awmg::telemetry
