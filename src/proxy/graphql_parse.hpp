#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace awmg::proxy {

// The selections of a GraphQL document that decide what it reads: enough of GraphQL's grammar to know
// each operation's fields, their aliases, arguments and nesting, and where each selection set begins and
// ends in the text (to add fields). A fragment (inline, or a named one spread into the selection) is a child
// named "..." with its type condition; named fragments are expanded where they are spread.
struct GraphqlField {
  std::string alias;      // "" when the field has none; a fragment's type condition
  std::string name;       // "..." for a fragment
  std::string arguments;  // the text between its parentheses, "" when none
  size_t open = 0;        // offsets of its selection set's braces; open == close == 0 when it has none
  size_t close = 0;
  bool named_fragment = false;       // a "..." child spread from a named fragment
  std::vector<std::string> spreads;  // named fragments spread into its selection (before expansion)
  std::vector<GraphqlField> children;

  bool fragment() const { return name == "..."; }
  // The field `field_name` among its children, looking through fragments; nullptr when absent.
  const GraphqlField* child(std::string_view field_name) const;
};

struct GraphqlOperation {
  std::string type;   // query, mutation or subscription
  GraphqlField root;  // its selection set, as the children of a nameless field
};

struct GraphqlDocument {
  std::vector<GraphqlOperation> operations;
};

inline constexpr size_t kMaxGraphqlDepth = 64;

inline constexpr size_t kMaxGraphqlFields = 20000;  // after fragments are expanded

// Error: the text is not a GraphQL document; it nests selections deeper than kMaxGraphqlDepth or selects
// more than kMaxGraphqlFields fields once fragments are expanded; a spread names no fragment, or fragments
// spread each other in a cycle.
Result<GraphqlDocument> parse_graphql(std::string_view text);

// The value an argument list gives `name`: a string literal's text, a number's digits, or "$var" for a
// variable; "" when the argument is absent.
std::string graphql_argument(std::string_view arguments, std::string_view name);

}  // namespace awmg::proxy
