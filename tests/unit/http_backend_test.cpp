// The pieces of the HTTP backend client that need no network: URLs, the event-stream parser, OIDC helpers.
#include <gtest/gtest.h>

#include "backend/oidc.hpp"
#include "http/client.hpp"
#include "http/sse.hpp"

namespace awmg::backend {
namespace {

TEST(Url, SplitsWhatAClientNeeds) {
  auto plain = http::Url::parse("http://127.0.0.1:8080/mcp?x=1#frag");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, "8080");
  EXPECT_EQ(plain->target, "/mcp?x=1");
  auto secure = http::Url::parse("https://api.example.com");
  ASSERT_TRUE(secure);
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->port, "443");
  EXPECT_EQ(secure->target, "/");
  EXPECT_EQ(secure->host_header(), "api.example.com");
  auto v6 = http::Url::parse("http://[::1]:9/mcp");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header(), "[::1]:9");
  EXPECT_EQ(http::Url::parse("ftp://x/").error().message,
            "the URL must start with http:// or https://: ftp://x/");
  EXPECT_FALSE(http::Url::parse("http://user:pw@host/"));
  EXPECT_FALSE(http::Url::parse("http://host:port/"));
}

TEST(Url, ResolvesTheEndpointAnSseServerNames) {
  auto base = *http::Url::parse("http://127.0.0.1:3001/sse");
  EXPECT_EQ(base.resolve("/message?sessionId=abc").target, "/message?sessionId=abc");
  EXPECT_EQ(base.resolve("message?sessionId=abc").target, "/message?sessionId=abc");
  EXPECT_EQ(base.resolve("http://other:1/post").host, "other");
}

TEST(SseParser, HandlesSplitsLineEndingsCommentsIdsAndRetry) {
  http::SseParser p;
  EXPECT_TRUE(p.feed("id: s-0\r\nretry: 500\r\ndata: \r\n\r\n: keepalive\n\nevent: mess").size() == 1);
  EXPECT_EQ(p.last_event_id(), "s-0");
  EXPECT_EQ(p.retry_ms(), 500);
  auto events = p.feed("age\ndata: {\"a\":\ndata: 1}\nid: s-1\r");
  EXPECT_TRUE(events.empty());  // not dispatched before the blank line
  events = p.feed("\n\r\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "message");
  EXPECT_EQ(events[0].data, "{\"a\":\n1}");
  EXPECT_EQ(events[0].id, "s-1");
  EXPECT_EQ(p.last_event_id(), "s-1");
  events = p.feed("event: endpoint\ndata:/message?x=1\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "endpoint");
  EXPECT_EQ(events[0].data, "/message?x=1");
  EXPECT_EQ(events[0].id, "");
  EXPECT_EQ(p.last_event_id(), "s-1");  // an event without an id keeps the last one
}

TEST(Oidc, ReadsTheExpiryOfAJwt) {
  auto exp = jwt_expiry("eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln");
  ASSERT_TRUE(exp);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(exp->time_since_epoch()).count(), 4102444800);
  EXPECT_FALSE(jwt_expiry("not-a-jwt"));
  EXPECT_FALSE(jwt_expiry("a.eyJzdWIiOiJ4In0.c"));  // {"sub":"x"}: no exp
}

TEST(Oidc, AddsTheAudienceToTheRequestUrl) {
  EXPECT_EQ(with_query_parameter("https://t.example/token?api-version=2.0", "audience", "api://x y"),
            "https://t.example/token?api-version=2.0&audience=api%3A%2F%2Fx%20y");
  EXPECT_EQ(with_query_parameter("https://t.example/token", "audience", "a"),
            "https://t.example/token?audience=a");
  EXPECT_EQ(with_query_parameter("https://t.example/token?", "audience", "a"),
            "https://t.example/token?audience=a");
}

}  // namespace
}  // namespace awmg::backend
