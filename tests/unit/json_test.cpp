// The JSON helpers' input checks: UTF-8 validation (fast path and edge cases), errors with positions.
#include <gtest/gtest.h>

#include "json/json.hpp"

namespace awmg::json {
namespace {

TEST(RawMembers, GiveEachValueAsWrittenOrNothingForWhatIsNotOneObject) {
  auto members = raw_members(
      R"( {"a": 88888888888000000000000000454378996 , "b":{"c":"}]\"{"},"\u0064":[1,{"e":[]}]} )");
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0].second, "88888888888000000000000000454378996");
  EXPECT_EQ((*members)[1].second, R"({"c":"}]\"{"})");
  EXPECT_EQ((*members)[2].first, R"(\u0064)");
  EXPECT_EQ((*members)[2].second, R"([1,{"e":[]}])");
  EXPECT_TRUE(raw_members("{}") && raw_members("{}")->empty());
  for (const char* bad : {"[]", "", "{\"a\" 1}", "{\"a\":}", "{\"a\":1", "{\"a\":\"x}"})
    EXPECT_FALSE(raw_members(bad)) << bad;
}

TEST(Utf8, AcceptsWellFormedTextAndRefusesEveryIllFormedShape) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));  // é € 😀 U+10FFFF
  for (const char* bad : {"\x80", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xF0\x80\x80\x80",
                          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xC3", "\xE2\x82", "abcdefgh\xFF"}) {
    EXPECT_FALSE(valid_utf8(bad)) << bad;
  }
}

TEST(Parse, InvalidUtf8IsAnErrorWithItsPosition) {
  auto doc = parse("{\"a\":\"\xC3\x28\"}");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().message.rfind("invalid JSON at line 1, column ", 0), 0u) << doc.error().message;
  EXPECT_TRUE(parse("{\"a\":\"caf\xC3\xA9\"}"));
}

}  // namespace
}  // namespace awmg::json
