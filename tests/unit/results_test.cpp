// What happens to a tool result before the client sees it: payloads too large for a response go to disk, and
// the URL domain audit.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <filesystem>

#include "base/files.hpp"
#include "json/json.hpp"
#include "results/payload_spill.hpp"
#include "results/url_audit.hpp"
#include "support/process.hpp"

namespace awmg::results {
namespace {

std::string text_result(const std::string& text) {
  return R"({"content":[{"type":"text","text":)" + json::quote(text) + "}]}";
}

json::Document described(const std::string& result) {
  auto doc = json::parse(result);
  EXPECT_TRUE(doc);
  auto inner = json::parse(json::string_or((*doc)["content"][0], "text"));
  EXPECT_TRUE(inner) << result;
  return inner ? std::move(*inner) : json::Document();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(PayloadSpill, SmallResultsAndErrorsPassLargeOnesGoToDiskWhole) {
  test::TempDir dir;
  PayloadSpill spill({dir.file("payloads"), "", 1000, std::chrono::hours(24)});
  const std::string small = text_result("hello");
  EXPECT_EQ(spill.process("agent-1", small), small);
  const std::string big_error =
      R"({"content":[{"type":"text","text":")" + std::string(5000, 'x') + R"("}],"isError":true})";
  EXPECT_EQ(spill.process("agent-1", big_error), big_error);

  std::string items = "[";
  for (int i = 0; i < 100; ++i)
    items += std::string(i ? "," : "") + R"({"id":)" + std::to_string(i) + R"(,"title":"é issue"})";
  const std::string big = R"({"content":[{"type":"text","text":)" + json::quote(items + "]") +
                          R"(}],"structuredContent":{"n":1}})";
  auto out = described(spill.process("agent-1", big));
  std::string path = json::string_or(out, "payloadPath");
  EXPECT_EQ(path.rfind(dir.file("payloads") + "/agent-1/", 0), 0u) << path;
  EXPECT_EQ(base::read_file(path).value(), json::to_string(*json::parse(big)));
  EXPECT_EQ(out["originalSize"].GetInt64(), static_cast<int64_t>(json::to_string(*json::parse(big)).size()));
  EXPECT_EQ(json::to_string(out["payloadSchema"]),
            R"({"content":[{"type":"string","text":"string"}],"structuredContent":{"n":"number"}})");
  EXPECT_EQ(json::string_or(out, "payloadPreview").size(), 503u);  // 500 bytes and "..."
  EXPECT_NE(json::string_or(out, "agentInstructions").find("payloadPath"), std::string::npos);
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(std::filesystem::path(path).parent_path()), 0700u);
  EXPECT_EQ(mode_of(dir.file("payloads") + "/agent-1"), 0700u);
}

TEST(PayloadSpill, ThePathPrefixIsWhatTheAgentSees) {
  test::TempDir dir;
  PayloadSpill spill({dir.file("p"), "/workspace/payloads", 100, std::chrono::hours(24)});
  auto out = described(spill.process("a", text_result(std::string(300, 'y'))));
  std::string path = json::string_or(out, "payloadPath");
  EXPECT_EQ(path.rfind("/workspace/payloads/a/", 0), 0u) << path;
  EXPECT_EQ(path.substr(path.size() - 13), "/payload.json");
  EXPECT_TRUE(
      std::filesystem::exists(dir.file("p") + path.substr(std::string("/workspace/payloads").size())));
}

TEST(PayloadSpill, ADirectoryThatCannotBeUsedIsAClearErrorNotATruncatedFile) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.file("elsewhere"));
  std::filesystem::create_directory_symlink(dir.file("elsewhere"), dir.file("link"));
  for (const std::string& bad : {dir.file("link"), std::string("/dev/null/payloads")}) {
    PayloadSpill spill({bad, "", 100, std::chrono::hours(24)});
    auto result = spill.process("a", text_result(std::string(300, 'z')));
    auto doc = json::parse(result);
    ASSERT_TRUE(doc);
    EXPECT_TRUE((*doc)["isError"].GetBool()) << bad;
    EXPECT_NE(result.find("could not be saved to the payload directory"), std::string::npos) << result;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.file("elsewhere")));
  PayloadSpill spill({dir.file("p"), "", 100, std::chrono::hours(24)});
  EXPECT_NE(spill.process("..", text_result(std::string(300, 'z'))).find("isError"), std::string::npos);
}

TEST(PayloadSpill, PayloadsOlderThanTheRetentionAreRemoved) {
  test::TempDir dir;
  PayloadSpill spill({dir.file("p"), "", 100, std::chrono::hours(1)});
  auto first =
      json::string_or(described(spill.process("a", text_result(std::string(300, '1')))), "payloadPath");
  ASSERT_TRUE(std::filesystem::exists(first));
  std::string query_dir = std::filesystem::path(first).parent_path();
  struct utimbuf old {};
  old.actime = old.modtime = ::time(nullptr) - 2 * 3600;
  ASSERT_EQ(::utime(query_dir.c_str(), &old), 0);
  PayloadSpill later(
      {dir.file("p"), "", 100, std::chrono::hours(1)});  // (a sweep runs at most once a minute)
  auto second =
      json::string_or(described(later.process("a", text_result(std::string(300, '2')))), "payloadPath");
  EXPECT_FALSE(std::filesystem::exists(query_dir));
  EXPECT_TRUE(std::filesystem::exists(second));
}

TEST(PayloadSpill, PreviewsEndOnACharacter) {
  EXPECT_EQ(preview("abc", 5), "abc");
  EXPECT_EQ(preview("ab\xc3\xa9z", 3), "ab...");  // not inside é
  EXPECT_EQ(infer_schema(R"([{"a":[1,2],"b":null,"c":true},{"x":1}])"),
            R"([{"a":["number"],"b":"null","c":"boolean"}])");
  EXPECT_EQ(infer_schema("[]"), "[]");
}

// Twice the text takes about twice as long (each unclosed literal once copied the rest: four times, and
// minutes for a megabyte). Timed as a ratio, so it holds in slow builds too; the best of three runs each.
TEST(UrlAudit, HostileTextCostsLinearTime) {
  auto seconds_for = [](int literals) {
    std::string text;
    for (int i = 0; i < literals; ++i) text += "http://[";
    double best = 1e9;
    for (int run = 0; run < 3; ++run) {
      auto start = std::chrono::steady_clock::now();
      EXPECT_TRUE(url_hosts(text).empty());
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
  };
  double single = seconds_for(20000), twice = seconds_for(40000);
  EXPECT_LT(twice, 3 * single + 0.005) << single << " s, then " << twice << " s";
}

TEST(PayloadSpill, ASessionNameTooLongForADirectoryIsDigested) {
  test::TempDir dir;
  PayloadSpill spill({dir.file("p"), "", 100, std::chrono::hours(24)});
  std::string agent(250, 'a');
  auto path =
      json::string_or(described(spill.process(agent, text_result(std::string(300, 'z')))), "payloadPath");
  EXPECT_EQ(path.rfind(dir.file("p") + "/session-", 0), 0u) << path;
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(UrlAudit, HostNamesOfUrlsInStringValuesPerServer) {
  EXPECT_EQ(
      url_hosts("see https://User:pw@Example.COM:8443/x?y and http://a.b.c, not ftp://no.pe or https:///x"),
      (std::set<std::string>{"example.com", "a.b.c"}));
  EXPECT_EQ(url_hosts("https://[::1]:80/ http://ev!l.host/ https://ok.example./"),
            (std::set<std::string>{"[::1]", "ok.example"}));
  test::TempDir dir;
  UrlAudit audit(dir.file("observed-url-domains.json"));
  audit.observe("gh", text_result("https://github.com/o/r and https://api.github.com"));
  audit.observe("web", text_result("http://example.org"));
  audit.observe("gh", R"({"content":[{"type":"text","text":"https://errors.example"}],"isError":true})");
  EXPECT_EQ(base::read_file(dir.file("observed-url-domains.json")).value(),
            "{\"gh\":[\"api.github.com\",\"github.com\"],\"web\":[\"example.org\"]}\n");
  EXPECT_EQ(mode_of(dir.file("observed-url-domains.json")), 0600u);
}

}  // namespace
}  // namespace awmg::results
