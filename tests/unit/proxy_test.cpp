#include <gtest/gtest.h>

#include "github/rest.hpp"
#include "proxy/graphql.hpp"
#include "proxy/metadata.hpp"
#include "proxy/rebuild.hpp"
#include "proxy/request_path.hpp"
#include "proxy/routes.hpp"
#include "proxy/upstream.hpp"

namespace awmg::proxy {
namespace {

std::string canonical(const std::string& target) {
  auto p = canonical_request_path(target);
  return p ? p->path + (p->query.empty() ? "" : "?" + p->query) : "refused";
}

TEST(ProxyPath, CanonicalFormsAreRoutedAndTricksRefused) {
  EXPECT_EQ(canonical("/api/v3/repos/o/r/issues"), "/repos/o/r/issues");
  EXPECT_EQ(canonical("/repos//o/./r/issues/?state=all"), "/repos/o/r/issues?state=all");
  EXPECT_EQ(canonical("/repos/o/x/../r/issues"), "/repos/o/r/issues");
  EXPECT_EQ(canonical("/api/v3/../graphql"), "/api/graphql");
  EXPECT_EQ(canonical("/api/v3"), "/");
  EXPECT_EQ(canonical("/repos/o/priv%61te/contents/a%20b"), "/repos/o/private/contents/a%20b");
  // Decoded once, as GitHub does: an escape that decoding makes is not decoded again.
  EXPECT_EQ(canonical("/repos/o/priv%25%36%31te"), "/repos/o/priv%2561te");
  EXPECT_EQ(canonical("/repos/o/r/%0a"), "refused");
  for (const char* bad :
       {"/repos/o%2Fr/issues", "/repos/o/%2e%2e/x", "/a\\b", "/../x", "x", "/a%00b", "/a%5Cb"})
    EXPECT_EQ(canonical(bad), "refused") << bad;
}

std::string route(const std::string& path, const std::string& query = "") {
  auto call = route_rest(path, query);
  return call ? call->tool + " " + call->args_json() : "none";
}

TEST(ProxyRoutes, FirstMatchWinsWithItsArguments) {
  EXPECT_EQ(route("/repos/o/r/issues/7/comments"),
            R"(issue_read {"owner":"o","repo":"r","issue_number":"7","method":"get_comments"})");
  EXPECT_EQ(route("/repos/o/r/issues"), R"(list_issues {"owner":"o","repo":"r"})");
  EXPECT_EQ(route("/repos/o/r/pulls/3"),
            R"(pull_request_read {"owner":"o","repo":"r","pullNumber":"3","method":"get"})");
  EXPECT_EQ(route("/repos/o/r/commits/abc/check-runs"),
            R"(pull_request_read {"owner":"o","repo":"r","sha":"abc","method":"get_check_runs"})");
  EXPECT_EQ(route("/repos/o/r/contents/a/b.md"),
            R"(get_file_contents {"owner":"o","repo":"r","path":"a/b.md"})");
  EXPECT_EQ(route("/repos/o/r/actions/runs/5/attempts/2/logs"),
            R"(get_job_logs {"owner":"o","repo":"r","run_id":"5"})");
  EXPECT_EQ(route("/orgs/acme/actions/secrets"),
            R"(actions_list {"owner":"acme","method":"list_org_config"})");
  EXPECT_EQ(route("/search/issues", "q=is%3Aopen+repo%3Ao%2Fr&page=2"),
            R"(search_issues {"query":"is:open repo:o/r"})");
  EXPECT_EQ(route("/repos/o/r"), R"(get_file_contents {"owner":"o","repo":"r"})");
  EXPECT_EQ(route("/repos/o/r/readme"), R"(get_file_contents {"owner":"o","repo":"r"})");
  EXPECT_EQ(route("/repos/o/r/contents/a.md", "ref=refs/pull/3/head"),
            R"(get_file_contents {"owner":"o","repo":"r","path":"a.md","ref":"refs/pull/3/head"})");
  EXPECT_EQ(route("/user"), "get_me {}");
  EXPECT_EQ(route("/users/o/repos"), "none");
  EXPECT_EQ(route("/repositories/1/issues"), "none");
  for (const char* written :
       {"/repos/o/r/anything/else", "/repos/o/r/events", "/repos/o/r/secret-scanning/alerts",
        "/repos/o/r/issues/comments", "/repos/o/r/issues/comments/5", "/repos/o/r/issues/5/timeline",
        "/repos/o/r/pulls/comments", "/repos/o/r/pulls/5/reviews/9", "/repos/o/r/comments",
        "/repos/o/r/commits/abc/comments", "/repos/o/r/discussions/3/reactions"})
    EXPECT_EQ(route(written), "none") << written;
  EXPECT_EQ(check_query("q=a&q=b").value_or(""), "the query parameter q is given twice");
  EXPECT_TRUE(check_query("callback=x").has_value());
  EXPECT_FALSE(check_query("q=a&page=2").has_value());
}

GraphqlRequest classify(const std::string& query, const std::string& variables = "{}") {
  auto r = classify_graphql(R"({"query":)" + json::quote(query) + R"(,"variables":)" + variables + "}");
  EXPECT_TRUE(r.ok()) << query;
  return r ? *r : GraphqlRequest{};
}

// gh 2.23's own queries.
const char* kGhIssueList =
    "fragment issue on Issue "
    "{number,title,url,state,updatedAt,labels(first:100){nodes{id,name,description,color},"
    "totalCount},stateReason}\n query IssueList($owner: String!, $repo: String!, $limit: Int) { "
    "repository(owner: "
    "$owner, name: $repo) { hasIssuesEnabled issues(first: $limit, orderBy: {field: CREATED_AT, direction: "
    "DESC}) "
    "{ totalCount nodes { ...issue } pageInfo { hasNextPage endCursor } } } }";
const char* kGhIssueView =
    "query IssueByNumber($owner: String!, $repo: String!, $number: Int!) { repository(owner: $owner, name: "
    "$repo) "
    "{ hasIssuesEnabled issue: issueOrPullRequest(number: $number) { __typename ...on "
    "Issue{number,title,body,"
    "author{login,...on User{id,name}},projectCards(first:100){nodes{project{name}column{name}},totalCount},"
    "comments(last: 1) {nodes {author{login},authorAssociation,body},totalCount},id} ...on "
    "PullRequest{number,"
    "title,author{login},id} } } }";

TEST(ProxyGraphql, GhQueriesAreClassifiedAndGetTheFieldsTheGuardNeeds) {
  auto list = classify(kGhIssueList, R"({"owner":"o","repo":"r","limit":30})");
  ASSERT_EQ(list.kind, GraphqlRequest::Kind::kRead) << list.refusal;
  EXPECT_EQ(list.call.tool + " " + list.call.args_json(), R"(list_issues {"owner":"o","repo":"r"})");
  EXPECT_NE(list.body.find("...issue  author{login} authorAssociation"), std::string::npos) << list.body;
  auto view = classify(kGhIssueView, R"({"owner":"o","repo":"r","number":7})");
  ASSERT_EQ(view.kind, GraphqlRequest::Kind::kRead) << view.refusal;
  EXPECT_EQ(view.call.args_json(), R"({"owner":"o","repo":"r","issue_number":"7","method":"get"})");
  auto reparsed = json::parse(view.body);
  std::string rewritten = (*reparsed)["query"].GetString();
  // Into both fragments of the union, never beside them.
  EXPECT_NE(rewritten.find("id authorAssociation }"), std::string::npos) << rewritten;
  EXPECT_EQ(classify("{ viewer { login } }").call.tool, "get_me");
  EXPECT_EQ(classify("query Issue_fields{Issue: __type(name: \"Issue\"){fields{name}}}").kind,
            GraphqlRequest::Kind::kPassthrough);
  EXPECT_EQ(classify("{ rateLimit { remaining } }").kind, GraphqlRequest::Kind::kPassthrough);
  EXPECT_EQ(
      classify("{ search(query:\"is:open\", type: ISSUE, first: 5){ nodes { ... on Issue { number } } } }")
          .call.args_json(),
      R"({"query":"is:open"})");
}

TEST(ProxyGraphql, ShapesThatCouldReadUnlabelledDataAreRefused) {
  for (const char* query : {
           "{ a: repository(owner:\"o\",name:\"r\"){id} }",
           "{ repository(owner:\"o\",name:\"r\"){id} node(id:\"x\"){id} }",
           "{ repository(owner:\"o\",name:\"r\"){ issues{nodes{id}} pullRequests{nodes{id}} } }",
           "{ repository(owner:\"o\",name:\"r\"){ labels(first:5){nodes{issues(first:5){nodes{body}}}} } }",
           "{ repository(owner:\"o\",name:\"r\"){ parent { issues { nodes { body } } } } }",
           "{ repository(owner:\"o\",name:\"r\"){ issues{ nodes { author { ... on User { "
           "repositories(first:5){nodes{name}} } } } } } }",
           "{ repository(owner:\"o\",name:\"r\"){ ...F } } fragment F on Repository { "
           "forks(first:5){nodes{name}} }",
           "{ repository(name:\"r\"){id} }",
           "{ organization(login:\"o\"){ repositories(first:5){nodes{name}} } }",
           "query A { viewer{login} } query B { viewer{login} }",
           "subscription { x }",
           "{ ... on Query { viewer { login } } }",
           "{ repository(owner:\"o\",name:\"r\"){ issues{ nodes { number } evil: nodes { body } } } }",
           "{ repository(owner:\"o\",name:\"r\"){ pullRequests{ nodes { body user: mergedBy { login } } } } "
           "}",
           "{ repository(owner:\"o\",name:\"r\"){ issue(number:1){ title subIssues(first:9){nodes{body}} } } "
           "}",
           "{ repository(owner:\"o\",name:\"r\"){ issues{ nodes { b0: body b1: body } } } }",
           "{ repository(owner:\"o\",name:\"r\"){ collaborators{ nodes { lists { nodes { name } } } } } }",
           "{ repository(owner:\"o\",name:\"r\"){ object(expression:\"refs/pull/3/head:a\"){ ... on Blob { "
           "text } } } }",
           "{ repository(owner:\"o\",name:\"r\"){ issue(number:1){ linkedBranches { nodes { ref { name } } } "
           "} } }",
       })
    EXPECT_EQ(classify(query).kind, GraphqlRequest::Kind::kRefused) << query;
  // Variables go upstream as written: a number keeps every digit.
  auto exact = classify_graphql(
      R"({"query":"{ viewer { login } }","variables":{"id":88888888888000000000000000454378996,"x":"\u00e9"}})");
  ASSERT_TRUE(exact.ok());
  EXPECT_NE(exact->body.find(R"("variables":{"id":88888888888000000000000000454378996,"x":"\u00e9"})"),
            std::string::npos)
      << exact->body;
  // A member named twice: the query checked must be the query forwarded.
  EXPECT_FALSE(classify_graphql(R"({"query":"{viewer{login}}","query":"{viewer{login}}"})").ok());
  EXPECT_FALSE(classify_graphql(R"({"query":"{viewer{login}}","variables":{"a":1,"a":2}})").ok());
  EXPECT_FALSE(classify_graphql(R"({"query":"{viewer{login}}","extensions":{}})").ok());
  EXPECT_FALSE(classify_graphql(R"({"query":"{viewer{login}}","\u0076ariables":{}})").ok());  // escaped name
  // A fragment cycle or a fragment bomb is an error, not a hang.
  EXPECT_FALSE(
      classify_graphql(
          R"({"query":"{ viewer { ...A } } fragment A on User { ...B } fragment B on User { ...A }"})")
          .ok());
  std::string bomb = "{ viewer { ...F0 } }";
  for (int i = 0; i < 30; ++i)
    bomb += " fragment F" + std::to_string(i) + " on User { ...F" + std::to_string(i + 1) + " ...F" +
            std::to_string(i + 1) + " }";
  bomb += " fragment F30 on User { login }";
  EXPECT_FALSE(classify_graphql(R"({"query":)" + json::quote(bomb) + "}").ok());
}

TEST(ProxyRebuild, FilteredAnswersKeepTheirShape) {
  difc::Item a{R"({"n":1})", {}}, b{R"({"n":2})", {}};
  std::vector<const difc::Item*> kept = {&a};
  auto search = *json::parse(R"({"total_count":2,"incomplete_results":true,"items":[{"n":1},{"n":2}]})");
  difc::ResponseLabels labels = difc::PathLabels{{}, std::nullopt, "/items"};
  EXPECT_EQ(*rebuild_response(search, labels, kept),
            R"({"total_count":1,"incomplete_results":false,"items":[{"n":1}]})");
  auto gql = *json::parse(R"({"data":{"repository":{"issues":{"totalCount":2,"nodes":[{"n":1},{"n":2}]}}}})");
  labels = difc::PathLabels{{}, std::nullopt, "/data/repository/issues/nodes"};
  EXPECT_EQ(*rebuild_response(gql, labels, kept),
            R"({"data":{"repository":{"issues":{"totalCount":1,"nodes":[{"n":1}]}}}})");
  auto array = *json::parse(R"([{"n":1},{"n":2}])");
  labels = difc::PathLabels{{}, std::nullopt, ""};
  EXPECT_EQ(*rebuild_response(array, labels, kept), R"([{"n":1}])");
  EXPECT_EQ(empty_response(*json::parse(R"({"data":{}})")), R"({"data":null})");
  EXPECT_EQ(empty_response(*json::parse("{}")), "{}");
  EXPECT_EQ(empty_response(*json::parse("[1]")), "[]");
  (void)b;
}

TEST(ProxyUpstream, TargetsHeadersAndRetryAfter) {
  auto ghes = Upstream::create("https://ghes.example/api/v3/", "t");
  ASSERT_TRUE(ghes.ok());
  EXPECT_EQ(ghes->graphql_target(), "/api/graphql");
  EXPECT_EQ(ghes->rest_target("/repos/o/r", "a=1"), "/api/v3/repos/o/r?a=1");
  auto dotcom = Upstream::create("https://api.github.com", "");
  EXPECT_EQ(dotcom->graphql_target(), "/graphql");
  EXPECT_FALSE(Upstream::create("ftp://x", "").ok());
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  EXPECT_EQ(retry_after(200, "5", "2000", now), std::nullopt);
  EXPECT_EQ(retry_after(403, "0", "1010", now), 11);
  EXPECT_EQ(retry_after(429, "", "", now), 60);
  EXPECT_EQ(retry_after(429, "3", "900", now), 60);
  EXPECT_EQ(retry_after(403, "0", "999999", now), 3600);
  EXPECT_EQ(github::api_base_for_server("https://github.com/"), "https://api.github.com");
  EXPECT_EQ(github::api_base_for_server("https://acme.ghe.com"), "https://api.acme.ghe.com");
  EXPECT_EQ(github::api_base_for_server("https://api.acme.ghe.com:8443"), "https://api.acme.ghe.com:8443");
  EXPECT_EQ(github::api_base_for_server("https://ghes.example"), "https://ghes.example/api/v3");
}

TEST(ProxyMetadata, TheGuardsCallsBecomeSafeRestPaths) {
  EXPECT_EQ(*RestMetadata::path_of("issue_read", R"({"owner":"o","repo":"r","issue_number":"5"})"),
            "/repos/o/r/issues/5");
  EXPECT_EQ(*RestMetadata::path_of("pull_request_read", R"({"owner":"o","repo":"r","pullNumber":7})"),
            "/repos/o/r/pulls/7");
  EXPECT_EQ(*RestMetadata::path_of("search_repositories", R"({"query":"repo:o/r","perPage":10})"),
            "/repos/o/r");
  EXPECT_EQ(*RestMetadata::path_of("search_repositories", R"({"query":"stars:>5 repo:o/r","perPage":10})"),
            "/search/repositories?q=stars%3A%3E5%20repo%3Ao%2Fr&per_page=10");
  EXPECT_EQ(
      *RestMetadata::path_of("get_collaborator_permission", R"({"owner":"o","repo":"r","username":"u"})"),
      "/repos/o/r/collaborators/u/permission");
  EXPECT_FALSE(RestMetadata::path_of("issue_read", R"({"owner":"..","repo":"r","issue_number":"5"})").ok());
  EXPECT_FALSE(
      RestMetadata::path_of("issue_read", R"({"owner":"o","repo":"r","issue_number":"5/../x"})").ok());
  EXPECT_FALSE(RestMetadata::path_of("list_issues", "{}").ok());
}

}  // namespace
}  // namespace awmg::proxy
