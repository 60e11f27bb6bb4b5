// `awmg proxy` end to end: the real binary in front of a fake GitHub API (tests/support/fake_github.py),
// with the example Rust guard compiled from source, driven by raw HTTP and by Debian's `gh` CLI.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>

#include "awmg_process.hpp"

namespace awmg::test {
namespace {

const std::string kGuard = std::string(AWMG_GUARD_DIR) + "/github_guard.wasm";
const std::string kFallback = "ghp_fallbackfallbackfallbackfallback0000";
const std::string kPolicy = R"({"allow-only":{"repos":["octo/public-repo"],"min-integrity":"approved"}})";

// The fake GitHub API on a free port.
class FakeGitHub {
 public:
  explicit FakeGitHub(const TempDir& dir)
      : child_({"/usr/bin/env", "python3", std::string(AWMG_SOURCE_DIR) + "/tests/support/fake_github.py",
                dir.file("github-port")}) {
    for (int i = 0; i < 400 && !file_exists(dir.file("github-port")); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    port_ = std::atoi(read_text(dir.file("github-port")).c_str());
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The requests it saw, as JSON.
  std::string requests() const { return http_request(port_, "GET", "/_requests").body; }

 private:
  Child child_;
  int port_ = 0;
};

// A running proxy, ready once its banner is out.
class RunningProxy : public LocalServer {
 public:
  RunningProxy(const TempDir& dir, const FakeGitHub& github, std::vector<std::string> extra,
               std::map<std::string, std::string> env = {})
      : LocalServer(free_port()) {
    std::vector<std::string> argv = {
        kAwmg,        "proxy",          "--guard-wasm", kGuard,     "--github-api-url",
        github.url(), "--github-token", kFallback,      "--listen", "127.0.0.1:" + std::to_string(port_),
        "--log-dir",  dir.file("logs")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child_ = std::make_unique<Child>(argv, awmg_env(dir, std::move(env)));
    ready_ = child_->wait_for_stderr(
        [](const std::string& err) { return err.find("Listening:") != std::string::npos; },
        std::chrono::seconds(30));
  }
  bool ready() const { return ready_; }
  Child& child() { return *child_; }

 private:
  std::unique_ptr<Child> child_;
  bool ready_ = false;
};

std::vector<int64_t> numbers(const std::string& body) {
  std::vector<int64_t> out;
  auto doc = json::parse(body);
  if (!doc || !doc->IsArray()) return out;
  for (const auto& item : doc->GetArray()) out.push_back(item["number"].GetInt64());
  return out;
}

class Proxy : public ::testing::Test {
 protected:
  TempDir dir;
  FakeGitHub github{dir};
};

TEST_F(Proxy, FiltersItemsByRepositoryAndAuthorAndDeniesAFilteredSingleItem) {
  RunningProxy proxy(dir, github, {"--policy", kPolicy});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  // Owner, a pusher (elevated by its collaborator permission) and a member stay; a contributor and a
  // stranger are below approved.
  auto list = proxy.get("/repos/octo/public-repo/issues");
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(numbers(list.body), (std::vector<int64_t>{1, 4, 5}));
  EXPECT_EQ(list.headers["x-ratelimit-limit"], "5000");
  EXPECT_EQ(list.headers.count("set-cookie"), 0u);  // only the header whitelist passes
  // The private repository is out of scope: nothing of it.
  auto secret = proxy.get("/api/v3/repos/octo/private-repo/issues");
  EXPECT_EQ(secret.status, 200);
  EXPECT_EQ(secret.body, "[]");
  auto one = proxy.get("/repos/octo/private-repo/issues/1");
  EXPECT_EQ(one.status, 403);
  EXPECT_NE(one.body.find("difc_forbidden"), std::string::npos) << one.body;
  EXPECT_EQ(one.body.find("secret body"), std::string::npos);
  auto stranger = proxy.get("/repos/octo/public-repo/issues/3");
  EXPECT_EQ(stranger.status, 403);
  EXPECT_NE(stranger.body.find("[Filtered] issue #3"), std::string::npos) << stranger.body;
  EXPECT_EQ(proxy.get("/repos/octo/public-repo/issues/1").status, 200);
  // A search envelope keeps its shape, counted again.
  auto search = proxy.get("/search/issues?q=is%3Aopen");
  auto doc = json::parse(search.body);
  ASSERT_TRUE(doc.ok()) << search.body;
  EXPECT_EQ((*doc)["total_count"].GetInt64(), 1);
  EXPECT_EQ((*doc)["items"].Size(), 1u);
  EXPECT_FALSE((*doc)["incomplete_results"].GetBool());
}

TEST_F(Proxy, TheGuardsMetadataCallsUseTheFallbackTokenAndClientsKeepTheirOwn) {
  RunningProxy proxy(dir, github, {"--policy", kPolicy});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  EXPECT_EQ(proxy.get("/repos/octo/public-repo/issues", {{"Authorization", "token client-token"}}).status,
            200);
  auto seen = json::parse(github.requests());
  ASSERT_TRUE(seen.ok());
  bool permission = false, search = false, list = false;
  for (const auto& r : seen->GetArray()) {
    std::string path = r["path"].GetString(), auth = r["authorization"].GetString();
    if (path.find("/permission") != std::string::npos) {
      permission = true;
      EXPECT_EQ(auth, "token " + kFallback) << path;
    }
    if (path == "/repos/octo/public-repo") {  // the guard's visibility lookup
      search = true;
      EXPECT_EQ(auth, "token " + kFallback);
    }
    if (path == "/repos/octo/public-repo/issues") {
      list = true;
      EXPECT_EQ(auth, "token client-token");
      EXPECT_EQ(std::string(r["user_agent"].GetString()), "awmg/1.0");
      EXPECT_EQ(std::string(r["accept"].GetString()), "application/vnd.github+json");
    }
  }
  EXPECT_TRUE(permission && search && list) << github.requests();
  // No log holds the token.
  std::string log = read_log_when(dir.file("logs/proxy.log"), "/repos/octo/public-repo/issues");
  EXPECT_EQ(log.find(kFallback), std::string::npos);
  EXPECT_EQ(proxy.child().err().find(kFallback), std::string::npos);
}

TEST_F(Proxy, WritesPassUnrecognizedReadsAreRefusedAndLoggedUnlessPassthroughIsAsked) {
  {
    RunningProxy proxy(dir, github, {"--policy", kPolicy});
    ASSERT_TRUE(proxy.ready()) << proxy.child().err();
    auto created = proxy.post("/repos/octo/public-repo/issues", R"({"title":"new"})",
                              {{"Content-Type", "application/json"}});
    EXPECT_EQ(created.status, 201) << created.body;
    auto unknown = proxy.get("/users/octo/repos");
    EXPECT_EQ(unknown.status, 403);
    EXPECT_NE(unknown.body.find("unrecognized_endpoint"), std::string::npos);
    EXPECT_NE(read_log_when(dir.file("logs/rpc-messages.jsonl"), "unrecognized_endpoint")
                  .find(R"("path":"/users/octo/repos")"),
              std::string::npos);
    EXPECT_EQ(proxy.get("/users/octo/repos").status, 403);
    EXPECT_EQ(proxy.child().err().find("not available"), std::string::npos);
  }
  RunningProxy open(dir, github, {"--policy", kPolicy, "--passthrough-unrecognized"});
  ASSERT_TRUE(open.ready()) << open.child().err();
  EXPECT_EQ(open.get("/users/octo/repos").status, 404);  // forwarded: the fake has no such route
  EXPECT_NE(read_log_when(dir.file("logs/rpc-messages.jsonl"), "unrecognized_endpoint_passthrough")
                .find("unrecognized_endpoint_passthrough"),
            std::string::npos);
}

TEST_F(Proxy, WithoutAPolicyGuardedReadsAnswer503AndTheRestStillWorks) {
  RunningProxy proxy(dir, github, {});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  auto read = proxy.get("/repos/octo/public-repo/issues");
  EXPECT_EQ(read.status, 503);
  EXPECT_NE(read.body.find("proxy enforcement not configured"), std::string::npos);
  EXPECT_EQ(proxy.get("/healthz").body, R"({"status":"ok"})");
  EXPECT_EQ(proxy.get("/rate_limit").status, 200);
  EXPECT_EQ(proxy.post("/repos/octo/public-repo/issues", "{}").status, 201);
}

TEST_F(Proxy, GraphqlReadsAreFilteredAndShapesTheGuardCannotLabelAreRefused) {
  RunningProxy proxy(dir, github, {"--policy", kPolicy});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  auto list = proxy.post(
      "/api/graphql",
      R"({"query":"query($owner:String!,$repo:String!){repository(owner:$owner,name:$repo){issues(first:10){totalCount nodes{number}}}}","variables":{"owner":"octo","repo":"public-repo"}})");
  ASSERT_EQ(list.status, 200) << list.body;
  auto doc = json::parse(list.body);
  ASSERT_TRUE(doc.ok());
  const auto& issues = (*doc)["data"]["repository"]["issues"];
  EXPECT_EQ(issues["nodes"].Size(), 3u);
  EXPECT_EQ(issues["totalCount"].GetInt64(), 3);
  for (
      const char* body : {
          R"({"query":"{ a: repository(owner:\"octo\",name:\"private-repo\"){ issues{nodes{body}} } }"})",
          R"({"query":"{ repository(owner:\"octo\",name:\"public-repo\"){id} node(id:\"I_1\"){id} }"})",
          R"({"query":"{ __type(name:\"Issue\"){name} repository(owner:\"octo\",name:\"private-repo\"){issues{nodes{body}}} }"})",
          R"({"query":"mutation { addComment(input:{}) { clientMutationId } }"})",
          R"({"query":"{ repository(owner:\"octo\",name:\"public-repo\"){ owner { ... on User { repositories(first:9){nodes{name}} } } } }"})",
          R"({"query":"{ viewer { repositories(first:5){ nodes { name } } } }"})",
      }) {
    auto refused = proxy.post("/graphql", body);
    EXPECT_EQ(refused.status, 403) << body << " -> " << refused.body;
    EXPECT_NE(refused.body.find("access denied"), std::string::npos) << refused.body;
  }
  for (const char* body : {"{", R"({"query":5})", R"({"query":"{ repository( }"})", "[]"}) {
    auto bad = proxy.post("/graphql", body);
    EXPECT_EQ(bad.status, 400) << body << " -> " << bad.body;
  }
  auto introspection = proxy.post(
      "/graphql", R"({"query":"query Issue_fields{Issue: __type(name: \"Issue\"){fields{name}}}"})");
  EXPECT_EQ(introspection.status, 200) << introspection.body;
  EXPECT_EQ(proxy.post("/graphql", R"({"query":"{ viewer { login } }"})").status, 200);
}

TEST_F(Proxy, BadUpstreamsAndPathTricksGetClearAnswers) {
  RunningProxy proxy(dir, github, {"--policy", kPolicy}, {{"AWMG_PROXY_UPSTREAM_TIMEOUT", "2s"}});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  auto start = std::chrono::steady_clock::now();
  auto hung = proxy.get("/repos/octo/hang/issues");
  EXPECT_EQ(hung.status, 502) << hung.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // What cannot be labelled is refused: an answer that is not JSON, a redirect for a repository out of scope
  // (unknown visibility is private), a truncated body, one larger than the guard takes.
  EXPECT_EQ(proxy.get("/repos/octo/garbage/issues").status, 502);
  EXPECT_EQ(proxy.get("/repos/octo/moved/issues").status, 403);
  EXPECT_NE(proxy.get("/repos/octo/truncated/issues").status, 200);
  auto huge_list = proxy.get("/repos/octo/public-repo/issues?per_page=40000");
  EXPECT_EQ(huge_list.status, 502) << huge_list.body.substr(0, 200);
  EXPECT_EQ(huge_list.body.find("stranger"), std::string::npos);
  auto limited = proxy.get("/repos/octo/limited/issues");
  EXPECT_EQ(limited.status, 403);
  EXPECT_FALSE(limited.headers["retry-after"].empty());
  // Path tricks: the canonical form is what is routed and forwarded, or the request is refused.
  EXPECT_EQ(numbers(proxy.get("/repos//octo/./public-repo//issues/").body), (std::vector<int64_t>{1, 4, 5}));
  EXPECT_EQ(proxy.get("/repos/octo/private-repo/../public-repo/issues/1").status, 200);
  EXPECT_EQ(proxy.get("/repos/octo%2Fprivate-repo/issues").status, 400);
  EXPECT_EQ(proxy.get("/repos/octo/private-repo/%2e%2e/public-repo/issues").status, 400);
  EXPECT_EQ(proxy.get("/../../etc/passwd").status, 400);
  EXPECT_EQ(http_request(proxy.port(), "HEAD", "/repos/octo/private-repo").status, 405);
  // A rebinding page: a foreign Host is refused.
  EXPECT_EQ(proxy.get("/repos/octo/public-repo/issues", {{"Host", "evil.example"}}).status, 403);
  // A body over the limit is refused; the proxy keeps serving.
  std::string huge = raw_exchange(
      proxy.port(),
      "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 17825792\r\n\r\n{\"query\":\"");
  EXPECT_EQ(huge.rfind("HTTP/1.1 413", 0), 0u) << huge;
  EXPECT_EQ(proxy.get("/health").status, 200);
  // An interim 103 before the answer is read past: the next request on the pooled connection gets its own.
  auto zen = proxy.get("/zen");
  EXPECT_EQ(zen.status, 200);
  EXPECT_NE(zen.body.find("logically awesome"), std::string::npos) << zen.body;
  EXPECT_NE(proxy.get("/rate_limit").body.find("resources"), std::string::npos);
  // Framing every reader agrees on: `chunked, identity` could make a body pose as a second request.
  std::string smuggled =
      raw_exchange(proxy.port(),
                   "POST /repos/octo/public-repo/issues HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Transfer-Encoding: chunked, identity\r\n\r\n"
                   "GET /repos/octo/private-repo/issues/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(smuggled.rfind("HTTP/1.1 400", 0), 0u) << smuggled;
  EXPECT_EQ(smuggled.find("secret"), std::string::npos);
  // A large passthrough answer streams through whole, chunk by chunk.
  std::string big =
      raw_exchange(proxy.port(), "GET /meta HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 10000);
  EXPECT_EQ(big.rfind("HTTP/1.1 200", 0), 0u) << big.substr(0, 200);
  EXPECT_NE(big.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_GT(big.size(), 3300000u);
  EXPECT_EQ(big.substr(big.size() - 9), "]}\r\n0\r\n\r\n");
}

// Found by attacking the proxy: each of these once read data the policy forbids.
TEST_F(Proxy, AttacksThatOnceLeakedAreRefused) {
  RunningProxy proxy(dir, github, {"--policy", kPolicy});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  // The JSON body names `query` twice: the checked and the forwarded query must not differ.
  auto twice = proxy.post(
      "/graphql",
      R"({"query":"{__typename}","query":"query($owner:String!,$repo:String!){repository(owner:$owner,name:$repo){issues(first:10){nodes{body}}}}","variables":{"owner":"octo","repo":"private-repo"}})");
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(twice.body.find("secret"), std::string::npos);
  // JSONP would turn the answer into a script a page can include.
  EXPECT_EQ(proxy.get("/search/issues?q=is:open&callback=steal").status, 400);
  EXPECT_EQ(proxy.get("/search/issues?q=repo:octo/public-repo&q=repo:octo/private-repo").status, 400);
  // A write's answer holds the resource written: the client gets a receipt, not a way to read.
  auto edit = http_request(proxy.port(), "PATCH", "/repos/octo/private-repo/issues/2", {}, "{}");
  EXPECT_EQ(edit.status, 200);
  EXPECT_EQ(edit.body,
            R"({"number":2,"html_url":"https://github.com/octo/private-repo/issues/2","state":"open"})");
  auto stranger = http_request(proxy.port(), "PATCH", "/repos/octo/public-repo/issues/3", {}, "{}");
  EXPECT_EQ(stranger.body.find("body 3"), std::string::npos) << stranger.body;
  EXPECT_EQ(http_request(proxy.port(), "SEARCH", "/repos/octo/private-repo/issues/2").status, 405);
  EXPECT_EQ(proxy.post("/GraphQL", R"({"query":"{viewer{login}}"})").status, 403);
  // Browsers are not served: a sandboxed frame's `Origin: null`, a <script> include.
  EXPECT_EQ(proxy.post("/repos/octo/private-repo/issues", R"({"title":"csrf"})", {{"Origin", "null"}}).status,
            403);
  EXPECT_EQ(proxy.get("/repos/octo/public-repo/issues", {{"Sec-Fetch-Dest", "script"}}).status, 403);
  // What users wrote under a repository is not labelled as the repository's contents.
  EXPECT_EQ(proxy.get("/repos/octo/public-repo/issues/comments").status, 403);
  EXPECT_EQ(proxy.get("/repos/octo/public-repo/issues/3/timeline").status, 403);
  // An escaped letter is routed as the letter GitHub reads.
  EXPECT_EQ(proxy.get("/repos/octo/priv%61te-repo/issues").body, "[]");
  // Aliases could select the items twice or name data as the author.
  auto alias = proxy.post(
      "/graphql",
      R"({"query":"{repository(owner:\"octo\",name:\"public-repo\"){issues(first:10){nodes{number} evil: nodes{body}}}}"})");
  EXPECT_EQ(alias.status, 403) << alias.body;
}

// A public workflow repository makes the policy read public repositories only (upstream's
// force-public-repos), asked of the API with the fallback token at startup; --force-public-repos=false keeps
// the policy.
TEST_F(Proxy, APublicWorkflowRepositoryForcesPublicRepos) {
  const std::string other = R"({"allow-only":{"repos":["octo/other"],"min-integrity":"approved"}})";
  {
    RunningProxy forced(dir, github, {"--policy", other}, {{"GITHUB_REPOSITORY", "octo/public-repo"}});
    ASSERT_TRUE(forced.ready()) << forced.child().err();
    EXPECT_EQ(numbers(forced.get("/repos/octo/public-repo/issues").body), (std::vector<int64_t>{1, 4, 5}));
    EXPECT_EQ(forced.get("/repos/octo/private-repo/issues").body, "[]");
    EXPECT_NE(read_log_when(dir.file("logs/proxy.log"), "FORCED REPOS=PUBLIC").find("FORCED REPOS=PUBLIC"),
              std::string::npos);
  }
  RunningProxy kept(dir, github, {"--policy", other, "--force-public-repos=false"},
                    {{"GITHUB_REPOSITORY", "octo/public-repo"}});
  ASSERT_TRUE(kept.ready()) << kept.child().err();
  EXPECT_EQ(kept.get("/repos/octo/public-repo/issues").body, "[]");  // octo/other only
}

// The enforcement mode: the guard's difc_mode ("filter" for the example guard), unless --guards-mode (or its
// variable) is given, which decides as it does in the gateway.
TEST_F(Proxy, GuardsModeGivenDecidesTheModeElseTheGuardDoes) {
  const std::string policy = R"({"allow-only":{"repos":"all","min-integrity":"none"}})";
  auto mode_of = [](RunningProxy& proxy) {
    auto doc = json::parse(proxy.get("/reflect").body);
    return doc ? json::string_or(*doc, "mode") : std::string("unreadable");
  };
  {
    RunningProxy guard_says(dir, github, {"--policy", policy});
    ASSERT_TRUE(guard_says.ready()) << guard_says.child().err();
    EXPECT_EQ(mode_of(guard_says), "filter");
  }
  {
    RunningProxy flag_says(dir, github, {"--policy", policy, "--guards-mode", "strict"});
    ASSERT_TRUE(flag_says.ready()) << flag_says.child().err();
    EXPECT_EQ(mode_of(flag_says), "strict");
  }
  RunningProxy env_says(dir, github, {"--policy", policy}, {{"MCP_GATEWAY_GUARDS_MODE", "propagate"}});
  ASSERT_TRUE(env_says.ready()) << env_says.child().err();
  EXPECT_EQ(mode_of(env_says), "propagate");
}

TEST_F(Proxy, TheTlsDirectoryMustBeTheProxysAlone) {
  ASSERT_EQ(::mkdir(dir.file("open").c_str(), 0777), 0);
  ASSERT_EQ(::chmod(dir.file("open").c_str(), 0777), 0);
  auto env = awmg_env(dir);
  auto r = run_awmg({"proxy", "--guard-wasm", kGuard, "--tls", "--tls-dir", dir.file("open"), "--log-dir",
                     dir.file("logs"), "--listen", "127.0.0.1:0"},
                    env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("writable by other users"), std::string::npos) << r.err;
}

// A hostile guard costs its reads, never their labels: a guard that traps and one that loops past its
// deadline get 502s, concurrent reads each end by their own deadline, and the proxy keeps serving.
TEST_F(Proxy, HostileGuardsFailClosed) {
  for (const char* hostile : {"oob", "loop"}) {
    const std::string guard = std::string(AWMG_GUARD_DIR) + "/" + hostile + ".wasm";
    RunningProxy proxy(dir, github, {"--policy", kPolicy, "--guard-wasm", guard},
                       {{"AWMG_PROXY_UPSTREAM_TIMEOUT", "2s"}});
    ASSERT_TRUE(proxy.ready()) << proxy.child().err();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> readers;
    std::vector<HttpReply> replies(3);
    for (auto& reply : replies)
      readers.emplace_back([&proxy, &reply] { reply = proxy.get("/repos/octo/public-repo/issues"); });
    for (auto& t : readers) t.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(12)) << hostile;
    for (const auto& reply : replies) {
      EXPECT_EQ(reply.status, 502) << hostile << ": " << reply.body;
      EXPECT_EQ(reply.body.find("stranger"), std::string::npos);
    }
    EXPECT_EQ(proxy.get("/health").status, 200);
  }
}

TEST_F(Proxy, StopsCleanlyOnSigterm) {
  RunningProxy proxy(dir, github, {"--policy", kPolicy});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  proxy.child().signal(SIGTERM);
  EXPECT_EQ(proxy.child().wait(std::chrono::seconds(10)), std::optional<int>(0));
  EXPECT_TRUE(file_exists(dir.file("logs/proxy.log")));
  EXPECT_TRUE(file_exists(dir.file("logs/gateway.md")));
}

TEST_F(Proxy, RefusesBadStartupInputNamingIt) {
  auto env = awmg_env(dir);
  auto sink = run_awmg({"proxy", "--guard-wasm", kGuard, "--policy", R"({"write-sink":{"accept":["*"]}})",
                        "--log-dir", dir.file("logs")},
                       env);
  EXPECT_EQ(sink.exit_code, 1);
  EXPECT_NE(sink.err.find("allow-only"), std::string::npos) << sink.err;
  auto mode =
      run_awmg({"proxy", "--guard-wasm", kGuard, "--guards-mode", "lax", "--log-dir", dir.file("logs")}, env);
  EXPECT_EQ(mode.exit_code, 1);
  EXPECT_NE(mode.err.find("--guards-mode"), std::string::npos) << mode.err;
  auto guard =
      run_awmg({"proxy", "--guard-wasm", dir.file("missing.wasm"), "--log-dir", dir.file("logs")}, env);
  EXPECT_EQ(guard.exit_code, 1);
  EXPECT_NE(guard.err.find("missing.wasm"), std::string::npos) << guard.err;
}

// Debian's gh, pointed at the proxy over --tls with the generated CA.
TEST_F(Proxy, RealGhCliAndCurlWorkThroughTlsWithTheGeneratedCa) {
  if (!file_exists("/usr/bin/gh"))
    GTEST_SKIP() << "gh is not installed (scripts/install-deps.sh installs it)";
  RunningProxy proxy(dir, github, {"--policy", kPolicy, "--tls", "--tls-dir", dir.file("tls")});
  ASSERT_TRUE(proxy.ready()) << proxy.child().err();
  const std::string ca = dir.file("tls/ca.crt");
  EXPECT_NE(proxy.child().err().find("export SSL_CERT_FILE=" + ca), std::string::npos) << proxy.child().err();
  struct stat key {};
  ASSERT_EQ(::stat(dir.file("tls/server.key").c_str(), &key), 0);
  EXPECT_EQ(key.st_mode & 0777, 0600u);
  EXPECT_NE(read_text(dir.file("tls/server.key")).find("BEGIN EC PRIVATE KEY"), std::string::npos);
  const std::string host = "localhost:" + std::to_string(proxy.port());
  auto curl =
      run({"/usr/bin/curl", "-s", "--cacert", ca, "https://" + host + "/repos/octo/public-repo/issues"});
  EXPECT_EQ(numbers(curl.out), (std::vector<int64_t>{1, 4, 5})) << curl.out << curl.err;
  ProcessOptions env;
  env.env = {{"GH_HOST", host},           {"GH_ENTERPRISE_TOKEN", "ghp_client"},
             {"SSL_CERT_FILE", ca},       {"HOME", dir.file("home")},
             {"TMPDIR", dir.path()},      {"GH_NO_UPDATE_NOTIFIER", "1"},
             {"GH_PROMPT_DISABLED", "1"}, {"NO_COLOR", "1"}};
  env.unset_env = {"GH_TOKEN", "GITHUB_TOKEN"};
  auto gh = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/gh");
    return run(args, env, std::chrono::seconds(30));
  };
  auto api = gh({"api", "repos/octo/public-repo/issues"});
  EXPECT_EQ(api.exit_code, 0) << api.err;
  EXPECT_EQ(numbers(api.out), (std::vector<int64_t>{1, 4, 5})) << api.out;
  auto list = gh({"issue", "list", "-R", "octo/public-repo"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("issue 4 of octo/public-repo"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("issue 3 of"), std::string::npos) << list.out;
  auto view = gh({"issue", "view", "1", "-R", "octo/public-repo"});
  EXPECT_EQ(view.exit_code, 0) << view.err;
  EXPECT_NE(view.out.find("issue 1 of octo/public-repo"), std::string::npos) << view.out;
  auto hidden = gh({"issue", "view", "3", "-R", "octo/public-repo"});
  EXPECT_NE(hidden.exit_code, 0);
  auto secret = gh({"issue", "list", "-R", "octo/private-repo"});
  EXPECT_EQ(secret.out.find("secret"), std::string::npos) << secret.out;
  auto prs = gh({"pr", "list", "-R", "octo/public-repo"});
  EXPECT_EQ(prs.exit_code, 0) << prs.err;
  auto repos = gh({"search", "repos", "repo"});
  EXPECT_EQ(repos.exit_code, 0) << repos.err;
  EXPECT_NE(repos.out.find("octo/public-repo"), std::string::npos) << repos.out;
  EXPECT_EQ(repos.out.find("octo/private-repo"), std::string::npos) << repos.out;
  auto viewer = gh({"api", "graphql", "-f", "query=query { viewer { login } }"});
  EXPECT_EQ(viewer.exit_code, 0) << viewer.err;
  EXPECT_NE(viewer.out.find("octocat"), std::string::npos);
}

}  // namespace
}  // namespace awmg::test
