#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "log/debug.hpp"
#include "log/logger.hpp"
#include "log/rpc_log.hpp"
#include "log/sanitizer.hpp"
#include "support/process.hpp"

namespace awmg::log {
namespace {

TEST(Sanitizer, RedactsSecrets) {
  EXPECT_EQ(sanitize("token=abcdefgh1234 rest"), "token=[REDACTED] rest");
  EXPECT_EQ(sanitize("password: hunter2hunter2"), "password=[REDACTED]");
  EXPECT_EQ(sanitize("use ghp_" + std::string(36, 'a') + " now"), "use [REDACTED] now");
  EXPECT_EQ(sanitize("Authorization: Bearer abc.def-ghi"), "Authorization=[REDACTED]");
  EXPECT_EQ(sanitize("header bearer abcDEF123=="), "header [REDACTED]");
  EXPECT_EQ(sanitize("agent " + std::string(64, 'f')), "agent [REDACTED]");
  EXPECT_EQ(sanitize("jwt eyJhbGciOiJIUzI1NiJ9aaaa.eyJzdWIiOiIxIn0.sig_-x"), "jwt [REDACTED]");
  EXPECT_EQ(sanitize(R"({"token":"short","name":"ok","api_key":"k\"q"})"),
            R"({"token":"[REDACTED]","name":"ok","api_key":"[REDACTED]"})");
  EXPECT_EQ(sanitize("github_pat_" + std::string(22, 'A') + "_" + std::string(59, 'b')), "[REDACTED]");
}

TEST(Sanitizer, LeavesOrdinaryTextAlone) {
  for (const char* text : {"Loaded 3 server(s)", "key=short", "tool call list_issues", "deadbeef"}) {
    EXPECT_EQ(sanitize(text), text);
  }
}

TEST(Sanitizer, SessionIdsAndValues) {
  EXPECT_EQ(short_session_id("0123456789abcdef"), "01234567");
  EXPECT_EQ(short_session_id(""), "(none)");
}

TEST(LogFormat, TextLine) {
  std::chrono::system_clock::time_point t{std::chrono::milliseconds(1764057600123)};
  EXPECT_EQ(format_line(t, Level::kWarn, "startup", "hello"),
            "[2025-11-25T08:00:00.123Z] [WARN] [startup] hello");
}

TEST(LogFormat, MarkdownEntries) {
  EXPECT_EQ(format_markdown(Level::kInfo, "startup", "ready"), "- \xE2\x9C\x93 **startup** ready");
  EXPECT_EQ(format_markdown(Level::kError, "backend", "line1\nline2"),
            "- \xE2\x9C\x97 **backend**\n  ```\n  line1\n  line2\n  ```");
  EXPECT_EQ(format_markdown(Level::kWarn, "launch", "command=docker"),
            "- \xE2\x9A\xA0\xEF\xB8\x8F **launch**\n  ```\n  command=docker\n  ```");
}

TEST(DebugNamespaces, PatternsAndExclusions) {
  EXPECT_TRUE(debug_pattern_matches("*", "server:unified"));
  EXPECT_TRUE(debug_pattern_matches("server:*", "server:unified"));
  EXPECT_FALSE(debug_pattern_matches("server:*", "launcher:pool"));
  EXPECT_TRUE(debug_pattern_matches("cmd:*, launcher:*", "launcher:pool"));
  EXPECT_TRUE(debug_pattern_matches("*:pool", "launcher:pool"));
  EXPECT_TRUE(debug_pattern_matches("l*r:p*", "launcher:pool"));
  EXPECT_FALSE(debug_pattern_matches("*,-launcher:*", "launcher:pool"));
  EXPECT_TRUE(debug_pattern_matches("*,-launcher:*", "server:auth"));
  EXPECT_FALSE(debug_pattern_matches("", "server:auth"));
}

TEST(RpcRecord, FormatsAndSanitizes) {
  RpcRecord r{"OUT",        "github",
              "tools/call", R"({"jsonrpc":"2.0","method":"tools/call","params":{"token":"x"}})",
              "",           AgentTags{{"private:o/r"}, {"approved:o"}}};
  EXPECT_EQ(format_rpc_record(r, "2026-01-01T00:00:00.000Z"),
            R"({"timestamp":"2026-01-01T00:00:00.000Z","event":"rpc_request","_schema":"rpc-message/v2",)"
            R"("direction":"OUT","server_id":"github","method":"tools/call","agent_secrecy":["private:o/r"],)"
            R"("agent_integrity":["approved:o"],"payload":{"jsonrpc":"2.0","method":"tools/call",)"
            R"("params":{"token":"[REDACTED]"}}})");
  RpcRecord in{"IN", "s", "", "not json", "broken pipe", std::nullopt};
  EXPECT_EQ(
      format_rpc_record(in, "T"),
      R"({"timestamp":"T","event":"rpc_response","_schema":"rpc-message/v2","direction":"IN",)"
      R"("server_id":"s","error":"broken pipe","payload":{"_error":"invalid JSON","_raw":"not json"}})");
}

TEST(Logger, WritesTheLogDirectoryFiles) {
  test::TempDir dir;
  Logger& logger = Logger::instance();
  ASSERT_EQ(logger.open(dir.file("logs")), "");
  info("startup", "token=abcdefghijkl ready");
  logger.server("github", Level::kInfo, "backend", "[stderr] hello");
  logger.server("../evil", Level::kInfo, "backend", "not a file name");
  logger.markdown(Level::kInfo, "startup", "first");
  logger.jsonl(R"({"x":1})");
  logger.close();
  std::string unified = test::read_text(dir.file("logs/mcp-gateway.log"));
  EXPECT_NE(unified.find("] [INFO] [startup] token=[REDACTED] ready\n"), std::string::npos) << unified;
  EXPECT_NE(unified.find("] [INFO] [backend] [github] [stderr] hello\n"), std::string::npos) << unified;
  EXPECT_NE(unified.find("[../evil] not a file name"), std::string::npos) << unified;
  EXPECT_NE(test::read_text(dir.file("logs/github.log")).find("] [INFO] [backend] [stderr] hello\n"),
            std::string::npos);
  EXPECT_FALSE(test::file_exists(dir.file("evil.log")));
  EXPECT_EQ(test::read_text(dir.file("logs/gateway.md")),
            "<details>\n<summary>MCP Gateway</summary>\n\n- \xE2\x9C\x93 **startup** first\n\n</details>\n");
  EXPECT_EQ(test::read_text(dir.file("logs/rpc-messages.jsonl")), "{\"x\":1}\n");
}

// Lines leave the caller's thread: they reach the file within the flush delay, a burst past the pending cap
// is written by the caller itself (bounded memory, nothing dropped), and close() writes the rest.
TEST(Logger, WritesOffTheCallersThreadWithinTheFlushDelayAndLosesNothing) {
  test::TempDir dir;
  Logger& logger = Logger::instance();
  ASSERT_EQ(logger.open(dir.file("logs")), "");
  const std::string path = dir.file("logs/rpc-messages.jsonl");
  logger.jsonl(R"({"n":0})");
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (test::read_text(path).empty() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(test::read_text(path), "{\"n\":0}\n");
  // Lines are made off the caller's thread, except when a burst reaches the cap: then the caller pays.
  std::atomic<int> made_here{0}, made_elsewhere{0};
  const auto caller = std::this_thread::get_id();
  auto line = [&](size_t bytes) {
    logger.jsonl_deferred(
        [&, caller, bytes] {
          ++(std::this_thread::get_id() == caller ? made_here : made_elsewhere);
          return "\"" + std::string(bytes, 'x') + "\"";
        },
        bytes);
  };
  line(10);
  until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (made_elsewhere == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(made_here, 0) << "a line was made on the caller's thread without a burst";
  const size_t big = Logger::kMaxPending / 4;
  for (int i = 0; i < 5; ++i) line(big);  // past the cap before the writer can wake
  EXPECT_GT(made_here, 0) << "a burst past the cap must be written by the caller";
  logger.close();
  EXPECT_EQ(made_here + made_elsewhere, 6);
  EXPECT_EQ(test::read_text(path).size(), 8 + (10 + 3) + 5 * (big + 3));
}

TEST(Logger, FallsBackToStderrWhenTheDirectoryCannotBeCreated) {
  test::TempDir dir;
  dir.write("file", "");
  Logger& logger = Logger::instance();
  std::FILE* sink = std::tmpfile();
  logger.set_stderr(sink);
  std::string problem = logger.open(dir.file("file/logs"));
  EXPECT_NE(problem.find("failed to create log directory"), std::string::npos) << problem;
  info("startup", "to stderr");
  logger.markdown(Level::kInfo, "startup", "dropped");
  logger.close();
  logger.set_stderr(nullptr);
  std::rewind(sink);
  char buf[256] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, sink);
  std::fclose(sink);
  EXPECT_NE(std::string(buf, n).find("[INFO] [startup] to stderr"), std::string::npos);
}

}  // namespace
}  // namespace awmg::log
