#include "github/rest.hpp"

#include <cstdlib>

#include "base/strings.hpp"
#include "http/client.hpp"
#include "json/json.hpp"

namespace awmg::github {

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(base::trim(value)) : "";
}

std::string without_trailing_slash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace

std::string token_from_environment() {
  for (const char* name :
       {"GITHUB_MCP_SERVER_TOKEN", "GITHUB_TOKEN", "GITHUB_PERSONAL_ACCESS_TOKEN", "GH_TOKEN"}) {
    std::string value = environment(name);
    if (!value.empty()) return value;
  }
  return "";
}

std::string api_base_from_environment() {
  std::string api = without_trailing_slash(environment("GITHUB_API_URL"));
  if (!api.empty()) return api;
  std::string server = without_trailing_slash(environment("GITHUB_SERVER_URL"));
  if (server.empty()) return "https://api.github.com";
  auto url = http::Url::parse(server);
  if (!url) return "https://api.github.com";
  std::string scheme = url->tls ? "https://" : "http://";
  if (url->host == "github.com" || url->host == "www.github.com") return "https://api.github.com";
  if (base::ends_with(url->host, ".ghe.com")) return scheme + "api." + url->host;
  return server + "/api/v3";
}

bool safe_path_segment(const std::string& segment) {
  if (segment.empty() || segment.size() > 100 || segment == "." || segment == "..") return false;
  for (char c : segment) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

boost::asio::awaitable<Result<std::string>> collaborator_permission(
    const std::string& owner, const std::string& repo, const std::string& username,
    const std::chrono::steady_clock::time_point& deadline) {
  if (!safe_path_segment(owner) || !safe_path_segment(repo) || !safe_path_segment(username))
    co_return Error{"get_collaborator_permission needs owner, repo and username that are GitHub names"};
  std::string token = token_from_environment();
  if (token.empty())
    co_return Error{
        "get_collaborator_permission needs a GitHub token (GITHUB_MCP_SERVER_TOKEN, GITHUB_TOKEN, "
        "GITHUB_PERSONAL_ACCESS_TOKEN or GH_TOKEN)"};
  auto url = http::Url::parse(api_base_from_environment() + "/repos/" + owner + "/" + repo +
                              "/collaborators/" + username + "/permission");
  if (!url) co_return Error{"the GitHub API URL is not valid: " + url.error().message};
  const std::map<std::string, std::string> headers{{"Authorization", "token " + token},
                                                   {"Accept", "application/vnd.github+json"}};
  const size_t limit = kMaxAnswerBytes;
  auto fetched = co_await http::fetch(*url, headers, deadline, limit);
  if (!fetched) co_return Error{"GitHub API: " + fetched.error().message};
  if (fetched->status >= 400) co_return Error{"GitHub API: HTTP " + std::to_string(fetched->status)};
  co_return R"({"content":[{"type":"text","text":)" + json::quote(fetched->body) + "}]}";
}

}  // namespace awmg::github
