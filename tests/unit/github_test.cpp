// GitHub's REST API as the gateway calls it for guards: where, with which token, and what it refuses.
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "github/rest.hpp"
#include "support/scoped_env.hpp"
#include "support/scripted_backend.hpp"

namespace awmg::github {
namespace {

Result<std::string> permission(const std::string& owner, const std::string& repo, const std::string& user) {
  boost::asio::io_context io;
  Result<std::string> out = Error{"not run"};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const Api api = Api::from_environment();
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        out = co_await collaborator_permission(api, owner, repo, user, deadline);
      },
      [](std::exception_ptr) {});
  io.run();
  return out;
}

TEST(GitHubRest, ApiBaseAndTokenComeFromTheEnvironmentInUpstreamsOrder) {
  test::ScopedEnv env;
  env.unset("GITHUB_API_URL").unset("GITHUB_SERVER_URL");
  EXPECT_EQ(api_base_from_environment(), "https://api.github.com");
  env.set("GITHUB_SERVER_URL", "https://octo.ghe.com/");
  EXPECT_EQ(api_base_from_environment(), "https://api.octo.ghe.com");
  env.set("GITHUB_SERVER_URL", "https://github.example.com");
  EXPECT_EQ(api_base_from_environment(), "https://github.example.com/api/v3");
  env.set("GITHUB_API_URL", "http://127.0.0.1:9/api//");
  EXPECT_EQ(api_base_from_environment(), "http://127.0.0.1:9/api");
  env.unset("GITHUB_MCP_SERVER_TOKEN")
      .unset("GITHUB_TOKEN")
      .unset("GITHUB_PERSONAL_ACCESS_TOKEN")
      .set("GH_TOKEN", "gh");
  EXPECT_EQ(token_from_environment(), "gh");
  env.set("GITHUB_TOKEN", "gt");
  EXPECT_EQ(token_from_environment(), "gt");
  env.set("GITHUB_MCP_SERVER_TOKEN", "mcp");
  EXPECT_EQ(token_from_environment(), "mcp");
}

TEST(GitHubRest, CollaboratorPermissionIsAskedOfTheRestApiWithTheToken) {
  test::ScriptedBackend api;
  test::ScopedEnv env;
  env.set("GITHUB_API_URL", api.base_url()).set("GITHUB_MCP_SERVER_TOKEN", "rest-token");
  auto answer = permission("octo", "hello.world", "alice");
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_NE(answer->find(R"(\"permission\":\"admin\")"), std::string::npos) << *answer;
  EXPECT_EQ(answer->rfind(R"({"content":[{"type":"text","text":)", 0), 0u);
  EXPECT_TRUE(api.wait_for("GET /repos/octo/hello.world/collaborators/alice/permission", 1000));
  EXPECT_FALSE(permission("octo", "hello", "nobody"));  // HTTP 404
  // Arguments that would steer the request elsewhere never reach the API.
  for (const char* bad : {"../../users", "a/b", "a?x=1", "..", "", "a%2fb"}) {
    auto refused = permission("octo", bad, "alice");
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("GitHub names"), std::string::npos);
  }
  env.unset("GITHUB_MCP_SERVER_TOKEN")
      .unset("GITHUB_TOKEN")
      .unset("GITHUB_PERSONAL_ACCESS_TOKEN")
      .unset("GH_TOKEN");
  auto no_token = permission("octo", "hello", "alice");
  ASSERT_FALSE(no_token);
  EXPECT_NE(no_token.error().message.find("needs a GitHub token"), std::string::npos);
  env.set("GITHUB_TOKEN", "wrong");
  EXPECT_FALSE(permission("octo", "hello", "alice"));  // HTTP 401
}

TEST(GitHubRest, PermissionsAreCachedByCaseInsensitiveKeyForAWhile) {
  PermissionCache cache(std::chrono::seconds(1));
  EXPECT_EQ(cache.find("Octo", "Hello", "Alice"), std::nullopt);
  cache.store("octo", "hello", "alice", "admin-answer");
  EXPECT_EQ(cache.find("Octo", "Hello", "ALICE"), "admin-answer");
  EXPECT_EQ(cache.find("octo", "hello", "bob"), std::nullopt);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(cache.find("octo", "hello", "alice"), std::nullopt);  // expired
  for (size_t i = 0; i < PermissionCache::kMaxEntries + 10; ++i)
    cache.store("o", "r", std::to_string(i), "x");
  EXPECT_EQ(cache.find("o", "r", "0"), std::nullopt);  // the oldest went first
  EXPECT_EQ(cache.find("o", "r", std::to_string(PermissionCache::kMaxEntries + 9)), "x");
}

TEST(GitHubRest, TheWorkflowRepositorysVisibility) {
  test::ScriptedBackend api;
  test::ScopedEnv env;
  env.set("GITHUB_API_URL", api.base_url()).set("GITHUB_MCP_SERVER_TOKEN", "rest-token");
  const auto timeout = std::chrono::seconds(5);
  env.set("GITHUB_REPOSITORY", "octo/public-repo");
  EXPECT_EQ(workflow_repository_public(Api::from_environment(), timeout).value(), std::optional<bool>(true));
  env.set("GITHUB_REPOSITORY", "octo/old-public-repo");  // no `visibility`: `private` decides
  EXPECT_EQ(workflow_repository_public(Api::from_environment(), timeout).value(), std::optional<bool>(true));
  env.set("GITHUB_REPOSITORY", "octo/private-repo");
  EXPECT_EQ(workflow_repository_public(Api::from_environment(), timeout).value(), std::optional<bool>(false));
  env.set("GITHUB_REPOSITORY", "octo/broken");
  EXPECT_FALSE(workflow_repository_public(Api::from_environment(), timeout));
  env.set("GITHUB_REPOSITORY", "octo/../../x");
  EXPECT_FALSE(workflow_repository_public(Api::from_environment(), timeout));
  env.unset("GITHUB_REPOSITORY");
  EXPECT_EQ(workflow_repository_public(Api::from_environment(), timeout).value(), std::nullopt);
}

}  // namespace
}  // namespace awmg::github
