#include "proxy/graphql.hpp"

#include <algorithm>
#include <set>

#include "base/strings.hpp"
#include "json/json.hpp"
#include "proxy/graphql_parse.hpp"

namespace awmg::proxy {
namespace {

using Kind = GraphqlRequest::Kind;

constexpr size_t kMaxQueryBytes = 1 << 20;

// Root fields that read no repository data.
const std::set<std::string_view> kIntrospection = {"__schema", "__type", "__typename"};
const std::set<std::string_view> kFree = {"__typename", "rateLimit"};

// The fields whose selections a labelled read may open: the items the guard labels and what gh selects in
// them. Any other field with a selection (a project, a ref, a user's repositories, a linked branch) may only
// name what it points to: its whole selection stays within kNaming, so a query cannot reach data the guard
// does not label through an object it does not know.
const std::set<std::string_view> kContainers = {"issues",
                                                "issue",
                                                "issueOrPullRequest",
                                                "pullRequests",
                                                "pullRequest",
                                                "discussions",
                                                "discussion",
                                                "discussionCategories",
                                                "nodes",
                                                "pageInfo",
                                                "labels",
                                                "assignees",
                                                "author",
                                                "comments",
                                                "milestone",
                                                "reactionGroups",
                                                "users",
                                                "defaultBranchRef",
                                                "target",
                                                "history",
                                                "licenseInfo",
                                                "primaryLanguage",
                                                "repositoryTopics",
                                                "topic",
                                                "reviews",
                                                "latestReviews",
                                                "files",
                                                "commits",
                                                "commit",
                                                "statusCheckRollup",
                                                "contexts",
                                                "category",
                                                "search",
                                                "projectCards",
                                                "projectsV2",
                                                "projectV2"};
const std::set<std::string_view> kNaming = {
    "__typename", "id",        "databaseId", "name",   "nameWithOwner", "owner",     "login",
    "url",        "isPrivate", "visibility", "isFork", "isArchived",    "avatarUrl", "resourcePath"};
// What viewer and organization may select: the account itself, none of its repositories.
const std::set<std::string_view> kAccount = {"__typename",
                                             "id",
                                             "databaseId",
                                             "login",
                                             "name",
                                             "email",
                                             "url",
                                             "avatarUrl",
                                             "company",
                                             "bio",
                                             "location",
                                             "createdAt",
                                             "updatedAt",
                                             "isSiteAdmin",
                                             "description",
                                             "websiteUrl",
                                             "twitterUsername",
                                             "resourcePath",
                                             "isVerified"};

// Repository fields that hold items the guard labels one by one, and the tool that reads each.
struct ItemKind {
  std::string_view field;
  std::string_view tool;
};
constexpr ItemKind kItemKinds[] = {
    {"issue", "issue_read"},
    {"issueOrPullRequest", "issue_read"},
    {"issues", "list_issues"},
    {"pullRequest", "pull_request_read"},
    {"pullRequests", "list_pull_requests"},
    {"discussion", "list_discussions"},
    {"discussions", "list_discussions"},
    {"discussionCategories", "list_discussion_categories"},
    {"projectV2", "list_projects"},
    {"projectsV2", "list_projects"},
};

// Whether every field under `field` (through fragments) is in `allowed`.
bool within(const GraphqlField& field, const std::set<std::string_view>& allowed) {
  for (const auto& c : field.children) {
    if (!c.fragment() && !allowed.count(c.name)) return false;
    if (!within(c, allowed)) return false;
  }
  return true;
}

// The first aliased field under `field`: an alias could name data as a field the guard reads (`user:
// mergedBy`) or select the labelled items twice (`evil: nodes`). gh's `issue: issueOrPullRequest` is the one
// alias allowed, checked by the caller.
const GraphqlField* aliased(const GraphqlField& field, const GraphqlField* allowed) {
  for (const auto& c : field.children) {
    if (!c.fragment() && !c.alias.empty() && &c != allowed) return &c;
    if (auto found = aliased(c, allowed)) return found;
  }
  return nullptr;
}

// The first field under `field` that opens a selection it may not: outside kContainers, a selection may
// only name (kNaming).
const GraphqlField* crossing(const GraphqlField& field) {
  for (const auto& c : field.children) {
    if (!c.fragment() && !c.children.empty() && !kContainers.count(c.name) && !within(c, kNaming)) return &c;
    if (auto found = crossing(c)) return found;
  }
  return nullptr;
}

bool selects(const GraphqlField& field, std::string_view name) {
  for (const auto& c : field.children) {
    if (c.name == name || selects(c, name)) return true;
  }
  return false;
}

// How many fields under `field` hold items the guard labels one by one.
size_t item_fields(const GraphqlField& field) {
  size_t n = 0;
  for (const auto& c : field.children) {
    bool item = c.name == "history" || std::any_of(std::begin(kItemKinds), std::end(kItemKinds),
                                                   [&](const ItemKind& k) { return k.field == c.name; });
    n += (item ? 1 : 0) + item_fields(c);
  }
  return n;
}

// An argument's value with variables substituted: "" when absent or not a string or whole number.
std::string argument(const GraphqlField& field, std::string_view name, const json::Value* variables) {
  std::string value = graphql_argument(field.arguments, name);
  if (value.empty() || value[0] != '$') return value;
  const json::Value* bound =
      variables && variables->IsObject() ? json::member(*variables, value.substr(1).c_str()) : nullptr;
  if (!bound) return "";
  if (bound->IsString()) return bound->GetString();
  if (bound->IsInt64()) return std::to_string(bound->GetInt64());
  return "";
}

struct Insertion {
  size_t offset;
  std::string text;
};

// Fields the guard needs to label an issue, pull request or commit, added to `selection` where missing:
// into its inline fragments on Issue and PullRequest when it has them (a union such as
// issueOrPullRequest selects no field directly), else into the selection itself.
void need(const GraphqlField& selection, const std::string& tool, std::vector<Insertion>& out) {
  if (selection.open == selection.close) return;
  std::string add;
  if (tool == "list_commits") {
    if (!selection.child("author")) add += " author{user{login}}";
  } else {
    if (!selection.child("author")) add += " author{login}";
    if (!selection.child("authorAssociation")) add += " authorAssociation";
  }
  if (add.empty()) return;
  bool inline_fragments = false;
  for (const auto& c : selection.children) {
    if (!c.fragment() || c.named_fragment || c.open == c.close) continue;
    inline_fragments = true;
    if (c.alias == "Issue" || c.alias == "PullRequest") out.push_back({c.close, add + " "});
  }
  if (!inline_fragments) out.push_back({selection.close, add + " "});
}

GraphqlRequest refused(std::string why) {
  GraphqlRequest r;
  r.kind = Kind::kRefused;
  r.refusal = std::move(why);
  return r;
}

// A repository read: its tool by the kind of item it selects, and the fields to add.
GraphqlRequest repository_read(const GraphqlField& repo, const json::Value* variables,
                               std::vector<Insertion>& insertions) {
  GraphqlRequest r;
  r.kind = Kind::kRead;
  // Items are labelled one by one only where the guard looks for them: one item field per query, directly
  // under the repository (commit history under its ref).
  if (item_fields(repo) > 1) return refused("a query may read one kind of repository item at a time");
  const GraphqlField* items = nullptr;
  for (const auto& kind : kItemKinds) {
    if (const GraphqlField* c = repo.child(kind.field)) {
      items = c;
      r.call.tool = std::string(kind.tool);
    }
  }
  const GraphqlField* allowed_alias =
      items && items->name == "issueOrPullRequest" && items->alias == "issue" ? items : nullptr;
  if (const GraphqlField* alias = aliased(repo, allowed_alias))
    return refused("aliases inside a repository read are not supported (" + alias->alias + ")");
  bool history = selects(repo, "history");
  if (!items && !history && item_fields(repo) > 0)
    return refused("repository items are read directly under the repository");
  if (history) r.call.tool = "list_commits";
  if (!items && !history) r.call.tool = "get_file_contents";
  std::string owner = argument(repo, "owner", variables), name = argument(repo, "name", variables);
  if (owner.empty() || name.empty()) return refused("repository(owner:, name:) must name the repository");
  r.call.set("owner", owner);
  r.call.set("repo", name);
  if (items &&
      (items->name == "issue" || items->name == "issueOrPullRequest" || items->name == "pullRequest")) {
    std::string number = argument(*items, "number", variables);
    if (items->name != "pullRequest") r.call.set("issue_number", number);
    if (items->name == "pullRequest") r.call.set("pullNumber", number);
    r.call.set("method", "get");
    need(*items, r.call.tool, insertions);
  } else if (items && (items->name == "issues" || items->name == "pullRequests")) {
    if (auto nodes = items->child("nodes")) need(*nodes, r.call.tool, insertions);
  }
  return r;
}

std::string with_insertions(std::string text, std::vector<Insertion> insertions) {
  std::sort(insertions.begin(), insertions.end(),
            [](const Insertion& a, const Insertion& b) { return a.offset > b.offset; });
  for (const auto& i : insertions) text.insert(i.offset, i.text);
  return text;
}

GraphqlRequest classify(const GraphqlDocument& doc, const json::Value* variables,
                        std::vector<Insertion>& insertions) {
  if (doc.operations.size() != 1) return refused("a request must hold exactly one operation");
  const GraphqlOperation& op = doc.operations.front();
  if (op.type != "query") return refused("only queries go through the proxy (" + op.type + " refused)");
  const std::vector<GraphqlField>& fields = op.root.children;
  if (std::any_of(fields.begin(), fields.end(), [](const GraphqlField& f) { return f.fragment(); }))
    return refused("fragments at the root of a query are not supported");
  if (std::all_of(fields.begin(), fields.end(), [](const GraphqlField& f) {
        return kIntrospection.count(f.name) || kFree.count(f.name);
      })) {
    GraphqlRequest r;
    r.kind = Kind::kPassthrough;
    return r;
  }
  const GraphqlField* data = nullptr;
  for (const auto& f : fields) {
    if (kFree.count(f.name) && f.alias.empty()) continue;
    if (data) return refused("a query may read one root field (" + data->name + ", " + f.name + ")");
    data = &f;
  }
  if (!data->alias.empty()) return refused("aliases on the root field are not supported");
  if (kIntrospection.count(data->name)) return refused("introspection cannot be mixed with data");
  if (data->name == "viewer" || data->name == "organization") {
    if (!within(*data, kAccount) || aliased(*data, nullptr))
      return refused(data->name + " may select the account's own fields only, without aliases");
    GraphqlRequest r;
    r.kind = Kind::kRead;
    r.call.tool = data->name == "viewer" ? "get_me" : "search_orgs";
    if (data->name == "organization") r.call.set("query", argument(*data, "login", variables));
    return r;
  }
  if (data->name != "repository" && data->name != "search")
    return refused("unrecognized GraphQL operation (root field " + data->name + ")");
  if (const GraphqlField* cross = crossing(*data))
    return refused("the query opens " + cross->name +
                   ", which the guard does not label (only its name may be read)");
  if (data->name == "search") {
    if (item_fields(*data) > 0) return refused("search results are labelled as found, without their items");
    if (const GraphqlField* alias = aliased(*data, nullptr))
      return refused("aliases inside a search are not supported (" + alias->alias + ")");
    GraphqlRequest r;
    r.kind = Kind::kRead;
    r.call.tool = "search_issues";
    r.call.set("query", argument(*data, "query", variables));
    return r;
  }
  return repository_read(*data, variables, insertions);
}

// Whether any object in `value` names a member twice: GitHub reads the last, a first-match lookup the
// first, so the query checked could differ from the query run.
bool duplicate_keys(const json::Value& value) {
  std::vector<const json::Value*> pending = {&value};
  while (!pending.empty()) {
    const json::Value* v = pending.back();
    pending.pop_back();
    if (v->IsArray()) {
      for (const auto& item : v->GetArray()) pending.push_back(&item);
    } else if (v->IsObject()) {
      std::set<std::string_view> names;
      for (const auto& m : v->GetObject()) {
        if (!names.emplace(m.name.GetString(), m.name.GetStringLength()).second) return true;
        pending.push_back(&m.value);
      }
    }
  }
  return false;
}

// The body forwarded: the query as classified (fields added), its variables and operationName as the client
// wrote them (a variable's number keeps every digit), nothing else.
Result<std::string> forwarded_body(const std::string& query, std::string_view body) {
  auto members = json::raw_members(body);
  if (!members) return Error{"the body is not one JSON object"};
  std::string out = R"({"query":)" + json::quote(query);
  for (const auto& [name, value] : *members) {
    if (name.find('\\') != std::string_view::npos) return Error{"escaped member names are not supported"};
    if (name == "variables" || name == "operationName")
      out += "," + json::quote(name) + ":" + std::string(value);
  }
  return out + "}";
}

}  // namespace

Result<GraphqlRequest> classify_graphql(std::string_view body) {
  auto doc = json::parse(body);
  if (!doc || !doc->IsObject()) return Error{"the body is not a JSON object"};
  if (duplicate_keys(*doc)) return Error{"the body names a member twice"};
  for (const auto& m : doc->GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name != "query" && name != "variables" && name != "operationName")
      return Error{"the body has an unknown member " + base::quote(name)};
  }
  const json::Value* query = json::member(*doc, "query");
  if (!query || !query->IsString() || query->GetStringLength() == 0)
    return Error{"the body has no \"query\" string"};
  const json::Value* variables = json::member(*doc, "variables");
  if (variables && !variables->IsObject() && !variables->IsNull())
    return Error{"\"variables\" must be an object"};
  const json::Value* operation = json::member(*doc, "operationName");
  if (operation && !operation->IsString() && !operation->IsNull())
    return Error{"\"operationName\" must be a string"};
  if (query->GetStringLength() > kMaxQueryBytes)
    return Error{"the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes"};
  std::string text(query->GetString(), query->GetStringLength());
  auto parsed = parse_graphql(text);
  if (!parsed) return Error{"the query does not parse: " + parsed.error().message};
  std::vector<Insertion> insertions;
  GraphqlRequest request = classify(*parsed, variables, insertions);
  if (request.kind == Kind::kRefused) return request;
  AWMG_TRY(request.body, forwarded_body(with_insertions(std::move(text), std::move(insertions)), body));
  return request;
}

}  // namespace awmg::proxy
