// Backends that go down while the gateway runs: a stdio process that crashes or hangs, an HTTP server that
// stops answering. The health monitor sees it, /health and /metrics say so, calls meanwhile fail at once, and
// the server is started again.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "base/files.hpp"
#include "integration/demo_fixture.hpp"
#include "support/scripted_backend.hpp"

namespace awmg::test {
namespace {

using Clock = std::chrono::steady_clock;

// A stdio server that writes its pid to `pid_file` and runs the demo server, unless `block_file` exists: then
// it fails at once.
std::string recorded_server(const std::string& name, const std::string& pid_file,
                            const std::string& block_file) {
  const std::string script =
      "[ -e " + block_file + " ] && exit 1; echo $$ > " + pid_file + "; exec " + kDemoServer;
  return "[servers." + name + "]\ncommand = \"/bin/sh\"\nargs = [\"-c\", " + json::quote(script) + "]\n";
}

// The server's entry in /health, once `accept` holds for it (or the last one seen after `within`).
json::Document health_when(RunningGateway& gw, const std::string& server,
                           const std::function<bool(const json::Value&)>& accept,
                           std::chrono::milliseconds within = std::chrono::seconds(10)) {
  auto until = Clock::now() + within;
  while (true) {
    auto doc = json::parse(gw.get("/health").body);
    if (doc && (*doc)["servers"].HasMember(server.c_str())) {
      json::Document entry;
      entry.CopyFrom((*doc)["servers"][server.c_str()], entry.GetAllocator());
      if (accept(entry) || Clock::now() > until) return entry;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool has_status(const json::Value& entry, const char* status) {
  return json::string_or(entry, "status") == status;
}

int int_of(const json::Value& entry, const char* name) {
  return entry.HasMember(name) && entry[name].IsInt() ? entry[name].GetInt() : 0;
}

pid_t pid_in(const std::string& file) {
  return static_cast<pid_t>(std::atol(read_text(file).c_str()));
}

TEST(Health, ACrashedStdioBackendIsRestartedAndCallsMeanwhileFailAtOnce) {
  TempDir scratch;
  const std::string pid_file = scratch.file("pid"), block = scratch.file("block");
  Fixture f("[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 3\ntool_timeout = 10\n" +
            recorded_server("crashy", pid_file, block));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  health_when(*f.gw, "crashy", [](const json::Value& e) { return has_status(e, "running"); });
  pid_t first = pid_in(pid_file);
  ASSERT_GT(first, 0);

  scratch.write("block", "");  // it cannot start again until the file goes
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  auto down = health_when(*f.gw, "crashy", [](const json::Value& e) { return has_status(e, "restarting"); });
  EXPECT_TRUE(has_status(down, "restarting")) << json::to_string(down);
  EXPECT_NE(json::string_or(down, "error").find("connection closed"), std::string::npos)
      << json::to_string(down);
  auto whole = json::parse(f.gw->get("/health").body);
  ASSERT_TRUE(whole);
  EXPECT_EQ(json::string_or(*whole, "status"), "unhealthy");

  auto c = f.client("/mcp/crashy");
  c.initialize();
  auto start = Clock::now();
  auto reply = c.request("tools/call", R"({"name":"echo","arguments":{"message":"now?"}})");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500))
      << "a call to a server that is down fails at once";
  EXPECT_NE(json::to_string(reply).find("crashy is unavailable"), std::string::npos)
      << json::to_string(reply);

  auto retried = health_when(*f.gw, "crashy", [](const json::Value& e) { return int_of(e, "retries") >= 1; });
  EXPECT_GE(int_of(retried, "retries"), 1) << json::to_string(retried);

  std::remove(block.c_str());
  auto up = health_when(
      *f.gw, "crashy", [](const json::Value& e) { return has_status(e, "running"); },
      std::chrono::seconds(15));
  ASSERT_TRUE(has_status(up, "running")) << json::to_string(up);
  EXPECT_EQ(int_of(up, "restarts"), 1);
  EXPECT_NE(pid_in(pid_file), first);
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"back"}})")),
            "back");
  std::string metrics = f.gw->get("/metrics", {{"Authorization", "test-key"}}).body;
  EXPECT_NE(metrics.find(R"(awmg_backend_restarts_total{server="crashy"} 1)"), std::string::npos) << metrics;
  std::string log = read_log_when(f.dir.file("logs/crashy.log"), "crashy is down");
  EXPECT_NE(log.find("crashy is down (its connection closed"), std::string::npos) << log;
}

TEST(Health, AHungStdioBackendIsRestarted) {
  TempDir scratch;
  const std::string pid_file = scratch.file("pid"), block = scratch.file("block");
  Fixture f("[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 3\ntool_timeout = 10\n" +
                recorded_server("sleepy", pid_file, block),
            {"--health-interval", "1s"});
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  health_when(*f.gw, "sleepy", [](const json::Value& e) { return has_status(e, "running"); });
  pid_t first = pid_in(pid_file);
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGSTOP), 0);
  // (It is started again at once: the restarting state may be too short to see.)
  auto up = health_when(*f.gw, "sleepy", [](const json::Value& e) {
    return has_status(e, "running") && int_of(e, "restarts") == 1;
  });
  ASSERT_TRUE(has_status(up, "running")) << json::to_string(up);
  EXPECT_NE(pid_in(pid_file), first);
  std::string log = read_log_when(f.dir.file("logs/sleepy.log"), "did not answer a ping");
  EXPECT_NE(log.find("sleepy is down (it did not answer a ping within 1.0 s)"), std::string::npos) << log;
  auto until = Clock::now() + std::chrono::seconds(5);
  while (::kill(first, 0) == 0 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(::kill(first, 0), 0) << "the hung process was stopped";
  auto c = f.client("/mcp/sleepy");
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"awake"}})")),
            "awake");
}

TEST(Health, AnHttpBackendThatStopsAnsweringIsProbedAndReconnected) {
  ScriptedBackend backend;
  TempDir dir;
  dir.write("config.toml",
            "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 3\ntool_timeout = 10\n"
            "[servers.web]\ntype = \"http\"\nurl = \"" +
                backend.url() + "\"\n");
  RunningGateway gw({"-c", dir.file("config.toml"), "--health-interval", "1s"}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  health_when(gw, "web", [](const json::Value& e) { return has_status(e, "running"); });
  McpClient c(gw.port(), "/mcp/web", "test-key");
  c.initialize();
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok","arguments":{}})")), "ok");
  int initialized = backend.initializations();

  backend.set_hanging(true);
  auto down = health_when(gw, "web", [](const json::Value& e) { return has_status(e, "restarting"); });
  EXPECT_TRUE(has_status(down, "restarting")) << json::to_string(down);
  auto start = Clock::now();
  auto reply = c.request("tools/call", R"({"name":"ok","arguments":{}})");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500)) << json::to_string(reply);
  EXPECT_NE(json::to_string(reply).find("web is unavailable"), std::string::npos) << json::to_string(reply);

  backend.set_hanging(false);
  auto up = health_when(
      gw, "web", [](const json::Value& e) { return has_status(e, "running"); }, std::chrono::seconds(15));
  ASSERT_TRUE(has_status(up, "running")) << json::to_string(up);
  EXPECT_GT(backend.initializations(), initialized) << "the gateway connected again";
  EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"ok","arguments":{}})")), "ok");
}

// A server that dies right after each start is started again at once the first time, then after 1 s, 2 s, 4
// s: a crash loop slows down instead of spawning a process a second.
TEST(Health, ACrashLoopBacksOff) {
  TempDir scratch;
  const std::string runs = scratch.file("runs");
  const std::string script = "echo run >> " + runs + "; [ -e " + scratch.file("stable") + " ] && exec " +
                             kDemoServer + "; exec timeout 0.3 " + kDemoServer;
  // The first start stays up (so the server registers), every later one dies after 0.3 s.
  scratch.write("stable", "");
  Fixture f(
      "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 3\n[servers.loop]\ncommand = \"/bin/sh\"\n"
      "args = [\"-c\", " +
      json::quote(script) + "]\n");
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  health_when(*f.gw, "loop", [](const json::Value& e) { return has_status(e, "running"); });
  std::remove(scratch.file("stable").c_str());
  auto pids = run({"/usr/bin/pgrep", "-P", std::to_string(f.gw->child().pid()), "-f", "awmg-demo-server"});
  ASSERT_EQ(::kill(static_cast<pid_t>(std::atol(pids.out.c_str())), SIGKILL), 0) << pids.out;
  std::this_thread::sleep_for(std::chrono::seconds(8));
  auto lines = read_text(runs);
  size_t starts = static_cast<size_t>(std::count(lines.begin(), lines.end(), '\n'));
  // Without the backoff carried over: about one start per second (the death, the check, at once again).
  EXPECT_GE(starts, 3u);
  EXPECT_LE(starts, 6u) << "a crash loop restarted " << starts << " times in 8 s";
}

TEST(Health, ANegativeIntervalIsRefused) {
  TempDir dir;
  dir.write("config.toml", demo_config({{"demo", ""}}));
  auto r = run({kAwmg, "-c", dir.file("config.toml"), "--health-interval", "-1s"}, awmg_env(dir));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--health-interval"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace awmg::test
