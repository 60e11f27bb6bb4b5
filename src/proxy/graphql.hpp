#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "proxy/tool_call.hpp"

namespace awmg::proxy {

// A GraphQL request as the proxy serves it.
struct GraphqlRequest {
  enum class Kind {
    kPassthrough,  // reads no repository data: introspection (__schema, __type, __typename), rateLimit
    kRead,         // one read the guard labels
    kRefused,      // a shape the guard cannot label: refused, never forwarded
  };
  Kind kind = Kind::kRefused;
  ToolCall call;     // kRead
  std::string body;  // kRead, kPassthrough: the body to forward, built anew (query, variables, operationName)
  std::string refusal;  // kRefused: why, for the client
};

// Classifies a GraphQL request body ({"query": ..., "variables": ..., "operationName": ...}). Unlike
// matching patterns over the query text, it parses the query, so what it labels is what the query selects:
// one query operation whose one data field is repository, search, viewer or organization (rateLimit and
// __typename may come along); no aliases or fragment spreads on what is labelled; a repository's nested
// references to other repositories and users reduced to their names; no aliases below the root but gh's
// `issue: issueOrPullRequest`. Error: the body is not a GraphQL request (a member named twice included).
Result<GraphqlRequest> classify_graphql(std::string_view body);

}  // namespace awmg::proxy
