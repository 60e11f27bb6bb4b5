// Hostile input against the real gateway: several guards at once on both tiers, hostile guards under
// concurrency, Host/Origin forms, keys and HMAC, sessions bound to their agent, bounded backend processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <future>
#include <thread>

#include "frontend/hmac.hpp"
#include "integration/awmg_process.hpp"
#include "integration/mcp_client.hpp"
#include "wasm/engine.hpp"

namespace awmg::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A key that the log sanitizer would not mask (it redacts long hex runs): if it leaks, the tests see it.
const std::string kKey = "sk-Hostile-Test-Key.not.hex";
const char* kPublicPolicy = R"({ "allow-only" = { repos = "public", "min-integrity" = "none" } })";

struct Server {
  std::string id;
  std::string guard;  // a guard in build/guards, "" for none
  int tool_timeout = 0;
};

std::string config_for(const std::vector<Server>& servers) {
  std::string toml = "[gateway]\napi_key = \"" + kKey + "\"\nstartup_timeout = 10\ntool_timeout = 10\n\n";
  std::string guards;
  for (const auto& s : servers) {
    toml += "[servers." + s.id + "]\ncommand = \"" + kDemoServer + "\"\n";
    if (s.tool_timeout) toml += "tool_timeout = " + std::to_string(s.tool_timeout) + "\n";
    if (!s.guard.empty()) {
      toml += "guard = \"" + s.id + "-guard\"\n";
      guards += "[guards." + s.id + "-guard]\ntype = \"wasm\"\npath = \"" + std::string(AWMG_GUARD_DIR) +
                "/" + s.guard + ".wasm\"\npolicy = " + kPublicPolicy + "\n\n";
    }
    toml += "\n";
  }
  return toml + guards;
}

struct Gateway {
  TempDir& dir;
  std::unique_ptr<RunningGateway> gw;
  Gateway(TempDir& where, const std::vector<Server>& servers, std::vector<std::string> flags = {})
      : dir(where) {
    dir.write("config.toml", config_for(servers));
    flags.insert(flags.begin(), {"-c", dir.file("config.toml"), "--wasm-cache-dir", dir.file("cache")});
    gw = std::make_unique<RunningGateway>(flags, awmg_env(dir));
  }
  McpClient client(const std::string& server, const std::string& agent = "") {
    McpClient c(gw->port(), "/mcp/" + server, kKey);
    if (agent.empty()) {
      c.initialize();
    } else {
      c.initialize({{"X-Agent-ID", agent}});
    }
    return c;
  }
  std::string log() { return read_text(dir.file("logs/mcp-gateway.log")); }
};

json::Document call(McpClient& c, const std::string& tool, const std::string& args = "{}") {
  return c.request("tools/call", R"({"name":")" + tool + R"(","arguments":)" + args + "}");
}

// Polls `ready` every 100 ms until it holds or `limit` passes.
bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  for (auto until = Clock::now() + limit; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
    if (ready()) return true;
  }
  return ready();
}

const char* kPrivateIssue = R"({"owner":"acme","repo":"infra","issue_number":3})";

// The reported leak: `a` (allows everything) configured before `b` (public repositories only). Each server
// must get its own guard's decisions, on the interpreter, once the native tier is up, and from a warm cache.
void expect_own_decisions(Gateway& g, const std::string& phase) {
  auto a = g.client("a", "open-" + phase);  // an agent's labels hold on every server: its own agent
  auto b = g.client("b", "agent-" + phase);
  auto c = g.client("c", "agent-" + phase);
  for (int round = 0; round < 2; ++round) {
    auto open = call(a, "issue_read", kPrivateIssue);
    EXPECT_FALSE(is_error_result(open)) << phase << ": " << result_text(open);
    EXPECT_NE(result_text(open).find("acme/infra"), std::string::npos) << phase << ": " << result_text(open);
    for (McpClient* guarded : {&b, &c}) {
      auto closed = call(*guarded, "issue_read", kPrivateIssue);
      EXPECT_TRUE(is_error_result(closed)) << phase << ": " << result_text(closed);
      std::string text = result_text(closed);
      EXPECT_TRUE(text.rfind("[Filtered]", 0) == 0 || text.rfind("DIFC policy violation", 0) == 0)
          << phase << ": private data through a guarded server: " << text;
      auto fine = call(*guarded, "issue_read", R"({"owner":"acme","repo":"website","issue_number":1})");
      EXPECT_FALSE(is_error_result(fine)) << phase << ": " << result_text(fine);
    }
  }
}

TEST(Hostile, EachServerGetsItsOwnGuardsDecisionsOnBothTiersColdAndWarm) {
  TempDir dir;
  std::vector<Server> servers = {{"a", "permissive"}, {"b", "repo_guard"}, {"c", "repo_guard_strict"}};
  {
    Gateway g(dir, servers);
    ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
    expect_own_decisions(g, "cold");      // mostly the interpreter: the compiles have just begun
    if (!wasm::kNativeTierBuilt) return;  // (ThreadSanitizer: the interpreter only)
    ASSERT_TRUE(eventually([&] { return count_of(g.log(), "Native code for WASM module") == 3; }, 100s))
        << g.log();
    expect_own_decisions(g, "native");
    EXPECT_TRUE(eventually([&] { return count_of(g.log(), "switches to the native tier") == 3; }, 5s))
        << g.log();  // (logs are written a few milliseconds late)
  }
  size_t compiled = count_of(read_text(dir.file("logs/mcp-gateway.log")), "Native code for WASM module");
  Gateway warm(dir, servers);
  ASSERT_TRUE(warm.gw->ready()) << warm.gw->child().err();
  expect_own_decisions(warm, "warm");
  EXPECT_EQ(count_of(warm.log(), "Native code for WASM module"), compiled) << "the warm run must not compile";
}

// Every guard call ends by its deadline whatever the guard does, the other servers keep their latency, and
// shutdown never waits on a guard.
void hostile_storm(Gateway& g, const std::string& tier) {
  const bool native = tier == "native";
  auto max_latency = [&](McpClient& c, const std::string& tool, const std::string& args) {
    Clock::duration worst{};
    for (int i = 0; i < 5; ++i) {
      auto started = Clock::now();
      auto reply = call(c, tool, args);
      worst = std::max(worst, Clock::now() - started);
      EXPECT_FALSE(is_error_result(reply)) << tier << ": " << result_text(reply);
    }
    return worst;
  };
  auto plain = g.client("plain", "plain-" + tier);  // agents of their own: an agent's labels hold everywhere
  auto repos = g.client("repos", "repos-" + tier);
  const std::string public_issue = R"({"owner":"acme","repo":"website","issue_number":1})";
  max_latency(repos, "issue_read", public_issue);  // warm up: both backends launched, labels known

  std::vector<std::future<std::pair<Clock::duration, std::string>>> hostile;
  // One call each to the trapping guards per storm: three traps within a minute would retire a guard before
  // the native storm could reach it.
  for (const char* server : {"loop", "loop", "loop", "recurse", "bomb", "trap"}) {
    hostile.push_back(std::async(std::launch::async, [&g, server] {
      auto c = g.client(server);
      auto started = Clock::now();
      auto reply = call(c, "list_issues", R"({"owner":"acme","repo":"website"})");
      const json::Value* error = json::member(reply, "error");
      return std::pair{Clock::now() - started,
                       result_text(reply) + (error ? json::string_or(*error, "message") : "")};
    }));
  }
  std::this_thread::sleep_for(300ms);  // the loops are running
  auto during_plain = max_latency(plain, "echo", R"({"message":"still here"})");
  auto during_repos = max_latency(repos, "issue_read", public_issue);
  EXPECT_LT(during_plain, 1s) << tier;
  EXPECT_LT(during_repos, 1s) << tier << ": a guarded server waited on another server's guard";
  for (auto& f : hostile) {
    ASSERT_EQ(f.wait_for(15s), std::future_status::ready) << tier << ": a hostile guard call never ended";
    auto [took, text] = f.get();
    EXPECT_LT(took, 3s + 1500ms) << tier << ": " << text;  // the loop server's tool timeout is 3 s
    EXPECT_NE(text.find("guard"), std::string::npos) << tier << ": not failed closed by the guard: " << text;
    if (native && text.find("stack") != std::string::npos) {  // the interpreter says "call stack exhausted"
      EXPECT_NE(text.find("wasm error: stack overflow"), std::string::npos)
          << "not on the native tier: " << text;
    }
  }
}

TEST(Hostile, HostileGuardsFailClosedByTheirDeadlineWhileOtherServersKeepAnswering) {
  TempDir dir;
  std::vector<Server> servers = {{"loop", "loop", 3}, {"recurse", "stack_overflow"}, {"bomb", "memory_bomb"},
                                 {"trap", "oob"},     {"repos", "repo_guard"},       {"plain", ""}};
  Gateway g(dir, servers);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  hostile_storm(g, "interpreter");
  if (wasm::kNativeTierBuilt) {  // (ThreadSanitizer: the interpreter only)
    ASSERT_TRUE(eventually([&] { return count_of(g.log(), "Native code for WASM module") == 5; }, 100s))
        << g.log();
    hostile_storm(g, "native");
  }

  // Shutdown while loops run: it must not wait for them.
  auto looping = std::async(std::launch::async, [&g] {
    auto c = g.client("loop", "agent-late");
    return call(c, "list_issues", "{}");
  });
  std::this_thread::sleep_for(500ms);
  auto stopping = Clock::now();
  g.gw->child().signal(SIGTERM);
  auto code = g.gw->child().wait(10s);
  EXPECT_LT(Clock::now() - stopping, 5s) << "shutdown waited on a guard";
  EXPECT_TRUE(code.has_value()) << "the gateway did not exit";
  looping.wait_for(5s);
}

TEST(Hostile, ReflectNeedsTheKeyChecksTheHostAndNoOutputHoldsTheKey) {
  TempDir dir;
  Gateway g(dir, {{"repos", "repo_guard"}});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("repos");  // no X-Agent-ID: the agent id comes from the key
  EXPECT_FALSE(is_error_result(call(c, "search_issues")));

  EXPECT_EQ(g.gw->get("/reflect").status, 401);
  EXPECT_EQ(g.gw->get("/reflect", {{"Authorization", "wrong"}}).status, 401);
  EXPECT_EQ(g.gw->get("/reflect", {{"Authorization", kKey}, {"Host", "127.attacker.example"}}).status, 403);
  EXPECT_EQ(g.gw->get("/reflect", {{"Authorization", kKey}, {"Origin", "http://evil.example"}}).status, 403);
  auto reflect = g.gw->get("/reflect", {{"Authorization", kKey}});
  ASSERT_EQ(reflect.status, 200) << reflect.body;
  auto doc = json::parse(reflect.body);
  ASSERT_TRUE(doc) << reflect.body;
  ASSERT_EQ((*doc)["agents"].MemberCount(), 1u) << reflect.body;
  std::string agent = (*doc)["agents"].MemberBegin()->name.GetString();
  EXPECT_EQ(agent.rfind("key-", 0), 0u) << agent;
  EXPECT_EQ(agent.size(), 4u + 16u);

  g.gw->child().signal(SIGTERM);
  g.gw->child().wait(10s);
  EXPECT_EQ(reflect.body.find(kKey), std::string::npos);
  EXPECT_EQ(g.gw->child().err().find(kKey), std::string::npos) << "stderr holds the key";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.file("logs"))) {
    if (!entry.is_regular_file()) continue;
    std::string text = read_text(entry.path().string());
    EXPECT_EQ(text.find(kKey), std::string::npos) << entry.path() << " holds the key";
    EXPECT_EQ(text.find("Hostile-Test-Key"), std::string::npos) << entry.path() << " holds part of the key";
  }
}

TEST(Hostile, HostAndOriginFormsThatAreNotThisMachineAreRefused) {
  TempDir dir;
  Gateway g(dir, {{"plain", ""}});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto status_for = [&](std::map<std::string, std::string> headers) {
    headers.emplace("Authorization", kKey);
    headers.emplace("Content-Type", "application/json");
    headers.emplace("Accept", "application/json, text/event-stream");
    return g.gw
        ->post("/mcp/plain",
               R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":)"
               R"("2025-11-25","capabilities":{}}})",
               headers)
        .status;
  };
  for (const char* host : {"127.attacker.example", "127.0.0.1.evil.example", "localhost.evil", "localhost.",
                           "127.0.0.1.", "evil.example", "127.0.0.1:x", "127.0.0.1:99999999", "[::1].evil",
                           "[::2]", "::1", "127.1", "0x7f.0.0.1", "127.0.0.1 evil", "localhost:80:80"}) {
    EXPECT_EQ(status_for({{"Host", host}}), 403) << "Host: " << host;
  }
  for (const char* host : {"localhost", "LOCALHOST:3000", "127.0.0.1", "127.1.2.3:8080", "[::1]",
                           "[::1]:3000", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_EQ(status_for({{"Host", host}}), 200) << "Host: " << host;
  }
  EXPECT_EQ(status_for({{"Host", "localhost"}, {"Origin", "http://127.attacker.example"}}), 403);
  EXPECT_EQ(status_for({{"Host", "localhost"}, {"Origin", "http://localhost.evil:80"}}), 403);
  EXPECT_EQ(status_for({{"Host", "localhost:5"}, {"Origin", "http://localhost:5"}}), 200);
  EXPECT_EQ(status_for({{"Host", "localhost"}, {"Origin", "https://127.0.0.1:9"}}), 200);
  EXPECT_EQ(status_for({{"Host", "localhost"}, {"Origin", "null"}}), 403);  // a sandboxed frame, file://
}

TEST(Hostile, ASessionBelongsToTheAgentThatCreatedIt) {
  TempDir dir;
  Gateway g(dir, {{"plain", ""}});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto alice = g.client("plain", "alice");
  auto as = [&](std::map<std::string, std::string> identity, const std::string& method) {
    identity.emplace("Authorization", kKey);
    identity.emplace("Mcp-Session-Id", alice.session_id);
    identity.emplace("Accept", "application/json, text/event-stream");
    identity.emplace("Content-Type", "application/json");
    if (method == "DELETE") return http_request(g.gw->port(), "DELETE", "/mcp/plain", identity).status;
    if (method == "GET") return http_request(g.gw->port(), "GET", "/mcp/plain", identity).status;
    return g.gw
        ->post("/mcp/plain",
               R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo",)"
               R"("arguments":{"message":"x"}}})",
               identity)
        .status;
  };
  EXPECT_EQ(as({{"X-Agent-ID", "bob"}}, "POST"), 404);
  EXPECT_EQ(as({}, "POST"), 404);  // the key's own identity is another agent
  EXPECT_EQ(as({{"X-Agent-ID", "bob"}}, "GET"), 404);
  EXPECT_EQ(as({{"X-Agent-ID", "bob"}}, "DELETE"), 404);
  EXPECT_EQ(result_text(call(alice, "echo", R"({"message":"mine"})")), "mine");  // untouched
  EXPECT_EQ(as({{"X-Agent-ID", "alice"}}, "DELETE"), 204);
}

TEST(Hostile, PerAgentBackendProcessesAreBoundedAndEndWithTheirSessions) {
  TempDir dir;
  Gateway g(dir, {{"plain", ""}});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto children = [&] { return g.gw->children(); };
  std::vector<McpClient> clients;
  for (int i = 0; i < 32; ++i) {
    clients.push_back(g.client("plain", "agent-" + std::to_string(i)));
    ASSERT_EQ(result_text(call(clients.back(), "echo", R"({"message":"hi"})")), "hi") << i;
  }
  EXPECT_EQ(children(), 33);  // the shared startup process and one per agent
  auto one_more = g.client("plain", "agent-32");
  auto refused = call(one_more, "echo", R"({"message":"hi"})");
  EXPECT_TRUE(is_error_result(refused));
  EXPECT_NE(result_text(refused).find("already runs a backend for 32 agents, the limit"), std::string::npos)
      << result_text(refused);
  EXPECT_EQ(children(), 33);
  for (auto& c : clients) {
    auto deleted = http_request(g.gw->port(), "DELETE", "/mcp/plain",
                                {{"Authorization", kKey},
                                 {"Mcp-Session-Id", c.session_id},
                                 {"X-Agent-ID", "agent-" + std::to_string(&c - clients.data())}});
    EXPECT_EQ(deleted.status, 204);
  }
  EXPECT_TRUE(eventually([&] { return children() == 1; }, 5s)) << children() << " processes left";
  EXPECT_EQ(result_text(call(one_more, "echo", R"({"message":"now"})")), "now");
}

TEST(Hostile, HmacSigningIsRequiredOnTheMcpRoutes) {
  TempDir dir;
  const std::string secret = "hmac-secret-for-tests";
  Gateway g(dir, {{"plain", ""}}, {"--hmac-secret", secret});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  const std::string body =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
      R"("capabilities":{}}})";
  auto send = [&](std::map<std::string, std::string> headers, const std::string& payload) {
    headers.emplace("Authorization", kKey);
    headers.emplace("Content-Type", "application/json");
    headers.emplace("Accept", "application/json, text/event-stream");
    return g.gw->post("/mcp/plain", payload, headers);
  };
  auto signed_headers = [&](const std::string& nonce, const std::string& payload, int64_t skew = 0,
                            const std::string& key = "") {
    std::string ts = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count() +
        skew);
    return std::map<std::string, std::string>{
        {"X-MCP-Timestamp", ts},
        {"X-MCP-Nonce", nonce},
        {"X-MCP-Signature",
         frontend::HmacVerifier::sign(key.empty() ? secret : key, ts, nonce, "/mcp/plain", payload)}};
  };
  auto message = [](const HttpReply& r) {
    auto doc = json::parse(r.body);
    return doc ? json::string_or(*doc, "message") : r.body;
  };
  auto unsigned_reply = send({}, body);
  EXPECT_EQ(unsigned_reply.status, 401);
  EXPECT_EQ(message(unsigned_reply), "missing HMAC signature headers");
  auto ok = send(signed_headers("n-1", body), body);
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto replayed = send(signed_headers("n-1", body), body);
  EXPECT_EQ(message(replayed), "HMAC nonce already used (replay detected)");
  EXPECT_EQ(message(send(signed_headers("n-2", body, 0, "wrong-secret"), body)), "invalid HMAC signature");
  EXPECT_EQ(message(send(signed_headers("n-3", body, -120), body)),
            "HMAC timestamp out of acceptable window");
  auto altered = signed_headers("n-4", body);
  EXPECT_EQ(message(send(altered, body + " ")), "invalid HMAC signature");
  auto bad_time = signed_headers("n-5", body);
  bad_time["X-MCP-Timestamp"] = "soon";
  EXPECT_EQ(message(send(bad_time, body)), "invalid HMAC timestamp");
  EXPECT_EQ(send(signed_headers("n-4", body), body).status, 200);  // refused requests use no nonce
  EXPECT_EQ(g.gw->get("/health").status, 200);                     // only the MCP routes are signed
  EXPECT_EQ(g.log().find(secret), std::string::npos);
}

// A call that raced its session's DELETE used to launch a backend for an agent with no session left: enough
// of them filled the per-server limit for hours.
TEST(Hostile, ACallRacingItsSessionsEndLeavesNoBackendBehind) {
  TempDir dir;
  Gateway g(dir, {{"repos", "repo_guard"}});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto children = [&] { return g.gw->children(); };
  for (int round = 0; round < 4; ++round) {
    std::vector<std::thread> racers;
    for (int i = 0; i < 10; ++i) {
      std::string agent = "racer-" + std::to_string(round) + "-" + std::to_string(i);
      racers.emplace_back([&g, agent, i] {
        auto c = g.client("repos", agent);
        auto call_done = std::async(std::launch::async, [&c] {
          return c.post(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_issues",)"
                        R"("arguments":{"owner":"acme","repo":"website"}}})");
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(i * 2));
        http_request(g.gw->port(), "DELETE", "/mcp/repos",
                     {{"Authorization", kKey}, {"Mcp-Session-Id", c.session_id}, {"X-Agent-ID", agent}});
        call_done.wait();
      });
    }
    for (auto& t : racers) t.join();
  }
  EXPECT_TRUE(eventually([&] { return children() == 1; }, 5s)) << children() - 1 << " backend(s) left behind";
}

TEST(Hostile, AGuardedServersLogLinesAndProgressNeverReachTheClientUnlabeled) {
  TempDir dir;
  Gateway g(dir, {{"repos", "repo_guard"}, {"plain", ""}});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  const std::string call = R"({"name":"progress","arguments":{"steps":3},"_meta":{"progressToken":"t1"}})";
  auto plain = g.client("plain", "plain-agent");
  plain.request("tools/call", call);
  EXPECT_EQ(count_of(plain.last_reply.body, "notifications/message"), 3u);  // unguarded: relayed
  auto repos = g.client("repos", "repos-agent");
  repos.request("tools/call", call);
  EXPECT_EQ(count_of(repos.last_reply.body, "notifications/message"), 0u) << repos.last_reply.body;
  EXPECT_EQ(count_of(repos.last_reply.body, "notifications/progress"), 0u) << repos.last_reply.body;
}

TEST(Hostile, AGuardThatFailsToLoadDeniesItsServersCallsWithOrWithoutAPolicy) {
  TempDir dir;
  dir.write("config.toml", "[gateway]\napi_key = \"" + kKey + "\"\n\n[servers.broken]\ncommand = \"" +
                               kDemoServer + "\"\nguard = \"bad\"\n\n[servers.found]\ncommand = \"" +
                               kDemoServer + "\"\n\n[guards.bad]\ntype = \"wasm\"\npath = \"" +
                               std::string(AWMG_GUARD_DIR) + "/wrong_signature.wasm\"\n");
  // A guard dropped into the guards directory for "found" that does not load either.
  std::filesystem::create_directories(dir.file("guards/found"));
  std::filesystem::copy_file(std::string(AWMG_GUARD_DIR) + "/missing_agent.wasm",
                             dir.file("guards/found/g.wasm"));
  RunningGateway gw({"-c", dir.file("config.toml")},
                    awmg_env(dir, {{"MCP_GATEWAY_WASM_GUARDS_DIR", dir.file("guards")}}));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  for (const char* server : {"broken", "found"}) {
    McpClient c(gw.port(), std::string("/mcp/") + server, kKey);
    c.initialize();
    auto reply = call(c, "echo", R"({"message":"let me through"})");
    EXPECT_TRUE(is_error_result(reply)) << server << ": " << json::to_string(reply);
    EXPECT_NE(result_text(reply).find("is not available"), std::string::npos)
        << server << ": " << result_text(reply);
  }
}

TEST(Hostile, CloseChecksTheHostAndTwoHostHeadersAreRefused) {
  TempDir dir;
  Gateway g(dir, {{"plain", ""}});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  EXPECT_EQ(g.gw->post("/close", "", {{"Authorization", kKey}, {"Host", "evil.example"}}).status, 403);
  EXPECT_EQ(g.gw->post("/close", "", {{"Authorization", kKey}, {"Origin", "http://evil.example"}}).status,
            403);
  std::string two_hosts = raw_exchange(
      g.gw->port(),
      "POST /mcp/plain HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nAuthorization: " + kKey +
          "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  EXPECT_EQ(two_hosts.rfind("HTTP/1.1 400", 0), 0u) << two_hosts;
  std::string two_origins = raw_exchange(
      g.gw->port(),
      "POST /mcp/plain HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://localhost\r\nOrigin: "
      "http://evil.example\r\nAuthorization: " +
          kKey + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  EXPECT_EQ(two_origins.rfind("HTTP/1.1 403", 0), 0u) << two_origins;
  EXPECT_EQ(g.gw->post("/close", "", {{"Authorization", kKey}}).status, 200);
}

}  // namespace
}  // namespace awmg::test

namespace awmg::test {
namespace {

// A backend once inherited the gateway's listening socket and its clients' connections (sockets are not
// close-on-exec): it could accept other agents' requests, keys included. A backend gets stdin, stdout and
// stderr, nothing else (counted by the shell before any redirection of its own).
TEST(Hostile, ABackendInheritsNoneOfTheGatewaysDescriptors) {
  TempDir dir;
  dir.write("config.toml", "[gateway]\napi_key = \"" + kKey +
                               "\"\n[servers.spy]\ncommand = \"/bin/sh\"\nargs = [\"-c\", \"cd /proc/$$/fd "
                               "&& set -- * && echo $@ > " +
                               dir.file("fds") + "-$$; exec " + kDemoServer + "\"]\n");
  RunningGateway gw({"-c", dir.file("config.toml")}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/spy", kKey);
  c.initialize();
  ASSERT_EQ(result_text(call(c, "echo", R"({"message":"x"})")), "x");  // an agent's backend, started while
                                                                       // the listener and a client are open
  int listed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().filename().string().rfind("fds-", 0) != 0) continue;
    ++listed;
    // 0, 1, 2, and 3: the directory the shell reads to list them
    EXPECT_EQ(read_text(entry.path().string()), "0 1 2 3\n") << entry.path() << ": descriptors open at exec";
  }
  EXPECT_EQ(listed, 2);  // the startup backend and the agent's
}

}  // namespace
}  // namespace awmg::test
