// The gateway as a running process: stdout document, log directory, /health, /close, signals.
#include <gtest/gtest.h>
#include <signal.h>

#include "integration/awmg_process.hpp"

namespace awmg::test {
namespace {

TEST(GatewayRun, DemoPrintsOneClientConfigDocument) {
  TempDir dir;
  RunningGateway gw({"--demo"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  auto doc = json::parse(gw.child().out());
  ASSERT_TRUE(doc);
  const auto& demo = (*doc)["mcpServers"]["demo"];
  EXPECT_EQ(json::string_or(demo, "type"), "http");
  EXPECT_EQ(json::string_or(demo, "url"), "http://127.0.0.1:" + std::to_string(gw.port()) + "/mcp/demo");
  EXPECT_EQ(gw.agent_id().size(), 64u);  // random agent id
  EXPECT_TRUE(gw.child().wait_for_stderr(
      [](const std::string& err) { return err.find("awmg: serving 1 server(s)") != std::string::npos; },
      std::chrono::seconds(5)));
  EXPECT_EQ(gw.child().err().find(gw.agent_id()), std::string::npos) << "the key must not reach stderr";
}

TEST(GatewayRun, UnifiedModeUrls) {
  TempDir dir;
  RunningGateway gw({"--demo", "--unified"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  auto doc = json::parse(gw.child().out());
  EXPECT_EQ(json::string_or((*doc)["mcpServers"]["demo"], "url"),
            "http://127.0.0.1:" + std::to_string(gw.port()) + "/mcp");
}

TEST(GatewayRun, HealthAndUnknownRoutes) {
  TempDir dir;
  RunningGateway gw({"--demo"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  auto health = gw.get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.headers["content-type"], "application/json");
  auto doc = json::parse(health.body);
  ASSERT_TRUE(doc) << health.body;
  EXPECT_EQ(json::string_or(*doc, "status"), "healthy");
  EXPECT_EQ(json::string_or(*doc, "specVersion"), "1.14.0");
  EXPECT_EQ(json::string_or(*doc, "gatewayVersion").rfind("0.1.0", 0), 0u);
  EXPECT_TRUE((*doc)["servers"].HasMember("demo"));
  for (const char* path : {"/nope", "/.well-known/oauth-authorization-server"}) {
    auto r = gw.get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, "404 page not found\n");
  }
}

TEST(GatewayRun, CloseNeedsAuthThenShutsDownCleanly) {
  TempDir dir;
  RunningGateway gw({"--demo"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  auto missing = gw.post("/close", "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, R"({"error":"unauthorized","message":"missing Authorization header"})");
  auto wrong = gw.post("/close", "", {{"Authorization", "Bearer " + gw.agent_id()}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, R"({"error":"unauthorized","message":"invalid API key"})");
  auto get = gw.get("/close", {{"Authorization", gw.agent_id()}});
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.body, R"({"error":"method_not_allowed","message":"method not allowed"})");
  auto ok = gw.post("/close", "", {{"Authorization", gw.agent_id()}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"status":"closed","message":"Gateway shutdown initiated","serversTerminated":1})");
  EXPECT_EQ(gw.child().wait(std::chrono::seconds(10)), 0);
  EXPECT_NE(gw.child().err().find("error_type=authentication_failed detail=missing_auth_header path=/close "
                                  "method=POST"),
            std::string::npos)
      << gw.child().err();
  std::string md = read_text(dir.file("logs/gateway.md"));
  EXPECT_EQ(md.rfind("<details>\n<summary>MCP Gateway</summary>\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("\n</details>\n"), std::string::npos) << md;
}

// The gateway listens as soon as its configuration is valid: /health answers, its slow backend "starting",
// before the client configuration (which wrapper scripts wait for) is printed, once, when the backend is up.
TEST(GatewayRun, HealthAnswersWhileASlowBackendStarts) {
  TempDir dir;
  dir.write("config.toml",
            "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 10\n[servers.slow]\n"
            "command = \"/bin/sh\"\nargs = [\"-c\", \"sleep 2; exec " +
                kDemoServer + "\"]\n");
  int port = free_port();
  Child gateway({kAwmg, "--listen", "127.0.0.1:" + std::to_string(port), "-c", dir.file("config.toml")},
                awmg_env(dir));
  HttpReply health;
  for (int i = 0; i < 100 && health.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    health = http_request(port, "GET", "/health", {});
  }
  ASSERT_EQ(health.status, 200);
  EXPECT_NE(health.body.find(R"("slow":{"status":"starting")"), std::string::npos) << health.body;
  EXPECT_TRUE(gateway.out().empty()) << "the client configuration comes when the backends are up";
  // An MCP request meanwhile is asked to come back: a session made now would see a partial gateway.
  auto early = http_request(port, "POST", "/mcp/slow",
                            {{"Authorization", "test-key"}, {"Content-Type", "application/json"}},
                            R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  EXPECT_EQ(early.status, 503);
  EXPECT_EQ(early.headers["retry-after"], "1");
  ASSERT_TRUE(gateway.wait_for_stdout([](const std::string& out) { return json::parse(out).ok(); },
                                      std::chrono::seconds(15)));
  EXPECT_NE(http_request(port, "GET", "/health", {}).body.find(R"("slow":{"status":"running")"),
            std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto out = gateway.out();
  EXPECT_EQ(out.find("mcpServers"), out.rfind("mcpServers")) << "printed once: " << out;
}

TEST(GatewayRun, SigtermAndSigintExitZero) {
  for (int sig : {SIGTERM, SIGINT}) {
    TempDir dir;
    RunningGateway gw({"--demo"}, awmg_env(dir));
    ASSERT_TRUE(gw.ready()) << gw.child().err();
    gw.child().signal(sig);
    EXPECT_EQ(gw.child().wait(std::chrono::seconds(10)), 0) << sig;
    std::string log = read_text(dir.file("logs/mcp-gateway.log"));
    EXPECT_NE(log.find("[INFO] [shutdown] Received signal " + std::to_string(sig)), std::string::npos) << log;
    EXPECT_NE(log.find("[INFO] [shutdown] Gateway stopped"), std::string::npos) << log;
  }
}

TEST(GatewayRun, LogDirectoryLayoutAndCacheDir) {
  TempDir dir;
  RunningGateway gw({"--demo"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  gw.child().signal(SIGTERM);
  ASSERT_EQ(gw.child().wait(std::chrono::seconds(10)), 0);
  for (const char* f : {"mcp-gateway.log", "gateway.md", "rpc-messages.jsonl"}) {
    EXPECT_TRUE(file_exists(dir.file(std::string("logs/") + f))) << f;
  }
  std::string log = read_text(dir.file("logs/mcp-gateway.log"));
  EXPECT_NE(log.find("] [INFO] [startup] MCPG Gateway version: 0.1.0"), std::string::npos) << log;
  EXPECT_NE(
      log.find("] [INFO] [startup] WASM compilation cache directory: " + dir.file("wazero-cache") + "\n"),
      std::string::npos)
      << log;
  EXPECT_TRUE(file_exists(dir.file("wazero-cache")));
  EXPECT_EQ(log.find(gw.agent_id()), std::string::npos) << "the agent id must be sanitized out of the log";
}

TEST(GatewayRun, UnusableCacheDirFallsBackToMemory) {
  TempDir dir;
  dir.write("cache-file", "");
  RunningGateway gw({"--demo", "--wasm-cache-dir", dir.file("cache-file")}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  std::string warning = "Falling back to in-memory WASM compilation cache after \"" + dir.file("cache-file") +
                        "\" failed: mkdir " + dir.file("cache-file") + ": not a directory";
  EXPECT_NE(gw.child().err().find("WARN: " + warning), std::string::npos) << gw.child().err();
  gw.child().signal(SIGTERM);
  ASSERT_EQ(gw.child().wait(std::chrono::seconds(10)), 0);
  std::string log = read_text(dir.file("logs/mcp-gateway.log"));
  EXPECT_NE(log.find("[WARN] [startup] " + warning), std::string::npos) << log;
  EXPECT_NE(log.find("[INFO] [startup] WASM compilation cache directory: \n"), std::string::npos) << log;
}

TEST(GatewayRun, UncreatableLogDirLogsToStderrAndKeepsServing) {
  TempDir dir;
  dir.write("not-a-dir", "");
  auto options = awmg_env(dir, {{"MCP_GATEWAY_LOG_DIR", dir.file("not-a-dir/logs")}});
  RunningGateway gw({"--demo"}, options);
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  EXPECT_EQ(gw.get("/health").status, 200);
  EXPECT_NE(gw.child().err().find("[WARN] [startup] failed to create log directory"), std::string::npos)
      << gw.child().err();
  EXPECT_NE(gw.child().err().find("[INFO] [startup] MCPG Gateway version"), std::string::npos);
}

TEST(GatewayRun, ListenFailureIsAClearError) {
  TempDir dir;
  RunningGateway first({"--demo"}, awmg_env(dir));
  ASSERT_TRUE(first.ready());
  std::string address = "127.0.0.1:" + std::to_string(first.port());
  auto r = run_awmg({"--demo", "--listen", address}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "listen tcp " + address + ": bind: Address already in use\n");
  EXPECT_EQ(r.out, "");
}

TEST(GatewayRun, HostileHttpInputKeepsServing) {
  TempDir dir;
  RunningGateway gw({"--demo"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready());
  std::string garbage = raw_exchange(gw.port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
  std::string huge_header = raw_exchange(
      gw.port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge_header.rfind("HTTP/1.1 431", 0), 0u) << huge_header.substr(0, 100);
  std::string huge_body =
      raw_exchange(gw.port(), "POST /close HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n");
  EXPECT_EQ(huge_body.rfind("HTTP/1.1 413", 0), 0u) << huge_body;
  std::string keep_alive = raw_exchange(gw.port(),
                                        "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\n"
                                        "Host: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(keep_alive.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(keep_alive.find("HTTP/1.1 404"), std::string::npos) << keep_alive;
  EXPECT_EQ(gw.get("/health").status, 200);
}

TEST(GatewayRun, VerboseEnablesDebugNamespaces) {
  TempDir dir;
  RunningGateway gw({"--demo", "-vvv"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  EXPECT_NE(gw.child().err().find("cmd:root "), std::string::npos) << gw.child().err();
}

}  // namespace
}  // namespace awmg::test
