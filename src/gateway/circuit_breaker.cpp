#include "gateway/circuit_breaker.hpp"

#include "base/duration.hpp"
#include "base/strings.hpp"
#include "json/json.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::gateway {

namespace {

// The concatenated text of a result's content items, lower-cased.
std::string lowered_text(const json::Value& result) {
  std::string text;
  const json::Value* content = json::member(result, "content");
  if (!content || !content->IsArray()) return text;
  for (const auto& item : content->GetArray()) {
    if (item.IsObject()) text += json::string_or(item, "text");
  }
  return base::to_lower(text);
}

// "rate reset in <N>" followed by 's', ']' or ')': N seconds (N > 0).
std::optional<std::chrono::seconds> reset_in(const std::string& text) {
  constexpr std::string_view kMarker = "rate reset in ";
  auto at = text.find(kMarker);
  if (at == std::string::npos) return std::nullopt;
  size_t i = at + kMarker.size();
  long long n = 0;
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 9) {
    n = n * 10 + (text[i++] - '0');
    ++digits;
  }
  if (digits == 0 || n <= 0 || i >= text.size() || (text[i] != 's' && text[i] != ']' && text[i] != ')'))
    return std::nullopt;
  return std::chrono::seconds(n);
}

}  // namespace

std::optional<RateLimitSignal> rate_limit_signal(const std::string& result_json) {
  if (result_json.find("\"isError\"") == std::string::npos) return std::nullopt;  // (most results: no parse)
  auto doc = json::parse(result_json);
  if (!doc || !mcp::is_error_result(*doc)) return std::nullopt;
  std::string text = lowered_text(*doc);
  bool limited = text.find("rate limit exceeded") != std::string::npos ||
                 (text.find("rate limit") != std::string::npos && text.find("403") != std::string::npos) ||
                 text.find("api rate limit") != std::string::npos ||
                 text.find("secondary rate limit") != std::string::npos ||
                 text.find("too many requests") != std::string::npos;
  if (!limited) return std::nullopt;
  return RateLimitSignal{reset_in(text)};
}

CircuitBreaker::CircuitBreaker(std::string server_id, int threshold, std::chrono::seconds cooldown)
    : server_id_(std::move(server_id)), threshold_(std::max(1, threshold)), cooldown_(cooldown) {}

std::optional<std::string> CircuitBreaker::admit(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (state_ == State::kOpen && now >= until_) state_ = State::kHalfOpen;
  if (state_ == State::kClosed) return std::nullopt;
  if (state_ == State::kHalfOpen && !probing_) {
    probing_ = true;
    return std::nullopt;
  }
  std::string text = "rate limit circuit breaker is OPEN for server \"" + server_id_ + "\" \u2014 ";
  if (state_ == State::kHalfOpen || until_ <= now) return text + "requests temporarily rejected";
  auto wait = std::chrono::ceil<std::chrono::seconds>(until_ - now);
  auto at = std::chrono::system_clock::now() + wait;
  return text + "rate limit resets at " + log::timestamp(at).substr(0, 19) + "Z (retry after " +
         base::format_duration(wait) + ")";
}

void CircuitBreaker::open(Clock::time_point now, std::optional<Clock::time_point> reset_at) {
  state_ = State::kOpen;
  until_ = reset_at && *reset_at > now ? *reset_at : now + cooldown_;
  probing_ = false;
  log::warn("backend", "Rate limit circuit breaker OPEN for server " + server_id_);
}

void CircuitBreaker::record_rate_limited(const RateLimitSignal& signal, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::optional<Clock::time_point> reset_at;
  if (signal.reset_in) reset_at = now + std::min(*signal.reset_in, kMaxReset);
  if (state_ == State::kHalfOpen) {
    open(now, reset_at);
    return;
  }
  if (++count_ >= threshold_) open(now, reset_at);
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  if (state_ != State::kClosed)
    log::info("backend", "Rate limit circuit breaker closed for server " + server_id_);
  state_ = State::kClosed;
  count_ = 0;
  probing_ = false;
}

void CircuitBreaker::record_no_result() {
  std::lock_guard lock(mutex_);
  probing_ = false;
}

const char* CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::kClosed:
      return "closed";
    case State::kOpen:
      return "open";
    default:
      return "half-open";
  }
}

CircuitBreakers::CircuitBreakers(const config::Config& config) {
  for (const auto& server : config.servers)
    breakers_[server.id] = std::make_unique<CircuitBreaker>(server.id, server.rate_limit_threshold,
                                                            std::chrono::seconds(server.rate_limit_cooldown));
}

CircuitBreaker& CircuitBreakers::of(const std::string& server_id) {
  return *breakers_.at(server_id);
}

std::map<std::string, std::string> CircuitBreakers::states() const {
  std::map<std::string, std::string> out;
  for (const auto& [id, breaker] : breakers_) out[id] = breaker->state();
  return out;
}

}  // namespace awmg::gateway
