// HTTP backends through the real gateway: headers and sessions, and backends that misbehave on the wire.
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration/awmg_process.hpp"
#include "integration/mcp_client.hpp"
#include "support/scripted_backend.hpp"

namespace awmg::test {
namespace {

struct Fixture {
  ScriptedBackend backend;
  TempDir dir;
  std::unique_ptr<RunningGateway> gw;
  Fixture() {
    dir.write("config.toml",
              "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 5\ntool_timeout = 2\n"
              "[servers.web]\ntype = \"http\"\nurl = \"" +
                  backend.url() + "\"\nheaders = { X-Api-Key = \"secret-value\" }\n");
    // One client thread (each keeps idle connections to the backend of its own), so connections add up.
    gw = std::make_unique<RunningGateway>(std::vector<std::string>{"-c", dir.file("config.toml")},
                                          awmg_env(dir, {{"AWMG_IO_THREADS", "1"}}));
  }
  McpClient client() { return McpClient(gw->port(), "/mcp/web", "test-key"); }
};

int open_fds(pid_t pid) {
  int n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(HttpBackend, CallsCarryTheConfiguredHeadersAndTheBackendSession) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok")
      << read_text(f.dir.file("logs/mcp-gateway.log"));
  EXPECT_EQ(f.backend.last_header("x-api-key"), "secret-value");
  EXPECT_EQ(f.backend.last_header("mcp-session-id"), "s-1");
  EXPECT_EQ(f.backend.last_header("mcp-protocol-version"), "2025-11-25");
  EXPECT_TRUE(f.backend.wait_for("notifications/initialized", 2000));
}

TEST(HttpBackend, ASessionTheBackendForgotIsStartedAgainOnce) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok");
  EXPECT_EQ(f.backend.initializations(), 2);  // the gateway's shared connection, then this agent's own
  f.backend.forget_sessions();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok");
  EXPECT_EQ(f.backend.initializations(), 3);
  EXPECT_EQ(f.backend.last_header("mcp-session-id"), "s-2");
}

TEST(HttpBackend, AStreamTheBackendDroppedIsResumedWithLastEventId) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"drop"})")), "resumed");
  EXPECT_TRUE(f.backend.wait_for("GET Last-Event-ID: e1", 1000));
}

// What may take longer than a call's caller waits (resuming a stream, renewing a session) does not hold the
// answer past the call's deadline (tool_timeout = 2 s).
TEST(HttpBackend, ResumingAStreamOrRenewingASessionEndsAtTheCallsDeadline) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize();
  auto start = std::chrono::steady_clock::now();
  auto hung = c.request("tools/call", R"({"name":"drop_hang"})");
  EXPECT_NE(result_text(hung).find("did not answer tools/call in time"), std::string::npos)
      << result_text(hung);
  EXPECT_GE(seconds_since(start), 1.9);
  EXPECT_LT(seconds_since(start), 2.8);

  f.backend.forget_sessions();
  f.backend.slow_initialize(4000);
  start = std::chrono::steady_clock::now();
  auto renewing = c.request("tools/call", R"({"name":"ok"})");
  EXPECT_NE(result_text(renewing).find("did not answer tools/call in time"), std::string::npos)
      << result_text(renewing);
  EXPECT_GE(seconds_since(start), 1.9);
  EXPECT_LT(seconds_since(start), 2.8);
  f.backend.slow_initialize(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the renewal completes in the background
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok");
  // The call that timed out during the renewal was not sent under the new session: only the last one was.
  EXPECT_EQ(f.backend.tools_called(), std::vector<std::string>{"ok"});
}

TEST(HttpBackend, FaultsOnTheWireGetClearErrorsAndTheGatewayKeepsServing) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int fds_before = open_fds(f.gw->child().pid());

  struct Case {
    const char* tool;
    const char* error;
  };
  for (const Case& k : {Case{"close", "the backend closed the stream before answering"},
                        Case{"html", "the backend answered with content type 'text/html'"},
                        Case{"unknown_id", "the backend ended its answer without a response"}}) {
    auto start = std::chrono::steady_clock::now();
    auto reply = c.request("tools/call", std::string(R"({"name":")") + k.tool + "\"}");
    EXPECT_TRUE(is_error_result(reply)) << k.tool;
    EXPECT_NE(result_text(reply).find(k.error), std::string::npos) << k.tool << ": " << result_text(reply);
    EXPECT_LT(seconds_since(start), 1.5) << k.tool << " must fail at once, not at the tool timeout";
  }
  auto start = std::chrono::steady_clock::now();
  auto hung = c.request("tools/call", R"({"name":"hang"})");
  EXPECT_TRUE(is_error_result(hung));
  EXPECT_NE(result_text(hung).find("did not answer tools/call in time"), std::string::npos)
      << result_text(hung);
  EXPECT_GE(seconds_since(start), 1.9);
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"garbage"})")), "survived");
  auto flooded = c.request("tools/call", R"({"name":"flood"})");
  EXPECT_EQ(result_text(flooded), "flooded");
  EXPECT_EQ(sse_data(c.last_reply.body).size(), 5001u);  // every log line relayed, then the answer

  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(open_fds(f.gw->child().pid()), fds_before + 1) << "a failed exchange leaked its connection";
  // The gateway's own connection, the one that initialized the agent's session (made on the gateway's main
  // thread, idle there until it expires), and the client thread's idle one.
  EXPECT_LE(f.backend.open_connections(), 3) << "the hung stream was not closed";
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok");
}

TEST(HttpBackend, BackendRequestsReachTheClientAndItsAnswerGoesBack) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize_with(R"({"elicitation":{}})");
  // The request arrives on the call's stream under a gateway id; the client answers with a POST.
  std::thread answer([&] {
    ASSERT_TRUE(f.backend.wait_for("tools/call", 5000));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    McpClient other(f.gw->port(), "/mcp/web", "test-key");
    other.session_id = c.session_id;
    other.post(R"({"jsonrpc":"2.0","id":"awmg-1","result":{"action":"accept","content":{"name":"Ada"}}})");
  });
  auto reply = c.request("tools/call", R"({"name":"ask"})");
  answer.join();
  auto events = sse_data(c.last_reply.body);
  ASSERT_EQ(events.size(), 2u) << c.last_reply.body;
  EXPECT_NE(events[0].find(R"("id":"awmg-1","method":"elicitation/create")"), std::string::npos) << events[0];
  EXPECT_NE(result_text(reply).find(R"("id":"q1","result":{"action":"accept")"), std::string::npos)
      << result_text(reply);
}

TEST(HttpBackend, BackendRequestsAndLogLinesReachOnlyTheAgentWhoseCallCausedThem) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  McpClient bystander(f.gw->port(), "/mcp/web", "test-key");
  bystander.initialize_with(R"({"elicitation":{}})", {{"X-Agent-ID", "agent-b"}});
  std::thread waiting([&] { bystander.request("tools/call", R"({"name":"hang"})"); });  // in flight, later
  ASSERT_TRUE(f.backend.wait_for(R"("name":"hang")", 5000));
  McpClient asker(f.gw->port(), "/mcp/web", "test-key");
  asker.initialize_with(R"({"elicitation":{}})", {{"X-Agent-ID", "agent-a"}});
  std::thread answer([&] {
    ASSERT_TRUE(f.backend.wait_for(R"("name":"ask")", 5000));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    McpClient other(f.gw->port(), "/mcp/web", "test-key");
    other.session_id = asker.session_id;
    other.post(R"({"jsonrpc":"2.0","id":"awmg-1","result":{"action":"decline"}})",
               {{"X-Agent-ID", "agent-a"}});
  });
  auto flooded = asker.request("tools/call", R"({"name":"flood"})");  // log lines while agent-b waits
  EXPECT_EQ(result_text(flooded), "flooded");
  auto reply = asker.request("tools/call", R"({"name":"ask"})");
  answer.join();
  waiting.join();
  EXPECT_EQ(bystander.last_reply.body.find("notifications/message"), std::string::npos)
      << "another agent's log lines reached this agent";
  EXPECT_NE(asker.last_reply.body.find("elicitation/create"), std::string::npos) << asker.last_reply.body;
  EXPECT_NE(result_text(reply).find(R"("action":"decline")"), std::string::npos) << result_text(reply);
  EXPECT_EQ(bystander.last_reply.body.find("elicitation/create"), std::string::npos)
      << "another agent's backend request reached this agent: " << bystander.last_reply.body;
}

TEST(HttpBackend, ARequestTheClientCannotTakeIsRefusedOnItsBehalf) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize();  // no elicitation capability
  auto reply = c.request("tools/call", R"({"name":"ask"})");
  EXPECT_EQ(c.last_reply.body.find(R"("method":"elicitation/create")"), std::string::npos)
      << "the client must not see the request";
  EXPECT_NE(result_text(reply).find(R"("id":"q1","error":{"code":-32601,"message":"the client behind the )"
                                    R"(gateway does not support elicitation/create"})"),
            std::string::npos)
      << result_text(reply);
}

TEST(HttpBackend, AClientThatLeavesDuringABackendRequestHasItRefused) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize_with(R"({"elicitation":{}})");
  std::string body = R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"ask"}})";
  std::string request =
      "POST /mcp/web HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: test-key\r\n"
      "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
      "Mcp-Session-Id: " +
      c.session_id + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string seen = raw_exchange(f.gw->port(), request, 800);  // reads the request event, then hangs up
  EXPECT_NE(seen.find("elicitation/create"), std::string::npos) << seen;
  EXPECT_TRUE(f.backend.wait_for(R"("id":"q1","error")", 5000)) << "the backend was never told";
  bool told = false;
  for (const auto& m : f.backend.received())
    told = told || (m.find(R"("id":"q1")") != std::string::npos &&
                    m.find("the client disconnected") != std::string::npos);
  EXPECT_TRUE(told);
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok");
}

TEST(HttpBackend, AClientThatLosesAStreamResumesItWithLastEventId) {
  Fixture f;
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  auto c = f.client();
  c.initialize();
  std::string body = R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow"}})";
  std::string request =
      "POST /mcp/web HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: test-key\r\n"
      "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
      "Mcp-Session-Id: " +
      c.session_id + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string seen = raw_exchange(f.gw->port(), request, 400);  // the priming event, then the line drops
  auto id_at = seen.find("\nid: ");
  ASSERT_NE(id_at, std::string::npos) << seen;
  EXPECT_NE(seen.find("retry: 1000"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("slow done"), std::string::npos) << "the answer cannot have come yet";
  std::string last_event_id = seen.substr(id_at + 5, seen.find('\n', id_at + 5) - id_at - 5);
  auto resumed = http_request(f.gw->port(), "GET", "/mcp/web",
                              {{"Authorization", "test-key"},
                               {"Accept", "text/event-stream"},
                               {"Mcp-Session-Id", c.session_id},
                               {"Last-Event-ID", last_event_id}});
  EXPECT_EQ(resumed.status, 200);
  auto events = sse_data(resumed.body);
  ASSERT_EQ(events.size(), 1u) << resumed.body;
  EXPECT_NE(events[0].find(R"("id":9,"result")"), std::string::npos);
  EXPECT_NE(events[0].find("slow done"), std::string::npos);
}

TEST(HttpBackend, GitHubOidcServersGetABearerTokenForTheirAudience) {
  ScriptedBackend backend;
  TempDir dir;
  dir.write("config.toml",
            "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 5\n"
            "[servers.web]\ntype = \"http\"\nurl = \"" +
                backend.url() + "\"\nauth = { type = \"github-oidc\", audience = \"api://awmg test\" }\n");
  auto options = awmg_env(dir);
  options.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = backend.token_url();
  options.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "request-token";
  RunningGateway gw({"-c", dir.file("config.toml")}, options);
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/web", "test-key");
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok"})")), "ok");
  EXPECT_EQ(backend.last_header("authorization"), std::string("Bearer ") + kOidcJwt);
  auto token_requests = 0;
  for (const auto& m : backend.received()) {
    if (m.rfind("GET /token", 0) != 0) continue;
    ++token_requests;
    EXPECT_EQ(m, "GET /token?api-version=2.0&audience=api%3A%2F%2Fawmg%20test");
  }
  EXPECT_EQ(token_requests, 1) << "the token is cached until shortly before it expires";
}

TEST(HttpBackend, ABackendThatIsNotThereFailsItsServerOnly) {
  TempDir dir;
  dir.write("config.toml",
            "[gateway]\nagent_id = \"k\"\nstartup_timeout = 5\n"
            "[servers.gone]\ntype = \"http\"\nurl = \"http://127.0.0.1:9/mcp\"\n");
  RunningGateway gw({"-c", dir.file("config.toml")}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  auto health = gw.get("/health");
  EXPECT_NE(health.body.find(R"("gone":{"status":"restarting")"), std::string::npos) << health.body;
  std::string log = read_log_when(dir.file("logs/mcp-gateway.log"), "failed to connect using any");
  EXPECT_NE(
      log.find("failed to connect using any HTTP transport (tried streamable, SSE, and plain JSON-RPC)"),
      std::string::npos)
      << log;
}

}  // namespace
}  // namespace awmg::test
