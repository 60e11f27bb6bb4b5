#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "base/digest.hpp"
#include "config/docker_argv.hpp"
#include "config/expand.hpp"
#include "frontend/auth.hpp"
#include "frontend/hmac.hpp"
#include "frontend/session.hpp"
#include "gateway/client_config.hpp"
#include "gateway/health.hpp"
#include "http/host_check.hpp"
#include "json/json.hpp"
#include "support/process.hpp"
#include "support/scoped_env.hpp"
#include "wasm/cache_dir.hpp"

namespace awmg {
namespace {

config::Config two_servers() {
  config::Config c;
  c.gateway.agent_id = "key-1";
  config::ServerConfig a;
  a.id = "alpha";
  a.tools = {"t1", "t2"};
  config::ServerConfig b;
  b.id = "beta";
  c.servers = {a, b};
  return c;
}

TEST(ClientConfig, RoutedDocument) {
  EXPECT_EQ(gateway::client_config_document(two_servers(), "0.0.0.0:8000", false, false),
            "{\n"
            "  \"mcpServers\": {\n"
            "    \"alpha\": {\n"
            "      \"type\": \"http\",\n"
            "      \"url\": \"http://127.0.0.1:8000/mcp/alpha\",\n"
            "      \"headers\": {\n"
            "        \"Authorization\": \"key-1\"\n"
            "      },\n"
            "      \"tools\": [\n"
            "        \"t1\",\n"
            "        \"t2\"\n"
            "      ]\n"
            "    },\n"
            "    \"beta\": {\n"
            "      \"type\": \"http\",\n"
            "      \"url\": \"http://127.0.0.1:8000/mcp/beta\",\n"
            "      \"headers\": {\n"
            "        \"Authorization\": \"key-1\"\n"
            "      }\n"
            "    }\n"
            "  }\n"
            "}\n");
}

TEST(ClientConfig, UnifiedTlsAndHosts) {
  auto doc = json::parse(gateway::client_config_document(two_servers(), "[::]:9443", true, true));
  ASSERT_TRUE(doc);
  EXPECT_EQ(json::string_or((*doc)["mcpServers"]["beta"], "url"), "https://127.0.0.1:9443/mcp");
  EXPECT_EQ(gateway::client_host_port("localhost:3000"), "localhost:3000");
  EXPECT_EQ(gateway::client_host_port("::"), "127.0.0.1:3000");  // unparseable
  EXPECT_EQ(gateway::client_host_port(":8080"), "127.0.0.1:8080");
  EXPECT_EQ(gateway::client_host_port("[::1]:8080"), "[::1]:8080");
}

TEST(Health, ReportsServersAndOverallStatus) {
  backend::ServerStatus status({"a", "b"});
  std::string body = gateway::health_document(status.snapshot());
  auto doc = json::parse(body);
  ASSERT_TRUE(doc);
  EXPECT_EQ(json::string_or(*doc, "status"), "healthy");
  EXPECT_EQ(json::string_or(*doc, "specVersion"), "1.14.0");
  EXPECT_EQ(json::string_or((*doc)["servers"]["a"], "status"), "stopped");
  status.record_start("a");
  status.record_error("b", "exec failed");
  doc = json::parse(gateway::health_document(status.snapshot()));
  EXPECT_EQ(json::string_or(*doc, "status"), "unhealthy");
  EXPECT_EQ(json::string_or((*doc)["servers"]["a"], "status"), "running");
  EXPECT_EQ(json::string_or((*doc)["servers"]["b"], "status"), "error");
  status.record_start("b");  // a later success clears the error
  EXPECT_EQ(status.snapshot()["b"].status, "running");
}

TEST(Auth, ExactHeaderEquality) {
  using frontend::AuthResult;
  const std::vector<std::string> key = {"key"};
  EXPECT_EQ(frontend::check_authorization("key", key), AuthResult::kOk);
  EXPECT_EQ(frontend::check_authorization(std::nullopt, key), AuthResult::kMissing);
  EXPECT_EQ(frontend::check_authorization("", key), AuthResult::kMissing);
  const std::vector<std::string> several = {"primary-agent", "enclave-agent"};
  EXPECT_EQ(frontend::check_authorization("enclave-agent", several), AuthResult::kOk);
  EXPECT_EQ(frontend::check_authorization("primary-agent", several), AuthResult::kOk);
  EXPECT_EQ(frontend::check_authorization("enclave", several), AuthResult::kInvalid);
  EXPECT_EQ(frontend::check_authorization("Bearer key", key), AuthResult::kInvalid);
  EXPECT_EQ(frontend::check_authorization("ke", key), AuthResult::kInvalid);
  EXPECT_EQ(frontend::check_authorization(std::string_view("k\0y", 3), key), AuthResult::kMalformed);
  EXPECT_EQ(frontend::check_authorization("k\ty", {"k\ty"}), AuthResult::kOk);
  EXPECT_EQ(frontend::check_authorization("k\x7fy", key), AuthResult::kMalformed);
  EXPECT_EQ(frontend::auth_failure_body(AuthResult::kMissing),
            R"({"error":"unauthorized","message":"missing Authorization header"})");
  EXPECT_EQ(frontend::auth_failure_status(AuthResult::kMalformed), 400u);
  EXPECT_EQ(frontend::auth_failure_body(AuthResult::kInvalid),
            R"({"error":"unauthorized","message":"invalid API key"})");
}

TEST(Expand, VariablesInTextAndJson) {
  test::ScopedEnv env;
  env.set("AWMG_T_V", "va\"l\\ue").set("AWMG_T_EMPTY", "").unset("AWMG_T_NOPE");
  EXPECT_EQ(*config::expand_variables("a ${AWMG_T_V} $AWMG_T_V ${AWMG_T_EMPTY}."), "a va\"l\\ue $AWMG_T_V .");
  EXPECT_EQ(*config::expand_variables(R"({"k":"${AWMG_T_V}","n":${AWMG_T_EMPTY}1})", true),
            R"({"k":"va\"l\\ue","n":1})");
  EXPECT_EQ(*config::expand_variables("${1BAD} ${} ${UNCLOSED"), "${1BAD} ${} ${UNCLOSED");
  EXPECT_FALSE(config::expand_variables("${AWMG_T_NOPE}"));
}

TEST(DockerArgv, OrderAndEnvForms) {
  config::ContainerSpec spec;
  spec.container = "img:1";
  spec.env = {{"B", "2"}, {"A", ""}};
  spec.args = {"--network", "host"};
  EXPECT_EQ(
      config::docker_run_args(spec),
      (std::vector<std::string>{"run", "--rm", "-i", "-e", "NO_COLOR=1", "-e", "TERM=dumb", "-e",
                                "PYTHONUNBUFFERED=1", "-e", "A", "-e", "B=2", "--network", "host", "img:1"}));
}

TEST(WasmCacheDir, CreatesPrivateDirectoryOrFallsBack) {
  test::TempDir dir;
  auto ok = wasm::prepare_cache_dir(dir.file("cache/nested"));
  EXPECT_EQ(ok.path, dir.file("cache/nested"));
  EXPECT_EQ(ok.warning, "");
  dir.write("plain-file", "");
  auto file = wasm::prepare_cache_dir(dir.file("plain-file"));
  EXPECT_EQ(file.path, "");
  EXPECT_EQ(file.warning, "Falling back to in-memory WASM compilation cache after \"" +
                              dir.file("plain-file") + "\" failed: mkdir " + dir.file("plain-file") +
                              ": not a directory");
  if (::geteuid() != 0) {  // root writes anywhere; the read-only case needs an ordinary user
    ::mkdir(dir.file("ro").c_str(), 0500);
    EXPECT_EQ(wasm::prepare_cache_dir(dir.file("ro")).path, "");
  }
}

}  // namespace
}  // namespace awmg

namespace awmg::frontend {
namespace {

TEST(Sessions, ExpireRemovesOnlyIdleOnesAndClosesTheirStreams) {
  SessionStore store;
  auto idle = store.create("agent", "demo");
  auto active = store.create("agent", "demo");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  active->touch();
  EXPECT_EQ(store.expire(std::chrono::milliseconds(20)).size(), 1u);
  EXPECT_EQ(store.find(idle->id), nullptr);
  EXPECT_NE(store.find(active->id), nullptr);
  EXPECT_TRUE(store.remove(active->id));
  EXPECT_FALSE(store.remove(active->id));
  EXPECT_EQ(store.size(), 0u);
}

TEST(Sessions, AnAgentHoldsABoundedNumberAndANewOneEndsItsLeastRecentlyUsed) {
  SessionStore store;
  auto first = store.create("agent", "demo");
  auto other = store.create("other", "demo");
  std::vector<std::shared_ptr<Session>> rest;
  for (size_t i = 1; i < SessionStore::kMaxSessionsPerAgent; ++i)
    rest.push_back(store.create("agent", "demo"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  first->touch();  // in use: the least recently used is now rest[0]
  EXPECT_EQ(store.size(), SessionStore::kMaxSessionsPerAgent + 1);
  auto newest = store.create("agent", "demo");
  EXPECT_EQ(store.size(), SessionStore::kMaxSessionsPerAgent + 1);
  EXPECT_EQ(store.find(rest[0]->id), nullptr);
  EXPECT_NE(store.find(first->id), nullptr);
  EXPECT_NE(store.find(other->id), nullptr);  // another agent's are not touched
  EXPECT_NE(store.find(newest->id), nullptr);
}

TEST(Sessions, AgentIdentityFromHeaders) {
  EXPECT_EQ(agent_identity("agent-x", "key"), "agent-x");
  // From the Authorization value: a digest, never the key (it shows in /reflect and logs).
  std::string from_key = agent_identity(std::nullopt, "Bearer secret-token-1").value_or("");
  EXPECT_EQ(from_key.rfind("key-", 0), 0u) << from_key;
  EXPECT_EQ(from_key.size(), 4u + 16u);
  EXPECT_EQ(from_key.find(base::sha256_hex("secret-token-1").substr(0, 16)), std::string::npos)
      << "a plain digest of a weak key can be guessed back";
  EXPECT_EQ(agent_identity("key-0123456789abcdef", "secret-token-1"), std::nullopt);  // not an X-Agent-ID
  EXPECT_EQ(agent_identity(std::nullopt, "secret-token-1"), from_key);
  EXPECT_EQ(agent_identity(std::nullopt, "Agent secret-token-1"), from_key);
  EXPECT_NE(agent_identity(std::nullopt, "secret-token-2"), from_key);
  EXPECT_EQ(from_key.find("secret"), std::string::npos);
  EXPECT_EQ(agent_identity("../x", "key"), std::nullopt);
  EXPECT_EQ(agent_identity("..", "key"), std::nullopt);
  EXPECT_EQ(agent_identity(std::nullopt, std::nullopt), std::nullopt);
  // With several keys, a name is an agent of its key only.
  auto of_a = agent_identity("bob", "key-a", true), of_b = agent_identity("bob", "key-b", true);
  ASSERT_TRUE(of_a && of_b);
  EXPECT_NE(*of_a, *of_b);
  EXPECT_EQ(of_a->substr(0, 4), "bob@");
  EXPECT_EQ(agent_identity(std::nullopt, "key-a", true), agent_identity(std::nullopt, "key-a"));
  EXPECT_EQ(agent_identity("bob", std::nullopt, true), std::nullopt);
}

}  // namespace
}  // namespace awmg::frontend

namespace awmg::frontend {
namespace {

TEST(SessionOutbound, IdsAreTheGatewaysAndAnswersAreTakenOnce) {
  Session s;
  auto first = s.add_outbound({{}, "7"});
  auto second = s.add_outbound({{}, "\"x\""});
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, "\"awmg-1\"");
  EXPECT_EQ(*second, "\"awmg-2\"");
  auto taken = s.take_outbound(*second);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->backend_id, "\"x\"");
  EXPECT_FALSE(s.take_outbound(*second));  // a second answer to the same request goes nowhere
  EXPECT_FALSE(s.take_outbound("7"));      // the backend's own id means nothing to the session
}

TEST(SessionReplay, ReplaysWhatCameAfterTheLastEventAndForgetsOldStreams) {
  Session s;
  int64_t stream = s.open_stream();
  s.record(stream, "f0", false);
  s.record(stream, "f1", false);
  s.record(stream, "f2", true);
  auto replay = s.resume(stream, 0, nullptr);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->frames, (std::vector<std::string>{"f1", "f2"}));
  EXPECT_TRUE(replay->done);
  EXPECT_FALSE(s.resume(stream, 5, nullptr));  // an event the stream never had
  EXPECT_FALSE(s.resume(stream + 1, 0, nullptr));
  for (size_t i = 0; i < Session::kReplayStreams; ++i) s.record(s.open_stream(), "x", true);
  EXPECT_FALSE(s.resume(stream, 0, nullptr)) << "only the newest streams are kept";
}

TEST(SessionReplay, AStreamTooLongToKeepIsNotResumable) {
  Session s;
  int64_t stream = s.open_stream();
  for (size_t i = 0; i <= Session::kReplayFrames; ++i) s.record(stream, "f", false);
  EXPECT_FALSE(s.resume(stream, 0, nullptr));
}

TEST(SessionOutbound, AClientOwesAtMostABoundedNumberOfAnswers) {
  Session s;
  for (size_t i = 0; i < Session::kMaxOutbound; ++i) ASSERT_TRUE(s.add_outbound({{}, std::to_string(i)}));
  EXPECT_FALSE(s.add_outbound({{}, "one-too-many"}));
  ASSERT_TRUE(s.take_outbound("\"awmg-1\""));
  EXPECT_TRUE(s.add_outbound({{}, "room-again"}));
}

}  // namespace
}  // namespace awmg::frontend

namespace awmg::http {
namespace {

TEST(HostCheck, OnlyLoopbackNamesAndLiteralsPass) {
  for (const char* host : {"localhost", "LocalHost:3000", "127.0.0.1", "127.255.0.9:1", "[::1]", "[::1]:80",
                           "[::FFFF:127.0.0.1]"})
    EXPECT_TRUE(loopback_host(host)) << host;
  for (const char* host : {"",
                           "127.attacker.example",
                           "127.0.0.1.evil",
                           "localhost.evil",
                           "localhost.",
                           "127.0.0.1.",
                           "127.",
                           "127.1",
                           "::1",
                           "[::1",
                           "[::1]x",
                           "[::1]:",
                           "localhost:",
                           "localhost:123456",
                           "localhost:8o",
                           "[::2]",
                           "[::ffff:10.0.0.1]",
                           "10.0.0.1",
                           "0.0.0.0",
                           "127.0.0.1\t",
                           "local host"})
    EXPECT_FALSE(loopback_host(host)) << host;
}

}  // namespace
}  // namespace awmg::http

namespace awmg::frontend {
namespace {

TEST(Hmac, SignedRequestsPassOnceAndEverythingElseIsRefusedWithItsReason) {
  HmacVerifier verifier("s3cret");
  auto whole =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auto now = std::chrono::system_clock::time_point(whole);
  std::string ts = std::to_string(whole.count());
  std::string body = R"({"jsonrpc":"2.0"})";
  auto headers = [&](const std::string& nonce, const std::string& stamp, const std::string& signature) {
    return HmacVerifier::Headers{std::string_view(stamp), std::string_view(nonce),
                                 std::string_view(signature)};
  };
  std::string good = HmacVerifier::sign("s3cret", ts, "n1", "/mcp/x", body);
  EXPECT_EQ(good.size(), 64u);
  EXPECT_EQ(verifier.check({}, "/mcp/x", body, now), "missing HMAC signature headers");
  EXPECT_EQ(verifier.check(headers("n1", "12a", good), "/mcp/x", body, now), "invalid HMAC timestamp");
  EXPECT_EQ(verifier.check(headers("n1", ts, good), "/mcp/y", body, now), "invalid HMAC signature");
  EXPECT_EQ(verifier.check(headers("n1", ts, good), "/mcp/x", body + "x", now), "invalid HMAC signature");
  EXPECT_EQ(verifier.check(headers("n1", ts, HmacVerifier::sign("other", ts, "n1", "/mcp/x", body)), "/mcp/x",
                           body, now),
            "invalid HMAC signature");
  EXPECT_EQ(verifier.check(headers("n1", ts, good), "/mcp/x", body, now + std::chrono::seconds(31)),
            "HMAC timestamp out of acceptable window");
  EXPECT_EQ(verifier.check(headers("n1", ts, good), "/mcp/x", body, now), std::nullopt);
  EXPECT_EQ(verifier.check(headers("n1", ts, good), "/mcp/x", body, now),
            "HMAC nonce already used (replay detected)");
  // A timestamp 30 s ahead is valid for 60 s after acceptance: its nonce must outlive that.
  HmacVerifier edge("s3cret");
  std::string ahead = std::to_string(std::stoll(ts) + 30);
  std::string ahead_sig = HmacVerifier::sign("s3cret", ahead, "n2", "/mcp/x", body);
  EXPECT_EQ(edge.check(headers("n2", ahead, ahead_sig), "/mcp/x", body, now), std::nullopt);
  EXPECT_EQ(
      edge.check(headers("n2", ahead, ahead_sig), "/mcp/x", body, now + std::chrono::milliseconds(60500)),
      "HMAC nonce already used (replay detected)");
  // Later the nonce is forgotten (its timestamp is stale by then anyway).
  std::string later = std::to_string(std::stoll(ts) + 63);
  EXPECT_EQ(verifier.check(headers("n1", later, HmacVerifier::sign("s3cret", later, "n1", "/mcp/x", body)),
                           "/mcp/x", body, now + std::chrono::seconds(63)),
            std::nullopt);
}

}  // namespace
}  // namespace awmg::frontend
