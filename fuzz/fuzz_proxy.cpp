// The proxy's classifiers, on what a client sends: the request target (canonical path, route table) and the
// GraphQL body (as given, and as the query text of a body). What is classified must classify the same again:
// a canonical path is its own canonical form, and a rewritten GraphQL request reads the same tool and needs
// nothing more added.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "json/json.hpp"
#include "proxy/graphql.hpp"
#include "proxy/request_path.hpp"
#include "proxy/routes.hpp"

using namespace awmg;

namespace {

void check_graphql(const std::string& body) {
  auto first = proxy::classify_graphql(body);
  if (!first || first->kind != proxy::GraphqlRequest::Kind::kRead) return;
  if (!json::valid(first->body)) std::abort();
  auto again = proxy::classify_graphql(first->body);
  if (!again || again->kind != proxy::GraphqlRequest::Kind::kRead || again->call.tool != first->call.tool ||
      again->call.args_json() != first->call.args_json())
    std::abort();
  if (auto third = proxy::classify_graphql(again->body); !third || third->body != again->body) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto path = proxy::canonical_request_path(text)) {
    // (one /api/v3 is stripped, as GitHub Enterprise's prefix: a second stays, and no route takes it)
    auto again = proxy::canonical_request_path(path->path);
    bool prefixed = path->path == "/api/v3" || path->path.rfind("/api/v3/", 0) == 0;
    if (!again || (!prefixed && again->path != path->path)) std::abort();
    if (prefixed && proxy::route_rest(path->path, "")) std::abort();
    if (path->path.find("//") != std::string::npos || path->path.find("/../") != std::string::npos)
      std::abort();
    (void)proxy::route_rest(path->path, path->query);
  }
  check_graphql(text);
  check_graphql(R"({"query":)" + json::quote(text) + R"(,"variables":{"owner":"o","repo":"r","number":1}})");
  return 0;
}
