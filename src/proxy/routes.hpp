#pragma once
#include <optional>
#include <string>

#include "proxy/tool_call.hpp"

namespace awmg::proxy {

// The guard tool a REST GET reads, by the first of the route table's anchored patterns its canonical path
// (without /api/v3) matches: issues, pulls, commits, branches, tags, releases, contents and trees, labels,
// Actions (workflows, runs, jobs, logs, artifacts, caches, secrets, variables, environments, organization
// secrets and variables), discussions, notifications, the user, search, and the repository itself with what
// its maintainers publish (readme, license, languages, topics, contributors, milestones, git objects) as
// get_file_contents. A non-empty `q` becomes the `query` argument, a `ref` the `ref` argument. std::nullopt:
// a path no route knows (comments, timelines, events, alerts, settings: what the guard cannot label).
std::optional<ToolCall> route_rest(const std::string& path, const std::string& query);

// Why a query string is refused: a JSONP `callback` (it would turn a JSON answer into a script a web page
// can include), or `q` given twice (GitHub reads the last, the route the first). std::nullopt: accepted.
std::optional<std::string> check_query(const std::string& query);

// The value of `name` in a query string, percent- and '+'-decoded; "" when absent.
std::string query_parameter(const std::string& query, const std::string& name);

}  // namespace awmg::proxy
