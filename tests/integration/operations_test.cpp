// What an operator's gateway meets that its agents do not send: floods of requests without the key, and
// scrapes while it shuts down.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "integration/demo_fixture.hpp"

namespace awmg::test {
namespace {

using Clock = std::chrono::steady_clock;

// Everything under `dir`'s files, concatenated.
std::string all_files(const std::string& dir) {
  std::string text;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) text += read_text(entry.path().string());
  return text;
}

// Requests with a wrong key (one that could be a real secret of another system) or none, from several
// clients at once: each gets its 401 at once, nothing the clients sent reaches a log, and the agent with the
// key is served throughout.
TEST(Operations, AFloodOfUnauthenticatedRequestsIsAnsweredCheaplyAndLogsNoSecret) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  const std::string leaked = "ghp_WrongKeyFromAnotherSystem0123456789";
  std::atomic<int> refused{0}, other{0};
  auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
        if (t % 2 == 0) headers["Authorization"] = leaked;
        auto reply =
            f.gw->post("/mcp/demo", R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})", headers);
        (reply.status == 401 ? refused : other)++;
      }
    });
  }
  auto c = f.client("/mcp/demo");
  c.initialize();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(result_text(c.request("tools/call", R"({"name":"echo","arguments":{"message":"mine"}})")),
              "mine");
  for (auto& t : clients) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(refused.load(), 1000);
  EXPECT_EQ(other.load(), 0);
  EXPECT_LT(seconds, 20.0);
  std::string logs = all_files(f.dir.file("logs"));
  EXPECT_EQ(logs.find(leaked), std::string::npos) << "a key a client sent reached a log";
  EXPECT_EQ(logs.find("WrongKeyFromAnotherSystem"), std::string::npos);
  EXPECT_EQ(f.gw->child().err().find(leaked), std::string::npos);
}

// /metrics scraped over and over while SIGTERM drains the gateway: every scrape gets an answer or a refused
// connection, none hangs, and the gateway exits 0.
TEST(Operations, MetricsScrapedDuringShutdownAreAnsweredOrRefusedAndTheGatewayExitsCleanly) {
  Fixture f(demo_config({{"demo", ""}}));
  ASSERT_TRUE(f.gw->ready()) << f.gw->child().err();
  std::atomic<bool> done{false};
  std::atomic<int> answered{0}, refused{0}, odd{0};
  std::thread scraper([&] {
    while (!done) {
      auto start = Clock::now();
      auto reply = f.gw->get("/metrics", {{"Authorization", "test-key"}});
      if (Clock::now() - start > std::chrono::seconds(3)) odd++;  // a scrape that hung
      if (reply.status == 200 && reply.body.find("awmg_http_requests_total") != std::string::npos) {
        answered++;
      } else if (reply.status == 0 || reply.status == 503) {
        refused++;
      } else {
        odd++;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  f.gw->child().signal(SIGTERM);
  auto code = f.gw->child().wait(std::chrono::seconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  done = true;
  scraper.join();
  EXPECT_EQ(code, 0) << f.gw->child().err();  // (nullopt: still running)
  EXPECT_GT(answered.load(), 0);
  EXPECT_GT(refused.load(), 0) << "scrapes after the exit find nothing listening";
  EXPECT_EQ(odd.load(), 0);
}

}  // namespace
}  // namespace awmg::test
