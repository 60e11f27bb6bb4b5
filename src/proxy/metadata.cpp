#include "proxy/metadata.hpp"

#include "async/awaitable.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include <cctype>
#include <future>

#include "json/json.hpp"

namespace awmg::proxy {
namespace {

namespace asio = boost::asio;

constexpr size_t kMaxAnswer = 4u << 20;

// A string or whole-number argument as text; "" when absent or of another type.
std::string text_arg(const json::Value& args, const char* name) {
  const json::Value* v = json::member(args, name);
  if (!v) return "";
  if (v->IsString()) return v->GetString();
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  return "";
}

bool digits(const std::string& text) {
  return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string::npos;
}

std::string percent_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The repository a `repo:owner/name` search names alone ("" for any other search). Guards look repositories
// up this way; GET /repos/{owner}/{name} answers it on the core rate limit (search has its own, small one,
// which an agent could spend to make the lookups fail) and sees the token's private repositories too.
std::string single_repository(const std::string& query) {
  if (query.rfind("repo:", 0) != 0) return "";
  std::string name = query.substr(5);
  auto slash = name.find('/');
  if (slash == std::string::npos || !github::safe_path_segment(name.substr(0, slash)) ||
      !github::safe_path_segment(name.substr(slash + 1)))
    return "";
  return name;
}

std::string mcp_text(const std::string& body) {
  return R"({"content":[{"type":"text","text":)" + json::quote(body) + "}]}";
}

struct Call {
  github::Api api;
  github::PermissionCache& permissions;
  std::string tool, path, owner, repo, user;
  std::chrono::steady_clock::time_point deadline;
  std::promise<Result<std::string>> done;

  asio::awaitable<void> run() {
    if (tool == "get_collaborator_permission") {
      if (auto known = permissions.find(owner, repo, user)) {
        done.set_value(*known);
        co_return;
      }
      auto answer = co_await github::collaborator_permission(api, owner, repo, user, deadline);
      if (answer) permissions.store(owner, repo, user, *answer);
      done.set_value(std::move(answer));
      co_return;
    }
    const size_t limit = kMaxAnswer;
    auto answer = co_await github::get(api, path, deadline, limit);
    if (answer && tool == "search_repositories" && path.rfind("/repos/", 0) == 0) {
      // answered as the search it stands for: the repository, or nothing when the token cannot see it
      if (answer->status == 404) answer->body = "null";
      if (answer->status == 404 || answer->status < 300) {
        answer->status = 200;
        const bool found = answer->body != "null";
        answer->body = R"({"total_count":)" + std::string(found ? "1" : "0") +
                       R"(,"incomplete_results":false,"items":[)" + (found ? answer->body : "") + "]}";
      }
    }
    if (!answer) {
      done.set_value(answer.error());
    } else if (answer->status >= 400) {
      done.set_value(Error{"GitHub API: HTTP " + std::to_string(answer->status)});
    } else {
      done.set_value(mcp_text(answer->body));
    }
  }
};

}  // namespace

Result<std::string> RestMetadata::path_of(const std::string& tool, const std::string& args_json) {
  auto args = json::parse(args_json);
  if (!args || !args->IsObject()) return Error{tool + " takes an arguments object"};
  const std::string owner = text_arg(*args, "owner"), repo = text_arg(*args, "repo");
  auto repository = [&]() -> Result<std::string> {
    if (!github::safe_path_segment(owner) || !github::safe_path_segment(repo))
      return Error{tool + " needs owner and repo that are GitHub names"};
    return "/repos/" + owner + "/" + repo;
  };
  if (tool == "pull_request_read" || tool == "issue_read") {
    const std::string number = text_arg(*args, tool == "issue_read" ? "issue_number" : "pullNumber");
    if (!digits(number)) return Error{tool + " needs a number"};
    AWMG_TRY(std::string base, repository());
    return base + (tool == "issue_read" ? "/issues/" : "/pulls/") + number;
  }
  if (tool == "search_repositories") {
    const std::string query = text_arg(*args, "query");
    if (query.empty()) return Error{"search_repositories needs a query"};
    if (std::string one = single_repository(query); !one.empty()) return "/repos/" + one;
    std::string per_page = text_arg(*args, "perPage");
    if (!digits(per_page) || per_page.size() > 3) per_page = "10";
    return "/search/repositories?q=" + percent_encode(query) + "&per_page=" + per_page;
  }
  if (tool == "get_collaborator_permission") {
    const std::string user = text_arg(*args, "username");
    if (!github::safe_path_segment(user)) return Error{tool + " needs a username that is a GitHub login"};
    AWMG_TRY(std::string base, repository());
    return base + "/collaborators/" + user + "/permission";
  }
  return Error{"the proxy answers no backend tool " + tool};
}

Result<std::string> RestMetadata::call_tool(const std::string& tool, const std::string& args_json,
                                            std::chrono::steady_clock::time_point deadline) {
  AWMG_TRY(std::string path, path_of(tool, args_json));
  auto args = json::parse(args_json);
  auto call = std::make_shared<Call>(Call{api_,
                                          permissions_,
                                          tool,
                                          path,
                                          text_arg(*args, "owner"),
                                          text_arg(*args, "repo"),
                                          text_arg(*args, "username"),
                                          deadline,
                                          {}});
  auto result = call->done.get_future();
  asio::co_spawn(
      asio::make_strand(io_), [call] { return call->run(); }, asio::detached);
  // Woken in slices so that shutdown, which stops the guard, never waits for a request's deadline.
  while (result.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (stopping_.load()) return Error{"backend call " + tool + " abandoned: shutting down"};
    if (std::chrono::steady_clock::now() >= deadline)
      return Error{"backend call " + tool + " passed the call deadline"};
  }
  return result.get();
}

}  // namespace awmg::proxy
