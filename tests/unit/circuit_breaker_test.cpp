// The rate-limit circuit breaker: what counts as a rate-limit signal, and the breaker's states over time.
#include <gtest/gtest.h>

#include "gateway/circuit_breaker.hpp"

namespace awmg::gateway {
namespace {

using std::chrono::seconds;

std::string error_result(const std::string& text) {
  return R"({"content":[{"type":"text","text":")" + text + R"("}],"isError":true})";
}

TEST(RateLimitSignal, ErrorResultsWhoseTextSaysSo) {
  EXPECT_TRUE(rate_limit_signal(error_result("API rate limit exceeded for user")));
  EXPECT_TRUE(rate_limit_signal(error_result("HTTP 403: rate limit")));
  EXPECT_TRUE(rate_limit_signal(error_result("You have exceeded a secondary rate limit")));
  EXPECT_TRUE(rate_limit_signal(error_result("429 Too Many Requests")));
  EXPECT_FALSE(rate_limit_signal(error_result("rate limit")));  // without 403
  EXPECT_FALSE(
      rate_limit_signal(R"({"content":[{"type":"text","text":"API rate limit exceeded"}]})"));  // no isError
  EXPECT_FALSE(rate_limit_signal(error_result("not found")));
  EXPECT_EQ(rate_limit_signal(error_result("API rate limit exceeded [rate reset in 42s]"))->reset_in,
            seconds(42));
  EXPECT_EQ(rate_limit_signal(error_result("API rate limit exceeded (rate reset in 7)"))->reset_in,
            seconds(7));
  EXPECT_EQ(rate_limit_signal(error_result("API rate limit exceeded, rate reset in 0s"))->reset_in,
            std::nullopt);
  EXPECT_EQ(rate_limit_signal(error_result("API rate limit exceeded, rate reset in 5 minutes"))->reset_in,
            std::nullopt);
}

TEST(CircuitBreaker, OpensAtTheThresholdHalfOpensAfterTheCooldownAndClosesOnASuccessfulProbe) {
  CircuitBreaker breaker("gh", 3, seconds(60));
  auto t0 = CircuitBreaker::Clock::now();
  RateLimitSignal signal;
  breaker.record_rate_limited(signal, t0);
  breaker.record_success();  // any success resets the count
  breaker.record_rate_limited(signal, t0);
  breaker.record_rate_limited(signal, t0);
  EXPECT_EQ(breaker.admit(t0), std::nullopt);
  EXPECT_STREQ(breaker.state(), "closed");
  breaker.record_rate_limited(signal, t0);
  EXPECT_STREQ(breaker.state(), "open");
  auto refused = breaker.admit(t0 + seconds(1));
  ASSERT_TRUE(refused);
  EXPECT_EQ(
      refused->rfind("rate limit circuit breaker is OPEN for server \"gh\" \u2014 rate limit resets at ", 0),
      0u)
      << *refused;
  EXPECT_NE(refused->find("(retry after 59s)"), std::string::npos) << *refused;
  // After the cooldown: one probe goes, the others wait for it.
  EXPECT_EQ(breaker.admit(t0 + seconds(61)), std::nullopt);
  EXPECT_STREQ(breaker.state(), "half-open");
  auto waiting = breaker.admit(t0 + seconds(61));
  ASSERT_TRUE(waiting);
  EXPECT_NE(waiting->find("requests temporarily rejected"), std::string::npos);
  breaker.record_success();
  EXPECT_STREQ(breaker.state(), "closed");
  EXPECT_EQ(breaker.admit(t0 + seconds(62)), std::nullopt);
}

TEST(CircuitBreaker, ARateLimitedProbeOpensAgainUntilTheResetTheBackendNamed) {
  CircuitBreaker breaker("gh", 1, seconds(60));
  auto t0 = CircuitBreaker::Clock::now();
  breaker.record_rate_limited(RateLimitSignal{seconds(10)}, t0);
  EXPECT_TRUE(breaker.admit(t0 + seconds(9)));
  EXPECT_EQ(breaker.admit(t0 + seconds(10)), std::nullopt);  // the named reset, not the cooldown
  breaker.record_rate_limited(RateLimitSignal{}, t0 + seconds(10));
  EXPECT_STREQ(breaker.state(), "open");
  EXPECT_TRUE(breaker.admit(t0 + seconds(69)));
  EXPECT_EQ(breaker.admit(t0 + seconds(70)), std::nullopt);
  breaker.record_no_result();  // a probe that failed in transport gives its turn to the next call
  EXPECT_EQ(breaker.admit(t0 + seconds(70)), std::nullopt);
}

TEST(CircuitBreaker, AResetNamedFarAheadIsBelievedForAnHourAtMost) {
  CircuitBreaker breaker("gh", 1, seconds(60));
  auto t0 = CircuitBreaker::Clock::now();
  breaker.record_rate_limited(RateLimitSignal{seconds(999999999)}, t0);
  EXPECT_TRUE(breaker.admit(t0 + seconds(3599)));
  EXPECT_EQ(breaker.admit(t0 + seconds(3600)), std::nullopt);
}

}  // namespace
}  // namespace awmg::gateway
