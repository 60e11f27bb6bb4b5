#pragma once
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <string>

#include "github/rest.hpp"
#include "guard/backend_caller.hpp"

namespace awmg::proxy {

// env.call_backend in proxy mode, where there is no MCP server behind the guard: its metadata tools answered
// by GitHub's REST API as the GitHub MCP server would (the JSON body as the text of an MCP result).
// pull_request_read: GET /repos/{o}/{r}/pulls/{pullNumber}; issue_read: /repos/{o}/{r}/issues/{issue_number};
// search_repositories: /search/repositories?q={query}&per_page={perPage, 10}, and `repo:o/r` alone as
// /repos/o/r answered in the search's shape; get_collaborator_permission:
// /repos/{o}/{r}/collaborators/{username}/permission (answers kept in `permissions`). Any other tool, an
// argument that is not a GitHub name or number, and HTTP 400 or more are errors. Called on a guard's worker
// thread; the request runs on `io`.
class RestMetadata : public guard::BackendCaller {
 public:
  RestMetadata(boost::asio::io_context& io, github::Api api, github::PermissionCache& permissions,
               const std::atomic<bool>& stopping)
      : io_(io), api_(std::move(api)), permissions_(permissions), stopping_(stopping) {}
  Result<std::string> call_tool(const std::string& tool, const std::string& args_json,
                                std::chrono::steady_clock::time_point deadline) override;

  // The REST path a metadata tool reads; an error for an unsupported tool or unsafe arguments.
  static Result<std::string> path_of(const std::string& tool, const std::string& args_json);

 private:
  boost::asio::io_context& io_;
  github::Api api_;
  github::PermissionCache& permissions_;
  const std::atomic<bool>& stopping_;
};

}  // namespace awmg::proxy
