// DIFC end to end: the real gateway, the demo server's repository tools, and the example repository guard
// (examples/guards/c/repo_guard.c) in each enforcement mode.
#include <gtest/gtest.h>

#include <thread>

#include "integration/awmg_process.hpp"
#include "integration/mcp_client.hpp"
#include "support/scripted_backend.hpp"

namespace awmg::test {
namespace {

// The repository guard on "repos", no guard on "plain", and `sinks`: more [servers.*] tables.
std::string guarded_config(const std::string& guard, const std::string& policy,
                           const std::string& sinks = "") {
  std::string demo = "command = \"" + kDemoServer + "\"\n";
  return "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 5\ntool_timeout = 10\n\n[servers.repos]\n" +
         demo + "guard = \"repos\"\n\n[servers.plain]\n" + demo + "\n" + sinks +
         "\n[guards.repos]\ntype = \"wasm\"\npath = \"" + std::string(AWMG_GUARD_DIR) + "/" + guard +
         ".wasm\"\npolicy = " + policy + "\n";
}

const char* kPublicPolicy = R"({ "allow-only" = { repos = "public", "min-integrity" = "none" } })";

struct Gateway {
  TempDir dir;
  std::unique_ptr<RunningGateway> gw;
  Gateway(const std::string& guard, const std::string& policy, std::vector<std::string> flags = {},
          const std::string& sinks = "") {
    dir.write("config.toml", guarded_config(guard, policy, sinks));
    flags.insert(flags.begin(), {"-c", dir.file("config.toml")});
    gw = std::make_unique<RunningGateway>(flags, awmg_env(dir));
  }
  McpClient client(const std::string& agent, const std::string& server = "repos") {
    McpClient c(gw->port(), "/mcp/" + server, "test-key");
    c.initialize({{"X-Agent-ID", agent}});
    return c;
  }
};

std::string text_at(const json::Document& reply, rapidjson::SizeType i) {
  const auto& content = reply["result"]["content"];
  return content.IsArray() && content.Size() > i ? json::string_or(content[i], "text") : "";
}

json::Document call(McpClient& c, const std::string& tool, const std::string& args = "{}") {
  return c.request("tools/call", R"({"name":")" + tool + R"(","arguments":)" + args + "}");
}

TEST(Difc, FilterModeRemovesExactlyThePrivateItemsAndSaysSo) {
  Gateway g("repo_guard", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-filter");
  auto reply = call(c, "search_issues");
  ASSERT_FALSE(is_error_result(reply)) << text_at(reply, 0);
  auto items = json::parse(text_at(reply, 0));
  ASSERT_TRUE(items && items->IsArray()) << text_at(reply, 0);
  std::vector<int> numbers;
  for (const auto& item : items->GetArray()) numbers.push_back(item["number"].GetInt());
  EXPECT_EQ(numbers, (std::vector<int>{1, 2, 4}));  // #3 lives in the private acme/infra
  // Out of the policy's scope, the private repository's items carry its own integrity tags: they fail the
  // agent's integrity floor first (the evaluator checks integrity before secrecy, as upstream's does).
  EXPECT_EQ(
      text_at(reply, 1),
      "[Filtered] 1 item(s) in this response were removed by integrity policy and are not shown: issue #3 "
      "(acme/infra) (Resource 'issue #3 (acme/infra)' has lower integrity than agent requires. The agent "
      "cannot read data with integrity below [none:public].).");

  auto reflect = g.gw->get("/reflect", {{"Authorization", "test-key"}});
  EXPECT_EQ(reflect.status, 200);
  auto snapshot = json::parse(reflect.body);
  ASSERT_TRUE(snapshot) << reflect.body;
  EXPECT_EQ(json::to_string((*snapshot)["agents"]["agent-filter"]),
            R"({"secrecy":[],"integrity":["none:public"]})");
  EXPECT_EQ(json::string_or(*snapshot, "mode"), "strict");

  std::string jsonl = read_log_when(g.dir.file("logs/rpc-messages.jsonl"), "difc_filtered");
  EXPECT_NE(jsonl.find(R"j("event":"difc_filtered","_schema":"difc-filtered/v2","server_id":"repos",)j"
                       R"j("tool_name":"search_issues","description":"issue #3 (acme/infra)")j"),
            std::string::npos)
      << jsonl;
  EXPECT_NE(jsonl.find(R"("author_association":"MEMBER","author_login":"bob")"), std::string::npos);
  std::string summary = read_log_when(g.dir.file("logs/gateway.md"), "filtered 1 item");  // step summary
  EXPECT_NE(
      summary.find("- \u2713 **difc** filtered 1 item(s) from `repos/search_issues` (integrity policy)"),
      std::string::npos)
      << summary;

  // A singular read of the private issue: the filtered item is named, not silently emptied.
  reply = call(c, "issue_read", R"({"owner":"acme","repo":"infra","issue_number":3})");
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(text_at(reply, 0).rfind(
                "[Filtered] issue #3 (acme/infra) exists but is not accessible \u2014 filtered by "
                "integrity policy (Resource 'issue #3 (acme/infra)'",
                0),
            0u)
      << text_at(reply, 0);
}

TEST(Difc, StrictModeBlocksAPrivateReadAndAnUnderTrustedWrite) {
  Gateway g("repo_guard_strict", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-strict");
  auto reply = call(c, "issue_read", R"({"owner":"acme","repo":"infra","issue_number":3})");
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(text_at(reply, 0),
            "DIFC policy violation: 1 of 1 items in response are not accessible to agent agent-strict");
  reply = call(c, "issue_read", R"({"owner":"acme","repo":"website","issue_number":1})");
  EXPECT_FALSE(is_error_result(reply)) << text_at(reply, 0);
  reply = call(c, "search_issues");  // one private item blocks the whole list in strict mode
  EXPECT_EQ(text_at(reply, 0),
            "DIFC policy violation: 1 of 4 items in response are not accessible to agent agent-strict");
  std::string summary = read_log_when(g.dir.file("logs/gateway.md"), "search_issues");
  EXPECT_NE(
      summary.find("- \u26A0\uFE0F **difc** denied `repos/search_issues`: DIFC policy violation: 1 of 4 "
                   "items in response are not accessible to the agent"),
      std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("agent-strict"), std::string::npos)
      << "an agent id may be a key: not in the summary";
  reply = call(c, "create_issue", R"({"owner":"acme","repo":"website","title":"x"})");
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(text_at(reply, 0).rfind(
                "DIFC Violation: Agent lacks required integrity to write to 'create_issue "
                "acme/website'. The agent's integrity level is insufficient; it needs \"approved\" "
                "integrity.\n",
                0),
            0u)
      << text_at(reply, 0);
}

// /metrics (Prometheus text) counts requests, tool calls by outcome, DIFC decisions and filtered items, and
// shows sessions, backends and breakers; it needs the key.
TEST(Difc, MetricsCountCallsDecisionsAndFilteredItems) {
  Gateway g("repo_guard", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-metrics");
  EXPECT_FALSE(is_error_result(call(c, "search_issues")));  // allowed, one item filtered
  EXPECT_TRUE(is_error_result(call(c, "create_issue", R"({"owner":"acme","repo":"website","title":"x"})")));
  EXPECT_EQ(g.gw->get("/metrics", {}).status, 401);
  // A request is counted once answered, on its connection's thread: the refused scrape's count may land just
  // after the next scrape reads the counters, so scrape until it shows.
  const std::string refused_counted = "awmg_http_requests_total{route=\"metrics\",server=\"\"} ";
  auto scrape = g.gw->get("/metrics", {{"Authorization", "test-key"}});
  for (int i = 0; i < 50 && scrape.body.find(refused_counted) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    scrape = g.gw->get("/metrics", {{"Authorization", "test-key"}});
  }
  ASSERT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.body.find(refused_counted), std::string::npos) << scrape.body;
  EXPECT_EQ(scrape.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  for (const char* line :
       {"awmg_tool_calls_total{server=\"repos\",outcome=\"ok\"} 1\n",
        "awmg_tool_calls_total{server=\"repos\",outcome=\"denied\"} 1\n",
        "awmg_guard_decisions_total{server=\"repos\",decision=\"allowed\"} 1\n",
        "awmg_guard_decisions_total{server=\"repos\",decision=\"denied\"} 1\n",
        "awmg_guard_filtered_items_total{server=\"repos\"} 1\n", "awmg_sessions_open 1\n",
        "awmg_backend_up{server=\"repos\"} 1\n", "awmg_rate_limit_circuit_open{server=\"plain\"} 0\n",
        "# TYPE awmg_http_request_duration_seconds histogram\n",
        "awmg_http_request_duration_seconds_bucket{route=\"mcp\",server=\"repos\",le=\"+Inf\"} 4\n"})
    EXPECT_NE(scrape.body.find(line), std::string::npos) << line << "\n" << scrape.body;
}

// The live status page in a real browser (headless Chromium): it reads the key from its URL's fragment, polls
// /status.json, and shows a denied call's decision with its reason; without the key the data stays closed.
TEST(Difc, TheStatusPageShowsDecisionsLiveInABrowser) {
  Gateway g("repo_guard", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-watched");
  EXPECT_FALSE(is_error_result(call(c, "search_issues")));  // one item filtered
  EXPECT_TRUE(is_error_result(call(c, "create_issue", R"({"owner":"acme","repo":"website","title":"x"})")));
  EXPECT_EQ(g.gw->get("/status.json", {}).status, 401);
  EXPECT_EQ(g.gw->get("/status", {}).status, 200);  // the page holds no data
  const std::string url = "http://127.0.0.1:" + std::to_string(g.gw->port()) + "/status#key=test-key";
  auto browser = run({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                      "--virtual-time-budget=3000", "--dump-dom", url},
                     {}, std::chrono::seconds(60));
  ASSERT_EQ(browser.exit_code, 0) << browser.err;
  const std::string& dom = browser.out;
  EXPECT_NE(dom.find("<td>create_issue</td><td class=\"denied\">denied</td>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("lacks required integrity"), std::string::npos) << dom;
  EXPECT_NE(
      dom.find(
          "<td>search_issues</td><td class=\"filtered\">1 of 4 items filtered</td><td>integrity policy</td>"),
      std::string::npos)
      << dom;
  EXPECT_NE(dom.find("<td>repos</td><td class=\"running\">running</td>"), std::string::npos) << dom;
  EXPECT_EQ(dom.find("test-key"), std::string::npos) << "the key stays out of the page";
}

TEST(Difc, PropagateModeCarriesWhatWasReadSoALaterPublicWriteIsDenied) {
  Gateway g("repo_guard_propagate", R"({ "allow-only" = { repos = "all", "min-integrity" = "approved" } })");
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-propagate");
  const std::string write = R"({"owner":"acme","repo":"website","title":"status"})";
  auto reply = call(c, "create_issue", write);
  EXPECT_FALSE(is_error_result(reply)) << text_at(reply, 0);  // nothing secret read yet
  reply = call(c, "issue_read", R"({"owner":"acme","repo":"infra","issue_number":3})");
  EXPECT_FALSE(is_error_result(reply)) << text_at(reply, 0);  // propagate never denies a read
  reply = call(c, "create_issue", write);
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(
      text_at(reply, 0).rfind("DIFC Violation: Agent carries private (acme/infra)-scoped data that cannot be "
                              "written to 'create_issue acme/website' due to secrecy constraints.",
                              0),
      0u)
      << text_at(reply, 0);
  auto snapshot = json::parse(g.gw->get("/reflect", {{"Authorization", "test-key"}}).body);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(json::to_string((*snapshot)["agents"]["agent-propagate"]["secrecy"]),
            R"(["private:acme/infra"])");
  // Another agent is untouched.
  auto other = g.client("agent-clean");
  EXPECT_FALSE(is_error_result(call(other, "create_issue", write)));
}

TEST(Difc, TrappingGuardFailsTheCallClosedAndTheGatewayKeepsServing) {
  Gateway g("repo_guard", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-trap");
  auto reply = call(c, "list_issues", R"({"owner":"acme","repo":"boom"})");
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(
      text_at(reply, 0).rfind("guard labeling failed: resource labeling failed: wasm error: unreachable", 0),
      0u)
      << text_at(reply, 0);
  reply = call(c, "list_issues", R"({"owner":"acme","repo":"website"})");
  EXPECT_FALSE(is_error_result(reply)) << text_at(reply, 0);
}

TEST(Difc, NoopServerRefusesAnAgentThatHoldsIntegrityTags) {
  Gateway g("repo_guard", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto repos = g.client("agent-noop");
  ASSERT_FALSE(is_error_result(call(repos, "search_issues")));  // label_agent: integrity none:public
  auto plain = g.client("agent-noop", "plain");
  auto reply = call(plain, "echo", R"({"message":"hi"})");
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(text_at(reply, 0).rfind(
                "DIFC Violation: Resource 'noop resource (no restrictions)' has lower integrity "
                "than agent requires.",
                0),
            0u)
      << text_at(reply, 0);
  auto fresh = g.client("agent-fresh", "plain");  // an agent without tags may call it
  EXPECT_EQ(text_at(call(fresh, "echo", R"({"message":"hi"})"), 0), "hi");
}

TEST(Difc, ToolCallLimitsArePerSession) {
  Gateway g(
      "repo_guard",
      R"({ "allow-only" = { repos = "public", "min-integrity" = "none", "tool-call-limits" = { search_issues = 1 } } })");
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-limit");
  EXPECT_FALSE(is_error_result(call(c, "search_issues")));
  auto reply = call(c, "search_issues");
  EXPECT_EQ(text_at(reply, 0), "tool call limit reached for \"search_issues\" (max: 1)");
  auto next = g.client("agent-limit");  // a new session gets a fresh budget
  EXPECT_FALSE(is_error_result(call(next, "search_issues")));
}

TEST(Difc, BrokenGuardOutputDeniesTheCallWithAClearError) {
  Gateway g("bad_labels", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-bad");
  auto reply = call(c, "add", R"({"a":1,"b":2})");  // label_resource answers "not json"
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(text_at(reply, 0).rfind("guard labeling failed: resource labeling failed: failed to unmarshal "
                                    "label_resource WASM response: ",
                                    0),
            0u)
      << text_at(reply, 0);
  reply = call(c, "echo", R"({"message":"secret"})");  // label_response points at /nowhere
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(text_at(reply, 0),
            "response labeling failed: failed to apply path labels: failed to resolve path labels: "
            "path \"/nowhere\" not found in response");
}

TEST(Difc, RpcRecordsOfSinkServersCarryTheAgentsTags) {
  Gateway g("repo_guard", kPublicPolicy, {"--guards-sink-server-ids", "repos"});
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto c = g.client("agent-sink");
  ASSERT_FALSE(is_error_result(call(c, "search_issues")));
  auto plain = g.client("agent-other", "plain");
  call(plain, "echo", R"({"message":"x"})");
  // Written once the plain server's tools/call is (it comes last).
  std::string jsonl =
      read_log_when(g.dir.file("logs/rpc-messages.jsonl"), R"("server_id":"plain","method":"tools/call")");
  EXPECT_NE(jsonl.find(R"("direction":"OUT","server_id":"repos","method":"tools/call","agent_secrecy":[],)"
                       R"("agent_integrity":["none:public"],"payload")"),
            std::string::npos)
      << jsonl;
  EXPECT_EQ(jsonl.find(R"("server_id":"plain","method":"tools/call","agent_secrecy")"), std::string::npos);
}

TEST(Difc, WriteSinksRefuseAgentsCarryingSecretsUnlessTheyAcceptThem) {
  std::string demo = "command = \"" + kDemoServer + "\"\n";
  std::string sinks =
      "[servers.public-sink]\n" + demo +
      "guard_policies = { \"write-sink\" = { accept = [\"private:acme\"] } }\n"
      "[servers.private-sink]\n" +
      demo +
      "guard_policies = { \"write-sink\" = { accept = [\"*\"], \"sink-visibility\" = \"private\" } }\n";
  Gateway g("repo_guard", R"({ "allow-only" = { repos = ["acme/*"], "min-integrity" = "none" } })", {},
            sinks);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto repos = g.client("agent-sink-writer");
  ASSERT_FALSE(is_error_result(call(repos, "search_issues")));  // label_agent: secrecy private:acme
  auto to_public = g.client("agent-sink-writer", "public-sink");
  auto reply = call(to_public, "echo", R"({"message":"acme internals"})");
  EXPECT_TRUE(is_error_result(reply));
  EXPECT_EQ(text_at(reply, 0).rfind(
                "DIFC Violation: Agent carries private (acme)-scoped data that cannot be written to "
                "'write-sink:public (echo)' due to secrecy constraints.",
                0),
            0u)
      << text_at(reply, 0);
  auto to_private = g.client("agent-sink-writer", "private-sink");
  EXPECT_EQ(text_at(call(to_private, "echo", R"({"message":"acme internals"})"), 0), "acme internals");
}

TEST(Difc, AnInvalidPolicyStopsStartupWithAClearError) {
  TempDir dir;
  dir.write("config.toml",
            guarded_config("repo_guard", R"({ "allow-only" = { repos = "public", bogus = 1 } })"));
  auto r = run_awmg({"-c", dir.file("config.toml"), "--listen", "127.0.0.1:0"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.err.find(
          "failed to register guard for server \"repos\": allow-only contains unsupported field \"bogus\""),
      std::string::npos)
      << r.err;
}

// The Rust guard (examples/guards/rust/github_guard, built by Debian's rustc): visibility from the backend's
// search_repositories, integrity from the author's association and, for an author without one, from
// get_collaborator_permission (GitHub's REST API, answered by the gateway). At min-integrity approved over
// public repositories: the private repository's issue and the contributor's are filtered; the NONE author's
// is kept when GitHub says they are an admin, filtered when it says read.
TEST(Difc, TheRustGuardLabelsIssuesByVisibilityAssociationAndPermission) {
  const char* approved = R"({ "allow-only" = { repos = "public", "min-integrity" = "approved" } })";
  for (const char* permission : {"admin", "read"}) {
    ScriptedBackend api;
    api.set_permission("mallory", permission);
    api.set_permission("carol", "read");
    TempDir dir;
    dir.write("config.toml", guarded_config("github_guard", approved));
    RunningGateway gw(
        {"-c", dir.file("config.toml")},
        awmg_env(dir, {{"GITHUB_API_URL", api.base_url()}, {"GITHUB_MCP_SERVER_TOKEN", "rest-token"}}));
    ASSERT_TRUE(gw.ready()) << gw.child().err();
    McpClient c(gw.port(), "/mcp/repos", "test-key");
    c.initialize({{"X-Agent-ID", "rusty"}});
    auto reply = c.request("tools/call", R"({"name":"search_issues","arguments":{}})");
    std::string listed = text_at(reply, 0);
    EXPECT_NE(listed.find("Broken link on the home page"), std::string::npos) << listed;  // OWNER, public
    EXPECT_EQ(listed.find("Rotate the database password"), std::string::npos)
        << listed;                                                          // private repository
    EXPECT_EQ(listed.find("Crash on start"), std::string::npos) << listed;  // CONTRIBUTOR
    bool kept = listed.find("Add a dark theme") != std::string::npos;       // NONE
    EXPECT_EQ(kept, std::string(permission) == "admin") << permission << ": " << listed;
    EXPECT_TRUE(api.wait_for("GET /repos/acme/website/collaborators/mallory/permission", 1000));
  }
}

}  // namespace
}  // namespace awmg::test

namespace awmg::test {
namespace {

TEST(Difc, AGuardedServerRelaysToolCallsOnly) {
  Gateway g("repo_guard", kPublicPolicy);
  ASSERT_TRUE(g.gw->ready()) << g.gw->child().err();
  auto guarded = g.client("agent-relay");
  auto refused = guarded.request("resources/list");
  EXPECT_EQ(
      json::string_or(refused["error"], "message"),
      "resources/list is not relayed for server repos: its DIFC guard labels tool calls only, so nothing "
      "else may pass");
  auto prompt = guarded.request("prompts/get", R"({"name":"anything"})");
  EXPECT_EQ(refused["error"]["code"].GetInt(), -32600);
  EXPECT_NE(json::string_or(prompt["error"], "message").find("prompts/get is not relayed for server repos"),
            std::string::npos);
  // The unguarded server's requests reach its backend (which has no resources: its own error comes back).
  auto plain = g.client("agent-relay", "plain");
  auto answered = plain.request("resources/list");
  EXPECT_EQ(json::string_or(answered["error"], "message"), "method not found: resources/list");
}

// A guard's get_collaborator_permission is answered by the gateway through GitHub's REST API with the
// configured token, and never reaches the guarded MCP backend; without a token the guard gets -1 and denies.
TEST(Difc, CollaboratorPermissionIsTheHostsAndComesFromTheRestApi) {
  ScriptedBackend api;
  for (bool with_token : {true, false}) {
    TempDir dir;
    dir.write("config.toml", guarded_config("collaborator_guard", kPublicPolicy));
    std::map<std::string, std::string> env = {{"GITHUB_API_URL", api.base_url()}};
    if (with_token) env["GITHUB_MCP_SERVER_TOKEN"] = "rest-token";
    auto options = awmg_env(dir, env);
    if (!with_token)
      options.unset_env.insert(options.unset_env.end(), {"GITHUB_MCP_SERVER_TOKEN", "GITHUB_TOKEN",
                                                         "GITHUB_PERSONAL_ACCESS_TOKEN", "GH_TOKEN"});
    RunningGateway gw({"-c", dir.file("config.toml")}, options);
    ASSERT_TRUE(gw.ready()) << gw.child().err();
    McpClient c(gw.port(), "/mcp/repos", "test-key");
    c.initialize({{"X-Agent-ID", "agent"}});
    auto reply = c.request("tools/call", R"({"name":"echo","arguments":{"message":"hi"}})");
    if (with_token) {
      EXPECT_EQ(result_text(reply), "hi");
      EXPECT_TRUE(api.wait_for("GET /repos/octo/hello/collaborators/alice/permission", 1000));
    } else {
      EXPECT_TRUE(is_error_result(reply));
      EXPECT_NE(result_text(reply).find("DIFC"), std::string::npos) << result_text(reply);
    }
  }
}

}  // namespace
}  // namespace awmg::test
