// Gateway options over the real binary: several agent ids, the rate-limit breaker, the tool-result pipeline
// (payloads to disk, the URL domain audit, jq filters) and backends started again after a failed start.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "base/files.hpp"
#include "integration/demo_fixture.hpp"

namespace awmg::test {
namespace {

// gateway.agent_ids: each id is a key of its own agent; one key can neither use another's sessions nor name
// itself as another key's agent.
TEST(Mcp, SeveralAgentIdsAreSeveralAgents) {
  Fixture f(
      "[gateway]\nagent_ids = [\"primary-agent\", \"enclave-agent\"]\nstartup_timeout = 3\n"
      "[servers.demo]\ncommand = \"" +
      std::string(kDemoServer) + "\"\n");
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  McpClient primary(f.gw->port(), "/mcp/demo", "primary-agent");
  McpClient enclave(f.gw->port(), "/mcp/demo", "enclave-agent");
  McpClient stranger(f.gw->port(), "/mcp/demo", "test-key");
  primary.initialize({{"X-Agent-ID", "worker"}});
  enclave.initialize({{"X-Agent-ID", "worker"}});
  EXPECT_EQ(result_text(primary.request("tools/call", R"({"name":"echo","arguments":{"message":"p"}})")),
            "p");
  EXPECT_EQ(result_text(enclave.request("tools/call", R"({"name":"echo","arguments":{"message":"e"}})")),
            "e");
  auto refused = stranger.post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  EXPECT_EQ(refused.status, 401);
  // The enclave key with the primary's session id (and the same X-Agent-ID) finds no session.
  McpClient borrower(f.gw->port(), "/mcp/demo", "enclave-agent");
  borrower.session_id = primary.session_id;
  auto borrowed =
      borrower.post(R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})", {{"X-Agent-ID", "worker"}});
  EXPECT_EQ(borrowed.status, 404);
  // The client configuration printed at startup carries the first id.
  EXPECT_NE(f.gw->child().out().find("\"Authorization\": \"primary-agent\""), std::string::npos)
      << f.gw->child().out();
}

// The backend's rate-limit signals open the server's circuit breaker: calls are refused at once, /health says
// so, and after the cooldown one probe closes it again.
TEST(Mcp, RateLimitedResultsOpenTheCircuitBreaker) {
  Fixture f(demo_config({{"demo", ""}}) + "rate_limit_threshold = 2\nrate_limit_cooldown = 1\n");
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");
  c.initialize();
  const std::string limited = R"({"name":"fail","arguments":{"message":"API rate limit exceeded"}})";
  for (int i = 0; i < 2; ++i) {
    auto r = c.request("tools/call", limited);
    EXPECT_TRUE(is_error_result(r));
    EXPECT_EQ(result_text(r),
              "rate limit exceeded on server demo");  // not the backend's own (unlabelled) text
  }
  auto refused = c.request("tools/call", R"({"name":"echo","arguments":{"message":"x"}})");
  EXPECT_TRUE(is_error_result(refused));
  const std::string text = result_text(refused);
  EXPECT_EQ(
      text.rfind("rate limit circuit breaker is OPEN for server \"demo\" \u2014 rate limit resets at ", 0),
      0u)
      << text;
  EXPECT_NE(text.find("Z (retry after 1s)"), std::string::npos) << text;
  auto health = http_request(f.gw->port(), "GET", "/health", {});
  EXPECT_NE(health.body.find(R"("circuit":"open")"), std::string::npos) << health.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"x"}})")), "x");
  EXPECT_NE(http_request(f.gw->port(), "GET", "/health", {}).body.find(R"("circuit":"closed")"),
            std::string::npos);
}

// A result over the threshold reaches the agent as a file it can read, and the URL domains of results are
// recorded when the audit is on.
TEST(Mcp, LargeResultsGoToThePayloadDirectoryAndUrlDomainsAreAudited) {
  Fixture f(demo_config({{"demo", ""}}, "payload_size_threshold = 1000\nurl_domain_audit = true\n"));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");
  c.initialize();
  const std::string message = "see https://docs.example.com/a " + std::string(2000, 'x');
  auto big = c.request("tools/call", R"({"name":"echo","arguments":{"message":")" + message + R"("}})");
  auto description = json::parse(result_text(big));
  ASSERT_TRUE(description) << result_text(big);
  std::string path = json::string_or(*description, "payloadPath");
  EXPECT_EQ(path.rfind(f.dir.file("payloads") + "/", 0), 0u) << path;
  auto saved = json::parse(base::read_file(path).value());
  ASSERT_TRUE(saved);
  EXPECT_EQ(json::string_or((*saved)["content"][0], "text"), message);
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"small"}})")),
            "small");
  EXPECT_EQ(base::read_file(f.dir.file("logs") + "/observed-url-domains.json").value(),
            "{\"demo\":[\"docs.example.com\"]}\n");
}

// tool_response_filters: jq on every matching result, in a worker process; a filter that fails or loops is a
// clear error result by the call's deadline, and the next call gets a fresh worker.
TEST(Mcp, ResponseFiltersRunJqAndEndByTheDeadline) {
  Fixture f(
      demo_config({{"demo", ""}}) +
      "tool_timeout = 2\n"
      "tool_response_filters = { echo = \"if type == \\\"object\\\" and has(\\\"a\\\") then .a + 1 else "
      "{content: [{type: \\\"text\\\", text: (.content[0].text | ascii_upcase)}]} end\", "
      "add = \"last(repeat(.))\", list_items = \".[]?, .[]?\" }\n");
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");
  c.initialize();
  // A text that is JSON: the filter runs on it and its output is the text.
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"{\"a\":41}"}})")),
            "42");
  // A text that is not: the filter runs on the whole result.
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"quiet"}})")),
            "QUIET");
  auto start = std::chrono::steady_clock::now();
  auto looping = c.request("tools/call", R"({"name":"add","arguments":{"a":1,"b":2}})");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(is_error_result(looping));
  EXPECT_EQ(result_text(looping),
            "the response filter for add failed: the filter did not finish before its deadline");
  EXPECT_LT(took, 3.0);
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"again"}})")),
            "AGAIN");
  auto many = c.request("tools/call", R"({"name":"list_items","arguments":{}})");
  EXPECT_TRUE(is_error_result(many));
  EXPECT_NE(result_text(many).find("multiple results"), std::string::npos) << result_text(many);
}

// A backend that failed to start is started again in the background (after 1 s, then backing off), /health
// says how it goes, and its tools appear when it comes up.
TEST(Mcp, ABackendThatFailedAtStartupIsStartedAgainAndItsToolsAppear) {
  TempDir scratch;
  const std::string mark = scratch.file("started-once");
  const std::string script =
      "if [ -e " + mark + " ]; then exec " + kDemoServer + "; else touch " + mark + "; exit 1; fi";
  Fixture f(
      "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 3\n[servers.flaky]\ncommand = \"/bin/sh\"\n"
      "args = [\"-c\", " +
      json::quote(script) + "]\n");
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto health = json::parse(f.gw->get("/health", {}).body);
  ASSERT_TRUE(health);
  EXPECT_EQ(json::string_or((*health)["servers"]["flaky"], "status"), "restarting");
  bool up = false;
  for (int i = 0; i < 50 && !up; ++i) {  // the first retry comes after 1 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto now = json::parse(f.gw->get("/health", {}).body);
    up = now && json::string_or((*now)["servers"]["flaky"], "status") == "running";
  }
  ASSERT_TRUE(up) << f.gw->get("/health", {}).body;
  auto c = f.client("/mcp/flaky");
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"healed"}})")),
            "healed");
  std::string log = read_log_when(f.dir.file("logs/flaky.log"), "Starting flaky again (attempt 1)");
  EXPECT_NE(log.find("Starting flaky again (attempt 1)"), std::string::npos) << log;
}

// servers.<id>.working_directory: the backend runs there (its relative script path resolves from it); a
// directory that is not there fails that server's start with words naming it.
TEST(Mcp, AStdioBackendRunsInItsWorkingDirectory) {
  TempDir work;
  work.write("cwd_server.py", R"(import json, os, sys
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    result = {}
    if msg["method"] == "initialize":
        result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "cwd", "version": "1"}}
    elif msg["method"] == "tools/list":
        result = {"tools": [{"name": "cwd", "inputSchema": {"type": "object"}}]}
    elif msg["method"] == "tools/call":
        result = {"content": [{"type": "text", "text": os.getcwd()}]}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}) + "\n")
    sys.stdout.flush()
)");
  const std::string server = "command = \"/usr/bin/env\"\nargs = [\"python3\", \"cwd_server.py\"]\n";
  Fixture f("[gateway]\napi_key = \"test-key\"\nstartup_timeout = 5\n[servers.here]\n" + server +
            "working_directory = \"" + work.path() + "\"\n[servers.gone]\n" + server +
            "working_directory = \"" + work.file("missing") + "\"\n");
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto here = f.client("/mcp/here");
  here.initialize();
  EXPECT_EQ(result_text(here.request("tools/call", R"({"name":"cwd"})")), work.path());
  const std::string log = read_text(f.dir.file("logs/mcp-gateway.log"));
  EXPECT_NE(log.find("working directory " + work.file("missing") + ": No such file or directory"),
            std::string::npos)
      << log.substr(0, 2000);
}

// SIGTERM while a filter loops: the filter's worker is stopped at once, the call answered, the drain ends and
// the gateway exits 0 well before the call's deadline.
TEST(Mcp, SigtermDuringALoopingFilterExitsPromptly) {
  Fixture f(demo_config({{"demo", ""}}) + "tool_response_filters = { echo = \"last(repeat(.))\" }\n");
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");
  c.initialize();
  std::thread caller([&c] { c.request("tools/call", R"({"name":"echo","arguments":{"message":"x"}})"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto start = std::chrono::steady_clock::now();
  f.gw->child().signal(SIGTERM);
  EXPECT_EQ(f.gw->child().wait(std::chrono::seconds(8)), 0) << f.gw->child().err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  caller.join();
}

}  // namespace
}  // namespace awmg::test
