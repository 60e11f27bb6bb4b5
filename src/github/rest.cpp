#include "github/rest.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
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
  std::string server = environment("GITHUB_SERVER_URL");
  return server.empty() ? "https://api.github.com" : api_base_for_server(server);
}

std::string api_base_for_server(const std::string& server_url) {
  std::string server = without_trailing_slash(server_url);
  auto url = http::Url::parse(server);
  if (!url) return "https://api.github.com";
  std::string scheme = url->tls ? "https://" : "http://";
  std::string host = base::to_lower(url->host);
  if (host == "github.com" || host == "www.github.com") return "https://api.github.com";
  if (base::ends_with(host, ".ghe.com")) {
    std::string port = url->port == (url->tls ? "443" : "80") ? "" : ":" + url->port;
    return scheme + (base::starts_with(host, "api.") ? "" : "api.") + host + port;
  }
  return server + "/api/v3";
}

namespace {

std::string permission_key(const std::string& owner, const std::string& repo, const std::string& user) {
  return base::to_lower(owner + "/" + repo + ":" + user);
}

}  // namespace

std::optional<std::string> PermissionCache::find(const std::string& owner, const std::string& repo,
                                                 const std::string& user) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(permission_key(owner, repo, user));
  if (it == entries_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() - it->second.stored > ttl_) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.answer;
}

void PermissionCache::store(const std::string& owner, const std::string& repo, const std::string& user,
                            std::string answer) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.stored < b.second.stored;
    });
    entries_.erase(oldest);
  }
  entries_[permission_key(owner, repo, user)] = Entry{std::move(answer), std::chrono::steady_clock::now()};
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

namespace {

// The body of a 2xx answer to GET <api><path> that is a JSON object, within the size cap and the deadline.
boost::asio::awaitable<Result<std::string>> get_object(
    const Api& api, const std::string& path, const std::chrono::steady_clock::time_point& deadline) {
  const size_t limit = kMaxAnswerBytes;
  auto answer = co_await get(api, path, deadline, limit);
  if (!answer) co_return answer.error();
  if (answer->status < 200 || answer->status >= 300 || answer->status == 204)
    co_return Error{"GitHub API: HTTP " + std::to_string(answer->status)};
  auto doc = json::parse(answer->body);
  if (!doc || !doc->IsObject()) co_return Error{"GitHub API: the answer is not a JSON object"};
  co_return std::move(answer->body);
}

}  // namespace

boost::asio::awaitable<Result<Answer>> get(const Api& api, const std::string& path_and_query,
                                           const std::chrono::steady_clock::time_point& deadline,
                                           const size_t& limit) {
  auto url = http::Url::parse(api.base + path_and_query);
  if (!url) co_return Error{"the GitHub API URL is not valid: " + url.error().message};
  std::map<std::string, std::string> headers{{"Accept", "application/vnd.github+json"}};
  if (!api.token.empty()) headers["Authorization"] = "token " + api.token;
  auto fetched = co_await http::fetch(*url, headers, deadline, limit);
  if (!fetched) co_return Error{"GitHub API: " + fetched.error().message};
  co_return Answer{fetched->status, std::move(fetched->body)};
}

boost::asio::awaitable<Result<std::string>> collaborator_permission(
    const Api& api, const std::string& owner, const std::string& repo, const std::string& username,
    const std::chrono::steady_clock::time_point& deadline) {
  if (!safe_path_segment(owner) || !safe_path_segment(repo) || !safe_path_segment(username))
    co_return Error{"get_collaborator_permission needs owner, repo and username that are GitHub names"};
  if (api.token.empty())
    co_return Error{
        "get_collaborator_permission needs a GitHub token (GITHUB_MCP_SERVER_TOKEN, GITHUB_TOKEN, "
        "GITHUB_PERSONAL_ACCESS_TOKEN or GH_TOKEN)"};
  const std::string path = "/repos/" + owner + "/" + repo + "/collaborators/" + username + "/permission";
  auto body = co_await get_object(api, path, deadline);
  if (!body) co_return body.error();
  co_return R"({"content":[{"type":"text","text":)" + json::quote(*body) + "}]}";
}

namespace {

boost::asio::awaitable<Result<bool>> repository_public(
    const Api& api, const std::string& repository, const std::chrono::steady_clock::time_point& deadline) {
  const std::string path = "/repos/" + repository;
  auto body = co_await get_object(api, path, deadline);
  if (!body) co_return body.error();
  auto doc = json::parse(*body);
  std::string visibility = base::to_lower(json::string_or(*doc, "visibility"));
  if (!visibility.empty()) co_return visibility == "public";
  const json::Value* is_private = json::member(*doc, "private");
  if (is_private && is_private->IsBool()) co_return !is_private->GetBool();
  co_return Error{"GitHub API: the answer names no visibility"};
}

boost::asio::awaitable<void> repository_public_into(Result<bool>& out, const Api& api,
                                                    const std::string& repository,
                                                    const std::chrono::steady_clock::time_point& deadline) {
  auto answer = co_await repository_public(api, repository, deadline);
  out = std::move(answer);
}

}  // namespace

Result<std::optional<bool>> workflow_repository_public(const Api& api, std::chrono::milliseconds timeout) {
  std::string repository = environment("GITHUB_REPOSITORY");
  if (repository.empty() || api.token.empty()) return std::optional<bool>();
  auto slash = repository.find('/');
  if (slash == std::string::npos || !safe_path_segment(repository.substr(0, slash)) ||
      !safe_path_segment(repository.substr(slash + 1)))
    return Error{"GITHUB_REPOSITORY is not owner/repo: " + repository};
  boost::asio::io_context io;
  Result<bool> answer = Error{"the visibility probe did not run"};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  boost::asio::co_spawn(
      io, [&] { return repository_public_into(answer, api, repository, deadline); }, boost::asio::detached);
  io.run();
  if (!answer) return answer.error();
  return std::optional<bool>(*answer);
}

}  // namespace awmg::github
