// Guard assignment at startup by the workflow repository's visibility: force-public-repos and the visibility
// of write-sinks, against a GitHub REST API on loopback.
#include <gtest/gtest.h>

#include "gateway/guards.hpp"
#include "support/scoped_env.hpp"
#include "support/scripted_backend.hpp"

namespace awmg::gateway {
namespace {

constexpr const char* kOctoPolicy = R"({"allow-only":{"repos":["octo/*"],"min-integrity":"none"}})";
constexpr const char* kSinkPolicy = R"({"write-sink":{"accept":["private:octo/x"]}})";

config::ServerConfig server(const std::string& id, const std::string& policies = "") {
  config::ServerConfig s;
  s.id = id;
  s.guard_policies_json = policies;
  return s;
}

struct Startup {
  test::ScriptedBackend api;
  test::ScopedEnv env;
  config::Config config;
  config::Settings settings;
  explicit Startup(const std::string& repository) {
    env.set("GITHUB_API_URL", api.base_url())
        .set("GITHUB_MCP_SERVER_TOKEN", "rest-token")
        .set("GITHUB_REPOSITORY", repository)
        .unset("MCP_GATEWAY_WASM_GUARDS_DIR");
    config.servers = {
        server("gh", kOctoPolicy), server("plain"),
        server("sink", R"({"write-sink":{"accept":["private:octo/x"],"sink-visibility":"private"}})"),
        server("out", kSinkPolicy), server("safeoutputs", kSinkPolicy)};
  }
  std::unique_ptr<Guards> start() {
    auto guards = Guards::create(config, settings);
    EXPECT_TRUE(guards) << guards.error().message;
    return guards ? std::move(*guards) : nullptr;
  }
};

std::string sink_description(Guards& guards, const std::string& id) {
  auto labels = guards.for_server(id).guard->label_resource(
      "create_issue", "{}", nullptr, std::chrono::steady_clock::now() + std::chrono::seconds(1));
  return labels ? labels->resource.description : labels.error().message;
}

TEST(GuardStartup, APublicWorkflowRepositoryForcesPublicReposAndPublicSinks) {
  Startup s("octo/public-repo");
  auto guards = s.start();
  ASSERT_TRUE(guards);
  EXPECT_NE(guards->for_server("gh").payload.find(R"("repos":"public")"), std::string::npos)
      << guards->for_server("gh").payload;
  EXPECT_NE(guards->for_server("plain").payload.find(R"("repos":"public")"), std::string::npos);
  EXPECT_TRUE(guards->enabled());
  EXPECT_EQ(sink_description(*guards, "sink"), "write-sink:public (create_issue)");  // private overridden
  EXPECT_EQ(sink_description(*guards, "safeoutputs"), "write-sink:public (create_issue)");
  EXPECT_TRUE(s.api.wait_for("GET /repos/octo/public-repo", 1000));
}

TEST(GuardStartup, APrivateWorkflowRepositoryKeepsPoliciesAndExemptSinks) {
  Startup s("octo/private-repo");
  s.config.gateway.sink_visibility_exempt_servers = {"out"};
  auto guards = s.start();
  ASSERT_TRUE(guards);
  EXPECT_NE(guards->for_server("gh").payload.find(R"("repos":["octo/*"])"), std::string::npos)
      << guards->for_server("gh").payload;
  EXPECT_EQ(guards->for_server("plain").payload, "");
  EXPECT_EQ(sink_description(*guards, "sink"), "write-sink (create_issue)");
  EXPECT_EQ(sink_description(*guards, "out"), "write-sink (create_issue)");  // exempt: not made public
  EXPECT_EQ(sink_description(*guards, "safeoutputs"), "write-sink (create_issue)");
}

TEST(GuardStartup, ANonExemptSinkWithoutVisibilityIsPublic) {
  Startup s("octo/private-repo");
  auto guards = s.start();
  ASSERT_TRUE(guards);
  EXPECT_EQ(sink_description(*guards, "out"), "write-sink:public (create_issue)");
}

TEST(GuardStartup, AVisibilityProbeWithoutAnAnswerCountsAsPublic) {
  Startup s("octo/broken");  // the API answers 500
  auto guards = s.start();
  ASSERT_TRUE(guards);
  EXPECT_NE(guards->for_server("gh").payload.find(R"("repos":"public")"), std::string::npos);
}

TEST(GuardStartup, ForcePublicReposOffLeavesPoliciesAsConfigured) {
  Startup s("octo/old-public-repo");
  s.settings.force_public_repos = false;
  auto guards = s.start();
  ASSERT_TRUE(guards);
  EXPECT_NE(guards->for_server("gh").payload.find(R"("repos":["octo/*"])"), std::string::npos);
  EXPECT_EQ(guards->for_server("plain").payload, "");
  // Exempt (force-public-repos off): an unset visibility stays unset.
  EXPECT_EQ(sink_description(*guards, "out"), "write-sink (create_issue)");
}

TEST(GuardStartup, NoRepositoryOrNoTokenAsksNothing) {
  Startup s("octo/public-repo");
  s.env.unset("GITHUB_REPOSITORY");
  auto guards = s.start();
  ASSERT_TRUE(guards);
  EXPECT_NE(guards->for_server("gh").payload.find(R"("repos":["octo/*"])"), std::string::npos);
  EXPECT_FALSE(s.api.wait_for("GET /repos/", 100));
}

}  // namespace
}  // namespace awmg::gateway
