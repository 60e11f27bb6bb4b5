#include "proxy/routes.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <memory>
#include <vector>

#include "base/strings.hpp"

namespace awmg::proxy {
namespace {

// One row of the route table: a pattern matched against the whole path, the tool, the argument each
// capture fills (nullptr: dropped), and a fixed `method` argument when the tool takes one.
struct RouteRow {
  const char* pattern;
  const char* tool;
  const char* method;
  const char* captures[4];
};

#define REPO "/repos/([^/]+)/([^/]+)"
constexpr const char* O = "owner";
constexpr const char* R = "repo";

// First match wins: specific paths before the repository catch-all.
const RouteRow kRoutes[] = {
    {REPO "/issues/(\\d+)/comments", "issue_read", "get_comments", {O, R, "issue_number"}},
    {REPO "/issues/(\\d+)/labels", "issue_read", "get_labels", {O, R, "issue_number"}},
    {REPO "/issues/(\\d+)", "issue_read", nullptr, {O, R, "issue_number"}},
    {REPO "/issues", "list_issues", nullptr, {O, R}},
    {REPO "/pulls/(\\d+)/files", "pull_request_read", "get_files", {O, R, "pullNumber"}},
    {REPO "/pulls/(\\d+)/reviews", "pull_request_read", "get_reviews", {O, R, "pullNumber"}},
    {REPO "/pulls/(\\d+)/comments", "pull_request_read", "get_review_comments", {O, R, "pullNumber"}},
    {REPO "/pulls/(\\d+)/commits", "pull_request_read", "get_commits", {O, R, "pullNumber"}},
    {REPO "/pulls/(\\d+)", "pull_request_read", "get", {O, R, "pullNumber"}},
    {REPO "/pulls", "list_pull_requests", nullptr, {O, R}},
    {REPO "/commits/([^/]+)/check-(?:runs|suites)", "pull_request_read", "get_check_runs", {O, R, "sha"}},
    {REPO "/commits/([^/]+)", "get_commit", nullptr, {O, R, "sha"}},
    {REPO "/commits", "list_commits", nullptr, {O, R}},
    {REPO "/branches", "list_branches", nullptr, {O, R}},
    {REPO "/git/ref/tags/(.+)", "get_tag", nullptr, {O, R, "tag"}},
    {REPO "/tags", "list_tags", nullptr, {O, R}},
    {REPO "/releases/latest", "get_latest_release", nullptr, {O, R}},
    {REPO "/releases/tags/(.+)", "get_release_by_tag", nullptr, {O, R, "tag"}},
    {REPO "/releases", "list_releases", nullptr, {O, R}},
    {REPO "/contents/(.+)", "get_file_contents", nullptr, {O, R, "path"}},
    {REPO "/git/trees/(.+)", "get_file_contents", nullptr, {O, R, "path"}},
    {REPO "/labels/(.+)", "get_label", nullptr, {O, R, "name"}},
    {REPO "/labels", "list_labels", nullptr, {O, R}},
    {REPO "/actions/workflows", "actions_list", "list_workflows", {O, R}},
    {REPO "/actions/workflows/([^/]+)/runs", "actions_list", "list_workflow_runs", {O, R, "resource_id"}},
    {REPO "/actions/workflows/([^/]+)", "actions_get", "get_workflow", {O, R, "resource_id"}},
    {REPO "/actions/runs/(\\d+)/attempts/(\\d+)/jobs",
     "actions_list",
     "list_workflow_jobs",
     {O, R, "resource_id", nullptr}},
    {REPO "/actions/runs/(\\d+)/attempts/(\\d+)/logs", "get_job_logs", nullptr, {O, R, "run_id", nullptr}},
    {REPO "/actions/runs/(\\d+)/logs", "get_job_logs", nullptr, {O, R, "run_id"}},
    {REPO "/actions/runs/(\\d+)/artifacts",
     "actions_list",
     "list_workflow_run_artifacts",
     {O, R, "resource_id"}},
    {REPO "/actions/runs/(\\d+)/jobs", "actions_list", "list_workflow_jobs", {O, R, "resource_id"}},
    {REPO "/actions/runs/(\\d+)", "actions_get", "get_workflow_run", {O, R, "resource_id"}},
    {REPO "/actions/runs", "actions_list", "list_workflow_runs", {O, R}},
    {REPO "/actions/jobs/(\\d+)", "actions_get", "get_workflow_job", {O, R, "resource_id"}},
    {REPO "/actions/jobs/(\\d+)/logs", "get_job_logs", nullptr, {O, R, "job_id"}},
    {REPO "/actions/artifacts", "actions_list", "list_workflow_run_artifacts", {O, R}},
    {REPO "/actions/artifacts/(\\d+)/zip",
     "actions_get",
     "download_workflow_run_artifact",
     {O, R, "resource_id"}},
    {REPO "/actions/caches", "actions_list", "list_caches", {O, R}},
    {REPO "/actions/secrets", "actions_list", "list_secrets", {O, R}},
    {REPO "/actions/variables(?:/([^/]+))?", "actions_list", "list_variables", {O, R, nullptr}},
    {REPO "/environments/([^/]+)/(?:secrets|variables)",
     "actions_list",
     "list_environment_config",
     {O, R, nullptr}},
    {"/notifications", "list_notifications", nullptr, {}},
    {"/user", "get_me", nullptr, {}},
    {"/user/(?:keys|ssh_signing_keys|gpg_keys)", "get_me", nullptr, {}},
    {"/orgs/([^/]+)/actions/(?:secrets|variables)(?:/[^/]+)?", "actions_list", "list_org_config", {O}},
    {REPO "/discussions", "list_discussions", nullptr, {O, R}},
    {REPO "/discussions/(\\d+)/comments", "get_discussion_comments", nullptr, {O, R, "discussion_number"}},
    {REPO "/discussions/(\\d+)", "list_discussions", nullptr, {O, R, "discussion_number"}},
    {"/search/code", "search_code", nullptr, {}},
    {"/search/issues", "search_issues", nullptr, {}},
    {"/search/repositories", "search_repositories", nullptr, {}},
    // The repository itself and what its maintainers publish. Upstream's catch-all took any other
    // /repos/<o>/<r>/... path as get_file_contents, labelled as the repository: comments, timelines, events,
    // security alerts and admin data with it. Those are unrecognized here.
    {REPO, "get_file_contents", nullptr, {O, R}},
    {REPO "/(?:readme|license|languages|topics|contributors|milestones)(?:/[^/]+)?",
     "get_file_contents",
     nullptr,
     {O, R}},
    {REPO "/git/(?:refs|matching-refs|blobs|commits|tags)(?:/.+)?", "get_file_contents", nullptr, {O, R}},
};
#undef REPO

constexpr size_t kMaxCaptures = 4;

// The table compiled once: a set to find which patterns match in one pass, and each pattern for its
// captures.
class RouteTable {
 public:
  RouteTable() : set_(RE2::Options(), RE2::ANCHOR_BOTH) {
    for (const auto& row : kRoutes) {
      patterns_.push_back(std::make_unique<RE2>(row.pattern));
      set_.Add(row.pattern, nullptr);
    }
    set_.Compile();
  }

  std::optional<ToolCall> match(const std::string& path) const {
    std::vector<int> hits;
    if (!set_.Match(path, &hits) || hits.empty()) return std::nullopt;
    size_t first = static_cast<size_t>(*std::min_element(hits.begin(), hits.end()));
    const RouteRow& row = kRoutes[first];
    const RE2& pattern = *patterns_[first];
    int groups = pattern.NumberOfCapturingGroups();
    std::string values[kMaxCaptures];
    RE2::Arg args[kMaxCaptures];
    const RE2::Arg* arg_ptrs[kMaxCaptures];
    for (size_t i = 0; i < kMaxCaptures; ++i) {
      args[i] = &values[i];
      arg_ptrs[i] = &args[i];
    }
    if (!RE2::FullMatchN(path, pattern, arg_ptrs, groups)) return std::nullopt;
    ToolCall call;
    call.tool = row.tool;
    for (int i = 0; i < groups && i < static_cast<int>(kMaxCaptures); ++i) {
      if (row.captures[i]) call.set(row.captures[i], values[i]);
    }
    if (row.method) call.set("method", row.method);
    return call;
  }

 private:
  std::vector<std::unique_ptr<RE2>> patterns_;
  RE2::Set set_;
};

std::string form_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (auto c = base::percent_escape_at(text, i)) {
      out += *c;
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

}  // namespace

std::string query_parameter(const std::string& query, const std::string& name) {
  for (const auto& pair : base::split(query, '&')) {
    auto eq = pair.find('=');
    if (form_decode(std::string_view(pair).substr(0, eq)) != name) continue;
    return eq == std::string::npos ? "" : form_decode(std::string_view(pair).substr(eq + 1));
  }
  return "";
}

std::optional<std::string> check_query(const std::string& query) {
  int q = 0;
  for (const auto& pair : base::split(query, '&')) {
    std::string name = form_decode(std::string_view(pair).substr(0, pair.find('=')));
    if (name == "callback") return "a JSONP callback is not served";
    if (name == "q" && ++q > 1) return "the query parameter q is given twice";
  }
  return std::nullopt;
}

std::optional<ToolCall> route_rest(const std::string& path, const std::string& query) {
  static const RouteTable table;
  auto call = table.match(path);
  if (!call) return std::nullopt;
  if (std::string q = query_parameter(query, "q"); !q.empty()) call->set("query", q);
  // (a ref names what is read: a pull request's head is its author's, not the repository's)
  if (std::string ref = query_parameter(query, "ref"); !ref.empty()) call->set("ref", ref);
  return call;
}

}  // namespace awmg::proxy
