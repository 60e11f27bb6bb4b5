#include "proxy/graphql_parse.hpp"

#include <cctype>
#include <map>

namespace awmg::proxy {

const GraphqlField* GraphqlField::child(std::string_view field_name) const {
  for (const auto& c : children) {
    if (c.name == field_name) return &c;
    if (c.fragment()) {
      if (auto found = c.child(field_name)) return found;
    }
  }
  return nullptr;
}

namespace {

struct Token {
  enum class Kind { kEnd, kName, kPunct, kString, kNumber };
  Kind kind = Kind::kEnd;
  std::string_view text;  // a string's text without its quotes (escapes kept)
  size_t offset = 0;
};

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<Token> next() {
    skip_ignored();
    Token t;
    t.offset = pos_;
    if (pos_ >= text_.size()) return t;
    char c = text_[pos_];
    if (name_start(c)) {
      size_t start = pos_;
      while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
      return Token{Token::Kind::kName, text_.substr(start, pos_ - start), start};
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = pos_++;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '.' || text_[pos_] == '+' || text_[pos_] == '-'))
        ++pos_;
      return Token{Token::Kind::kNumber, text_.substr(start, pos_ - start), start};
    }
    if (c == '"') return string();
    if (text_.substr(pos_, 3) == "...") {
      pos_ += 3;
      return Token{Token::Kind::kPunct, text_.substr(t.offset, 3), t.offset};
    }
    if (std::string_view("!$&()=:@[]{}|").find(c) != std::string_view::npos) {
      ++pos_;
      return Token{Token::Kind::kPunct, text_.substr(t.offset, 1), t.offset};
    }
    return Error{"unexpected character at offset " + std::to_string(pos_)};
  }

 private:
  void skip_ignored() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      } else if (text_.substr(pos_, 3) == "\xEF\xBB\xBF") {
        pos_ += 3;
      } else {
        return;
      }
    }
  }

  Result<Token> string() {
    size_t start = pos_;
    if (text_.substr(pos_, 3) == "\"\"\"") {
      size_t end = text_.find("\"\"\"", pos_ + 3);
      while (end != std::string_view::npos && text_[end - 1] == '\\') end = text_.find("\"\"\"", end + 3);
      if (end == std::string_view::npos) return Error{"unterminated block string"};
      pos_ = end + 3;
      return Token{Token::Kind::kString, text_.substr(start + 3, end - start - 3), start};
    }
    for (size_t i = pos_ + 1; i < text_.size(); ++i) {
      if (text_[i] == '\\') {
        ++i;
      } else if (text_[i] == '"') {
        pos_ = i + 1;
        return Token{Token::Kind::kString, text_.substr(start + 1, i - start - 1), start};
      } else if (text_[i] == '\n' || text_[i] == '\r') {
        break;
      }
    }
    return Error{"unterminated string"};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) {}

  Result<GraphqlDocument> document() {
    GraphqlDocument doc;
    AWMG_CHECK(advance());
    if (at_end()) return Error{"the document is empty"};
    while (!at_end()) {
      if (is_punct("{")) {
        GraphqlOperation op{"query", {}};
        AWMG_CHECK(selection_set(op.root, 1));
        doc.operations.push_back(std::move(op));
      } else if (is_name("query") || is_name("mutation") || is_name("subscription")) {
        GraphqlOperation op{std::string(token_.text), {}};
        AWMG_CHECK(advance());
        if (token_.kind == Token::Kind::kName) AWMG_CHECK(advance());
        if (is_punct("(")) AWMG_CHECK(skip_group());  // the variable definitions
        AWMG_CHECK(directives());
        AWMG_CHECK(selection_set(op.root, 1));
        doc.operations.push_back(std::move(op));
      } else if (is_name("fragment")) {
        AWMG_CHECK(advance());
        if (token_.kind != Token::Kind::kName) return Error{"a fragment needs a name"};
        std::string name(token_.text);
        AWMG_CHECK(advance());
        if (!is_name("on")) return Error{"a fragment needs a type condition"};
        AWMG_CHECK(advance());
        if (token_.kind != Token::Kind::kName) return Error{"a fragment needs a type condition"};
        GraphqlField fragment;
        fragment.name = "...";
        fragment.alias = std::string(token_.text);
        fragment.named_fragment = true;
        AWMG_CHECK(advance());
        AWMG_CHECK(directives());
        AWMG_CHECK(selection_set(fragment, 1));
        if (!fragments_.emplace(name, std::move(fragment)).second)
          return Error{"fragment " + name + " is defined twice"};
      } else {
        return unexpected();
      }
    }
    for (auto& op : doc.operations) {
      size_t budget = kMaxGraphqlFields;
      AWMG_CHECK(expand(op.root, 0, budget));
    }
    return doc;
  }

 private:
  bool at_end() const { return token_.kind == Token::Kind::kEnd; }
  bool is_punct(std::string_view p) const { return token_.kind == Token::Kind::kPunct && token_.text == p; }
  bool is_name(std::string_view n) const { return token_.kind == Token::Kind::kName && token_.text == n; }
  Error unexpected() const {
    return Error{at_end() ? "unexpected end of the document"
                          : "unexpected \"" + std::string(token_.text) + "\" at offset " +
                                std::to_string(token_.offset)};
  }

  Status advance() {
    AWMG_TRY(token_, lexer_.next());
    return ok_status();
  }

  // A parenthesized group (arguments, variable definitions), brackets balanced; returns its inner text.
  Result<std::string> skip_group() {
    size_t begin = token_.offset + 1;
    int depth = 0;
    while (true) {
      if (at_end()) return Error{"unbalanced parentheses"};
      if (token_.kind == Token::Kind::kPunct) {
        char c = token_.text[0];
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
        if (depth > static_cast<int>(kMaxGraphqlDepth)) return Error{"arguments nested too deep"};
        if (depth == 0) {
          size_t end = token_.offset;
          AWMG_CHECK(advance());
          return std::string(text_.substr(begin, end - begin));
        }
      }
      AWMG_CHECK(advance());
    }
  }

  Status directives() {
    while (is_punct("@")) {
      AWMG_CHECK(advance());
      if (token_.kind != Token::Kind::kName) return unexpected();
      AWMG_CHECK(advance());
      if (is_punct("(")) AWMG_CHECK(skip_group());
    }
    return ok_status();
  }

  // `{ selection* }` as the children of `parent`, its brace offsets in parent.open and parent.close.
  Status selection_set(GraphqlField& parent, size_t depth) {
    if (depth > kMaxGraphqlDepth)
      return Error{"selections nested deeper than " + std::to_string(kMaxGraphqlDepth)};
    if (!is_punct("{")) return unexpected();
    parent.open = token_.offset;
    AWMG_CHECK(advance());
    while (!is_punct("}")) {
      if (at_end()) return unexpected();
      if (is_punct("...")) {
        AWMG_CHECK(advance());
        GraphqlField fragment;
        fragment.name = "...";
        if (is_name("on")) {
          AWMG_CHECK(advance());
          if (token_.kind != Token::Kind::kName) return unexpected();
          fragment.alias = std::string(token_.text);
          AWMG_CHECK(advance());
        } else if (token_.kind == Token::Kind::kName) {  // a named spread
          parent.spreads.emplace_back(token_.text);
          AWMG_CHECK(advance());
          AWMG_CHECK(directives());
          continue;
        }
        AWMG_CHECK(directives());
        AWMG_CHECK(selection_set(fragment, depth + 1));
        parent.children.push_back(std::move(fragment));
        continue;
      }
      AWMG_CHECK(field(parent, depth));
    }
    parent.close = token_.offset;
    return advance();
  }

  Status field(GraphqlField& parent, size_t depth) {
    if (token_.kind != Token::Kind::kName) return unexpected();
    GraphqlField f;
    f.name = std::string(token_.text);
    AWMG_CHECK(advance());
    if (is_punct(":")) {
      AWMG_CHECK(advance());
      if (token_.kind != Token::Kind::kName) return unexpected();
      f.alias = std::move(f.name);
      f.name = std::string(token_.text);
      AWMG_CHECK(advance());
    }
    if (is_punct("(")) {
      AWMG_TRY(f.arguments, skip_group());
    }
    AWMG_CHECK(directives());
    if (is_punct("{")) AWMG_CHECK(selection_set(f, depth + 1));
    parent.children.push_back(std::move(f));
    return ok_status();
  }

  static size_t count(const GraphqlField& field) {
    size_t n = field.children.size() + field.spreads.size();
    for (const auto& c : field.children) n += count(c);
    return n;
  }

  // Named spreads replaced by copies of their fragments, within the depth and field budgets (which also
  // stop a cycle).
  Status expand(GraphqlField& field, size_t depth, size_t& budget) {
    if (depth > kMaxGraphqlDepth)
      return Error{"fragments nest deeper than " + std::to_string(kMaxGraphqlDepth)};
    for (const auto& name : field.spreads) {
      auto it = fragments_.find(name);
      if (it == fragments_.end()) return Error{"no fragment named " + name};
      size_t size =
          count(it->second);  // charged before the copy: a spread repeated a million times stops here
      if (size >= budget)
        return Error{"the query selects more than " + std::to_string(kMaxGraphqlFields) + " fields"};
      budget -= size;
      field.children.push_back(it->second);
    }
    field.spreads.clear();
    for (auto& c : field.children) {
      if (budget == 0)
        return Error{"the query selects more than " + std::to_string(kMaxGraphqlFields) + " fields"};
      --budget;
      AWMG_CHECK(expand(c, depth + 1, budget));
    }
    return ok_status();
  }

  std::string_view text_;
  Lexer lexer_;
  Token token_;
  std::map<std::string, GraphqlField> fragments_;
};

}  // namespace

Result<GraphqlDocument> parse_graphql(std::string_view text) {
  Parser parser(text);
  return parser.document();
}

std::string graphql_argument(std::string_view arguments, std::string_view name) {
  Lexer lexer(arguments);
  int depth = 0;
  bool expect_value = false;
  for (auto token = lexer.next(); token && token->kind != Token::Kind::kEnd; token = lexer.next()) {
    if (token->kind == Token::Kind::kPunct) {
      char c = token->text[0];
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') --depth;
      if (c == '$' && expect_value) {
        auto variable = lexer.next();
        return variable && variable->kind == Token::Kind::kName ? "$" + std::string(variable->text) : "";
      }
      if (c != ':') expect_value = false;
      continue;
    }
    if (expect_value) return std::string(token->text);
    if (depth == 0 && token->kind == Token::Kind::kName && token->text == name) {
      auto colon = lexer.next();
      expect_value = colon && colon->kind == Token::Kind::kPunct && colon->text == ":";
    }
  }
  return "";
}

}  // namespace awmg::proxy
