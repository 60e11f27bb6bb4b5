#include <gtest/gtest.h>

#include "base/duration.hpp"
#include "base/files.hpp"
#include "base/strings.hpp"

namespace awmg::base {
namespace {

TEST(Duration, ParsesGoDurations) {
  EXPECT_EQ(parse_duration("5s"), std::chrono::seconds(5));
  EXPECT_EQ(parse_duration("1m30s"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("1.5h"), std::chrono::minutes(90));
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("-2s"), std::chrono::seconds(-2));
  EXPECT_EQ(parse_duration("0"), Duration::zero());
  EXPECT_EQ(parse_duration("10us"), std::chrono::microseconds(10));
}

TEST(Duration, RejectsMalformedText) {
  for (const char* bad : {"", "5", "s", "5x", "1..5s", "five seconds", "5s3"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(format_duration(std::chrono::seconds(5)), "5s");
  EXPECT_EQ(format_duration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(std::chrono::hours(6)), "6h0m0s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(Duration::zero()), "0s");
}

TEST(Paths, CleanAndDirMatchGo) {
  EXPECT_EQ(clean_path("/tmp/gh-aw/mcp-logs/"), "/tmp/gh-aw/mcp-logs");
  EXPECT_EQ(clean_path("a//b/./c/.."), "a/b");
  EXPECT_EQ(clean_path(""), ".");
  EXPECT_EQ(clean_path("/../x"), "/x");
  EXPECT_EQ(dir_name("/tmp/gh-aw/mcp-logs"), "/tmp/gh-aw");
  EXPECT_EQ(dir_name("logs"), ".");
  EXPECT_EQ(dir_name("/logs"), "/");
}

TEST(Strings, SplitTrimQuote) {
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(trim("  x \t"), "x");
  EXPECT_EQ(quote("a\"b\n"), "\"a\\\"b\\n\"");
}

}  // namespace
}  // namespace awmg::base

namespace awmg::base {
namespace {

TEST(HexEscape, WritesRefusedBytesAsMarkerAndTwoHexDigits) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  EXPECT_EQ(hex_escape("a b/Z\xff", '%', alnum), "a%20b%2FZ%FF");
  EXPECT_EQ(hex_escape("", '%', alnum), "");
}

}  // namespace
}  // namespace awmg::base
