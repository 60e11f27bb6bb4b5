#pragma once
#include "async/awaitable.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace awmg::github {

// The GitHub token the gateway itself uses for GitHub's REST API: the first set of GITHUB_MCP_SERVER_TOKEN,
// GITHUB_TOKEN, GITHUB_PERSONAL_ACCESS_TOKEN and GH_TOKEN; "" when none is.
std::string token_from_environment();

// The REST API base, without a trailing slash: GITHUB_API_URL, else derived from GITHUB_SERVER_URL
// (api_base_for_server), else https://api.github.com.
std::string api_base_from_environment();
// The REST API base of a GitHub server: github.com (and www.): https://api.github.com; <tenant>.ghe.com:
// <scheme>://api.<tenant>.ghe.com[:port] (unchanged when the host already begins with api.); any other
// server (GitHub Enterprise Server): <server>/api/v3. https://api.github.com when `server_url` is no URL.
std::string api_base_for_server(const std::string& server_url);

// Where and as whom the host asks GitHub's REST API.
struct Api {
  std::string base;   // without a trailing slash
  std::string token;  // "" when there is none
  static Api from_environment() { return Api{api_base_from_environment(), token_from_environment()}; }
};

// GET <api.base><path_and_query> with the token, read whole within `limit` bytes and the deadline.
struct Answer {
  unsigned status = 0;
  std::string body;
};
boost::asio::awaitable<Result<Answer>> get(const Api& api, const std::string& path_and_query,
                                           const std::chrono::steady_clock::time_point& deadline,
                                           const size_t& limit);

// Whether `segment` may stand as one segment of a REST path: a login, an owner or a repository name (letters,
// digits, '-', '_', '.', not "." or ".."), so no argument can steer the request to another endpoint.
bool safe_path_segment(const std::string& segment);

// GET <api>/repos/{owner}/{repo}/collaborators/{username}/permission with the api's token, its answer as MCP
// result text: {"content":[{"type":"text","text":<body>}]}. An error for unsafe arguments, a missing token,
// HTTP status 400 or more, an answer over kMaxAnswerBytes, or the deadline.
inline constexpr size_t kMaxAnswerBytes = 1 << 20;
boost::asio::awaitable<Result<std::string>> collaborator_permission(
    const Api& api, const std::string& owner, const std::string& repo, const std::string& username,
    const std::chrono::steady_clock::time_point& deadline);

// Collaborator permissions already asked, per owner/repo:user (lower-cased), for `ttl`: a guard labelling a
// list asks for the same authors again and again. At most kMaxEntries; the oldest go first. Thread-safe.
class PermissionCache {
 public:
  static constexpr size_t kMaxEntries = 4096;
  explicit PermissionCache(std::chrono::seconds ttl = std::chrono::minutes(10)) : ttl_(ttl) {}
  std::optional<std::string> find(const std::string& owner, const std::string& repo, const std::string& user);
  void store(const std::string& owner, const std::string& repo, const std::string& user, std::string answer);

 private:
  struct Entry {
    std::string answer;
    std::chrono::steady_clock::time_point stored;
  };
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

// Whether the workflow's repository (GITHUB_REPOSITORY) is public: GET <api>/repos/{GITHUB_REPOSITORY} with
// the api's token (its `visibility`, else its `private`), bounded by `timeout`; runs its own event loop (for
// startup). std::nullopt when there is nothing to ask (no GITHUB_REPOSITORY or no token); an error when the
// answer did not say.
Result<std::optional<bool>> workflow_repository_public(const Api& api, std::chrono::milliseconds timeout);

}  // namespace awmg::github
