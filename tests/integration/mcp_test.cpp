// MCP over the real gateway: sessions, routed and unified modes, tools, streaming, and misbehaving backends.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <future>
#include <thread>

#include "integration/awmg_process.hpp"
#include "integration/demo_fixture.hpp"
#include "integration/mcp_client.hpp"

namespace awmg::test {
namespace {

TEST(Mcp, RoutedInitializeListAndCall) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");
  auto init = c.initialize();
  EXPECT_EQ(c.session_id.size(), 32u);
  EXPECT_EQ(json::string_or(init["result"]["serverInfo"], "name"), "awmg-demo");
  EXPECT_EQ(json::string_or(init["result"], "protocolVersion"), "2025-11-25");
  auto list = c.request("tools/list");
  const auto& tools = list["result"]["tools"];
  ASSERT_TRUE(tools.IsArray());
  EXPECT_EQ(json::string_or(tools[0], "name"), "echo");
  EXPECT_EQ(json::string_or(tools[0], "description"), "[demo] Returns the message it is given.");
  auto echo = c.request("tools/call", R"({"name":"echo","arguments":{"message":"hello"}})");
  EXPECT_EQ(result_text(echo), "hello");
  EXPECT_EQ(c.last_reply.headers["content-type"], "text/event-stream");
  auto add = c.request("tools/call", R"({"name":"add","arguments":{"a":2,"b":40}})");
  EXPECT_EQ(result_text(add), "42");
  auto unknown = c.request("tools/call", R"({"name":"nope"})");
  EXPECT_EQ(json::string_or(unknown["error"], "message"), "unknown tool \"nope\"");
  EXPECT_EQ(unknown["error"]["code"].GetInt(), -32602);
  auto failed = c.request("tools/call", R"({"name":"fail","arguments":{"message":"boom"}})");
  EXPECT_TRUE(is_error_result(failed));
  EXPECT_EQ(result_text(failed), "boom");
  EXPECT_EQ(json::string_or(c.request("ping")["result"], "x", "ok"), "ok");
  EXPECT_EQ(c.request("bogus/method")["error"]["code"].GetInt(), -32601);
}

TEST(Mcp, JsonOnlyClientsGetJson) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  auto c = f.client("/mcp/demo");
  c.initialize();
  auto reply = c.post(
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"message":"j"}}})",
      {{"Accept", "application/json"}});
  EXPECT_EQ(reply.headers["content-type"], "application/json");
  auto doc = json::parse(reply.body);
  ASSERT_TRUE(doc) << reply.body;
  EXPECT_EQ(result_text(*doc), "j");
}

TEST(Mcp, UnifiedModeAggregatesBackends) {
  Fixture f(demo_config({{"alpha", ""}, {"beta", ""}}), {"--unified"});
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp");
  EXPECT_EQ(json::string_or(c.initialize()["result"]["serverInfo"], "name"), "awmg-unified");
  auto list = c.request("tools/list");
  std::vector<std::string> names;
  for (const auto& t : list["result"]["tools"].GetArray()) names.push_back(json::string_or(t, "name"));
  EXPECT_NE(std::find(names.begin(), names.end(), "alpha___echo"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "beta___add"), names.end());
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"alpha___echo","arguments":{"message":"a"}})")),
            "a");
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"beta___add","arguments":{"a":1,"b":1}})")), "2");
  EXPECT_EQ(json::string_or(c.request("tools/call", R"({"name":"echo"})")["error"], "message"),
            "unknown tool \"echo\"");
}

TEST(Mcp, AllowlistHidesAndRejects) {
  Fixture f(demo_config({{"demo", ""}}) + "tools = [\"echo\"]\n");
  ASSERT_TRUE(f.gw->ready());
  auto c = f.client("/mcp/demo");
  c.initialize();
  auto list = c.request("tools/list");
  ASSERT_EQ(list["result"]["tools"].Size(), 1u);
  EXPECT_EQ(json::string_or(c.request("tools/call", R"({"name":"add"})")["error"], "message"),
            "unknown tool \"add\"");
}

TEST(Mcp, ProgressAndLogNotificationsStreamBeforeTheResult) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  auto c = f.client("/mcp/demo");
  c.initialize();
  c.request("tools/call", R"({"name":"progress","arguments":{"steps":2},"_meta":{"progressToken":"tok"}})");
  auto events = sse_data(c.last_reply.body);
  ASSERT_EQ(events.size(), 5u) << c.last_reply.body;
  EXPECT_NE(events[0].find(R"("method":"notifications/progress")"), std::string::npos);
  EXPECT_NE(events[0].find(R"("progressToken":"tok")"), std::string::npos);
  EXPECT_NE(events[1].find(R"("method":"notifications/message")"), std::string::npos);
  EXPECT_NE(events[4].find("done after 2 steps"), std::string::npos);
  EXPECT_EQ(c.last_reply.headers["transfer-encoding"], "chunked");
}

TEST(Mcp, TransportChecks) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  int port = f.gw->port();
  auto c = f.client("/mcp/demo");
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})";
  auto post = [&](std::map<std::string, std::string> h, const std::string& body,
                  const std::string& path = "/mcp/demo") {
    h.emplace("Authorization", "test-key");
    return http_request(port, "POST", path, h, body);
  };
  EXPECT_EQ(post({{"Content-Type", "text/plain"}}, init).status, 415);
  EXPECT_EQ(post({{"Content-Type", "application/json"}, {"Accept", "text/html"}}, init).status, 406);
  auto bad_version =
      post({{"Content-Type", "application/json"}, {"MCP-Protocol-Version", "1999-01-01"}}, init);
  EXPECT_EQ(bad_version.status, 400);
  EXPECT_EQ(bad_version.body,
            "Bad Request: Unsupported protocol version (supported versions: "
            "2025-11-25,2025-06-18,2025-03-26,2024-11-05)\n");
  auto malformed = post({{"Content-Type", "application/json"}}, "{not json");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("-32700"), std::string::npos);
  auto batch = post({{"Content-Type", "application/json"}}, "[" + init + "]");
  EXPECT_EQ(batch.status, 400);
  EXPECT_NE(batch.body.find("batch requests are not supported"), std::string::npos);
  EXPECT_EQ(post({{"Content-Type", "application/json"}, {"Mcp-Session-Id", "nope"}}, init).status, 404);
  EXPECT_EQ(post({{"Content-Type", "application/json"}}, R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})")
                .status,
            400);
  EXPECT_EQ(post({{"Content-Type", "application/json"}, {"Host", "evil.example.com"}}, init).status, 403);
  EXPECT_EQ(post({{"Content-Type", "application/json"}, {"Origin", "https://evil.example.com"}}, init).status,
            403);
  EXPECT_EQ(post({{"Content-Type", "application/json"}}, init, "/mcp/unknown").status, 404);
  EXPECT_EQ(http_request(port, "PUT", "/mcp/demo", {{"Authorization", "test-key"}}).status, 405);
  EXPECT_EQ(http_request(port, "POST", "/mcp/demo", {{"Content-Type", "application/json"}}, init).status,
            401);
  // A session made on one route is not valid on another, and DELETE ends it.
  c.initialize();
  EXPECT_EQ(http_request(port, "GET", "/mcp/demo", {{"Authorization", "test-key"}}).status, 400);
  EXPECT_EQ(http_request(port, "DELETE", "/mcp/demo",
                         {{"Authorization", "test-key"}, {"Mcp-Session-Id", c.session_id}})
                .status,
            204);
  EXPECT_EQ(c.request("tools/list").IsObject(), false);
  EXPECT_EQ(c.last_reply.status, 404);
}

TEST(Mcp, NotificationsGet202AndNoSessionIdentityIs400) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  auto c = f.client("/mcp/demo");
  c.initialize();
  EXPECT_EQ(c.post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}})").status,
            202);
  auto bad_agent = http_request(
      f.gw->port(), "POST", "/mcp/demo",
      {{"Authorization", "test-key"}, {"X-Agent-ID", "../escape"}, {"Content-Type", "application/json"}},
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  EXPECT_EQ(bad_agent.status, 400);
  EXPECT_EQ(bad_agent.body, "no server available\n");
}

TEST(Mcp, GeminiStyleToolsCallWithoutSession) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  auto c = f.client("/mcp/demo");
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"g"}})")), "g");
}

TEST(Mcp, CrashedBackendIsAToolErrorThenRestarts) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  auto c = f.client("/mcp/demo");
  c.initialize();
  auto crash = c.request("tools/call", R"({"name":"crash"})");
  EXPECT_TRUE(is_error_result(crash));
  EXPECT_NE(result_text(crash).find("backend error server=demo method=tools/call: backend demo exited"),
            std::string::npos)
      << result_text(crash);
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"again"}})")),
            "again");
  auto other = f.client("/mcp/demo");  // another session is unaffected throughout
  other.initialize();
  EXPECT_EQ(result_text(other.request("tools/call", R"({"name":"echo","arguments":{"message":"ok"}})")),
            "ok");
}

TEST(Mcp, SlowToolHitsTheToolTimeout) {
  Fixture f(demo_config({{"demo", ""}}) + "tool_timeout = 1\n");
  ASSERT_TRUE(f.gw->ready());
  auto c = f.client("/mcp/demo");
  c.initialize();
  auto start = std::chrono::steady_clock::now();
  auto slow = c.request("tools/call", R"({"name":"sleep","arguments":{"ms":5000}})");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_TRUE(is_error_result(slow));
  EXPECT_NE(result_text(slow).find("did not answer tools/call in time"), std::string::npos)
      << result_text(slow);
}

TEST(Mcp, GarbageAndChatterFromABackendAreSurvived) {
  Fixture f(demo_config({{"noisy", "\"--garbage\", \"--stderr-chatter\""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/noisy");
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"x"}})")), "x");
  f.gw->child().signal(SIGTERM);
  ASSERT_EQ(f.gw->child().wait(std::chrono::seconds(10)), 0);
  std::string server_log = read_text(f.dir.file("logs/noisy.log"));
  EXPECT_NE(server_log.find("[WARN] [backend] ignoring a message that is not JSON: this is not JSON {"),
            std::string::npos);
  EXPECT_NE(server_log.find("[INFO] [backend] [stderr] request: "), std::string::npos) << server_log;
}

TEST(Mcp, SilentBackendFailsStartupWithinTheTimeoutAndOthersServe) {
  Fixture f(demo_config({{"good", ""}, {"silent", "\"--silent\""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto health = json::parse(f.gw->get("/health").body);
  ASSERT_TRUE(health);
  EXPECT_EQ(json::string_or(*health, "status"), "unhealthy");
  EXPECT_EQ(json::string_or((*health)["servers"]["silent"], "status"), "restarting");
  EXPECT_EQ(json::string_or((*health)["servers"]["good"], "status"), "running");
  auto c = f.client("/mcp/good");
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"fine"}})")),
            "fine");
  std::string log = read_log_when(f.dir.file("logs/mcp-gateway.log"), "Tool registration incomplete");
  EXPECT_NE(log.find("Tool registration incomplete: 1 of 2 backends failed: [silent]"), std::string::npos)
      << log;
}

TEST(Mcp, SessionsGetTheirOwnBackendProcessAndShutdownLeavesNone) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  auto a = f.client("/mcp/demo");
  a.initialize({{"X-Agent-ID", "agent-a"}});
  auto b = f.client("/mcp/demo");
  b.initialize({{"X-Agent-ID", "agent-b"}});
  a.request("tools/call", R"({"name":"echo","arguments":{"message":"1"}})");
  b.request("tools/call", R"({"name":"echo","arguments":{"message":"2"}})");
  EXPECT_EQ(f.gw->children(), 3);  // the shared startup process plus one per agent
  std::string text = read_text(f.dir.file("logs/tools.json"));
  EXPECT_NE(text.find("\"echo\""), std::string::npos) << text;
  f.gw->child().signal(SIGTERM);
  ASSERT_EQ(f.gw->child().wait(std::chrono::seconds(10)), 0);
  auto left = run({"/usr/bin/pgrep", "-f", f.dir.path()});
  EXPECT_EQ(left.out, "");
}

TEST(Mcp, ManyConcurrentClientsAllGetAnswers) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto c = f.client("/mcp/demo");
      c.initialize();
      for (int i = 0; i < 20; ++i) {
        std::string m = std::to_string(t) + "-" + std::to_string(i);
        if (result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":")" + m + "\"}}")) ==
            m)
          ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 160);
}

}  // namespace
}  // namespace awmg::test

namespace awmg::test {
namespace {

// JSON configs always run `docker run ...`; no Docker engine exists here, so a stand-in `docker` on PATH
// records its argv and runs the demo server in place of the image.
TEST(McpDocker, JsonStdioServersRunTheExactDockerArgv) {
  TempDir dir;
  dir.write("docker", "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + dir.file("argv.txt") + "\"\nexec \"" +
                          kDemoServer + "\"\n");
  ::chmod(dir.file("docker").c_str(), 0755);
  auto options = awmg_env(dir, {{"PATH", dir.path() + ":/usr/bin:/bin"}, {"AWMG_IT_TOKEN", "s3cret"}});
  options.stdin_data = R"({"mcpServers":{"demo":{"type":"local","container":"ghcr.io/example/demo:1",
      "env":{"TOKEN":"${AWMG_IT_TOKEN}","AWMG_IT_TOKEN":""},"args":["--network","none"],"mounts":["/a:/b:ro"]}},
      "gateway":{"port":8080,"domain":"localhost","agentId":"docker-key"}})";
  RunningGateway gw({"--config-stdin"}, options);
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/demo", "docker-key");
  c.initialize();
  EXPECT_EQ(
      result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"in a container"}})")),
      "in a container");
  // `-e AWMG_IT_TOKEN` (pass-through) is rewritten with the gateway's value before exec.
  EXPECT_EQ(read_text(dir.file("argv.txt")),
            "run\n--rm\n-i\n-e\nNO_COLOR=1\n-e\nTERM=dumb\n-e\nPYTHONUNBUFFERED=1\n-v\n/a:/b:ro\n-e\n"
            "AWMG_IT_TOKEN=s3cret\n-e\nTOKEN=s3cret\n--network\nnone\nghcr.io/example/demo:1\n");
  std::string log = read_text(dir.file("logs/mcp-gateway.log"));
  EXPECT_EQ(log.find("s3cret"), std::string::npos) << "secrets stay out of the log";
}

TEST(McpHttp, SlowLorisClientIsCutOffAndOthersServed) {
  TempDir dir;
  RunningGateway gw({"--demo"}, awmg_env(dir, {{"AWMG_HTTP_READ_TIMEOUT", "1s"}}));
  ASSERT_TRUE(gw.ready());
  auto start = std::chrono::steady_clock::now();
  std::thread slow([&] { raw_exchange(gw.port(), "GET /health HTTP/1.1\r\nHost: x\r\n", 10000); });
  EXPECT_EQ(gw.get("/health").status, 200);  // served while the slow client hangs
  slow.join();
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(5));  // cut off by the gateway, not by the client's own timeout
}

}  // namespace
}  // namespace awmg::test

namespace awmg::test {
namespace {

TEST(McpStream, GetStreamEndsWhenReplacedAndSigtermDrainsPromptly) {
  TempDir dir;
  RunningGateway gw({"--demo"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready());
  McpClient c(gw.port(), "/mcp/demo", gw.agent_id());
  c.initialize();
  std::string get = "GET /mcp/demo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + gw.agent_id() +
                    "\r\nAccept: text/event-stream\r\nConnection: close\r\nMcp-Session-Id: " + c.session_id +
                    "\r\n\r\n";
  std::string first;
  std::thread stream([&] { first = raw_exchange(gw.port(), get, 8000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto replaced = std::chrono::steady_clock::now();
  std::thread second([&] { raw_exchange(gw.port(), get, 8000); });  // replaces the first stream
  stream.join();  // ends promptly instead of spinning on a closed mailbox
  EXPECT_LT(std::chrono::steady_clock::now() - replaced, std::chrono::seconds(3));
  EXPECT_NE(first.find("HTTP/1.1 200"), std::string::npos) << first;
  EXPECT_NE(first.find("text/event-stream"), std::string::npos);
  EXPECT_NE(first.find("\r\n0\r\n\r\n"), std::string::npos) << "the chunked stream was ended properly";
  auto start = std::chrono::steady_clock::now();
  gw.child().signal(SIGTERM);  // the second stream is still open: shutdown ends it
  EXPECT_EQ(gw.child().wait(std::chrono::seconds(10)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  second.join();
}

}  // namespace
}  // namespace awmg::test

namespace awmg::test {
namespace {

TEST(Mcp, TheGatewayServesLoggingItselfAndRelaysOnlyLogLinesAtTheSessionsLevel) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");  // the demo server itself implements no logging/setLevel
  auto init = c.initialize();
  EXPECT_TRUE(init["result"]["capabilities"].HasMember("logging"));
  auto bad = c.request("logging/setLevel", R"({"level":"loud"})");
  EXPECT_EQ(bad["error"]["code"].GetInt(), -32602);
  auto log_lines = [&] {
    auto reply = c.request("tools/call", R"({"name":"progress","arguments":{"steps":2}})");
    EXPECT_EQ(result_text(reply), "done after 2 steps");
    return count_of(c.last_reply.body, "notifications/message");
  };
  EXPECT_EQ(log_lines(), 2u);  // no level set: everything
  auto set = c.request("logging/setLevel", R"({"level":"warning"})");
  EXPECT_TRUE(set["result"].IsObject()) << json::to_string(set);
  EXPECT_EQ(log_lines(), 0u);  // the demo's lines are "info"
  c.request("logging/setLevel", R"({"level":"debug"})");
  EXPECT_EQ(log_lines(), 2u);
}

TEST(Mcp, RequestIdsComeBackDigitForDigit) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");
  c.initialize();
  for (const char* id : {"9007199254740993", "18446744073709551615", "18446744073709551617",
                         "-9223372036854775809", "123456789012345678901234567890", "\"a-string\""}) {
    for (const char* body : {R"(,"method":"ping"})", R"(,"method":"tools/call","params":{"name":"echo",)"
                                                     R"("arguments":{"message":"x"}}})"}) {
      auto reply = c.post(std::string(R"({"jsonrpc":"2.0","id":)") + id + body);
      EXPECT_NE(reply.body.find(std::string(R"("id":)") + id + ","), std::string::npos)
          << id << ": " << reply.body;
    }
  }
  for (const char* id : {"{}", "[1]", "true"}) {  // not a JSON-RPC id
    auto reply = c.post(std::string(R"({"jsonrpc":"2.0","id":)") + id + R"(,"method":"ping"})");
    EXPECT_EQ(reply.status, 400) << id;
    EXPECT_NE(reply.body.find("Invalid Request"), std::string::npos) << reply.body;
  }
}

}  // namespace
}  // namespace awmg::test

namespace awmg::test {
namespace {

TEST(Mcp, ACancelledRequestIsFoundByItsIdDigitForDigit) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client("/mcp/demo");
  c.initialize();
  const std::string id = "1234567890123456789012345";  // no double holds it
  auto started = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [&] {
    return c.post(R"({"jsonrpc":"2.0","id":)" + id +
                  R"(,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":5000}}})");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto cancelled = c.post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":)" +
                          id + R"(,"reason":"enough"}})");
  EXPECT_EQ(cancelled.status, 202);
  auto reply = slow.get();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3)) << reply.body;
  EXPECT_NE(reply.body.find("cancelled"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find(R"("id":)" + id), std::string::npos) << reply.body;
}

}  // namespace
}  // namespace awmg::test
