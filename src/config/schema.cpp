#include "config/schema.hpp"

#include <valijson/adapters/rapidjson_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <memory>
#include <set>
#include <stdexcept>
#include <utility>

#include "base/strings.hpp"
#include "base/version.hpp"
#include "config/config_error.hpp"

namespace awmg::config {

extern const char* const kConfigSchemaText;

namespace {

const valijson::Schema& compiled_schema() {
  static const std::unique_ptr<valijson::Schema> schema = [] {
    auto s = std::make_unique<valijson::Schema>();
    auto doc = json::parse(kConfigSchemaText);
    if (!doc) throw std::logic_error("embedded config schema is not JSON: " + doc.error().message);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::RapidJsonAdapter adapter(*doc);
    parser.populateSchema(adapter, *s);
    return s;
  }();
  return *schema;
}

// valijson context ["<root>", "[mcpServers]", "[github]"] -> "/mcpServers/github"
std::string location(const std::vector<std::string>& context) {
  std::string out;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string_view p = part;
    if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
    if (p.size() >= 2 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
    out += "/" + std::string(p);
  }
  return out.empty() ? "<root>" : out;
}

const json::Value* resolve(const json::Value& root, const std::vector<std::string>& context) {
  const json::Value* v = &root;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string key = part.size() >= 2 ? part.substr(1, part.size() - 2) : part;
    if (v->IsObject()) {
      v = json::member(*v, key.c_str());
    } else if (v->IsArray()) {
      size_t i = std::strtoul(key.c_str(), nullptr, 10);
      v = i < v->Size() ? &(*v)[static_cast<rapidjson::SizeType>(i)] : nullptr;
    } else {
      v = nullptr;
    }
    if (!v) return nullptr;
  }
  return v;
}

const char* type_name(const json::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsInt64() || v.IsUint64()) return "integer";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  return "object";
}

// The Details line and hint for one error, chosen by what kind of check failed.
std::pair<std::string, std::string> details(const std::string& message, const json::Value* instance) {
  auto has = [&](const char* s) { return message.find(s) != std::string::npos; };
  if (has("additionalProperties")) {
    auto quote = message.rfind(": '");
    std::string field = quote == std::string::npos ? "" : message.substr(quote + 3);
    if (!field.empty() && field.back() == '.') field.pop_back();
    if (!field.empty() && field.back() == '\'') field.pop_back();
    return {"Configuration contains field(s) that are not defined in the schema: \"" + field + "\"",
            "Check for typos in field names or remove unsupported fields"};
  }
  if (has("Missing required property")) {
    return {"Required field(s) are missing", "Add the required field(s) to your configuration"};
  }
  if (has("'type' constraint")) {
    return {std::string("Type mismatch - got ") + (instance ? type_name(*instance) : "a different type"),
            "Verify the value is the correct type (string, number, boolean, object, array)"};
  }
  if (has("enum")) {
    return {"Invalid value - the field has a restricted set of allowed values",
            "Check the documentation for the list of valid values"};
  }
  if (has("regex") || has("pattern")) {
    return {"Value format is incorrect", "The value must match a specific format or pattern"};
  }
  if (has("greater than") || has("less than") || has("minimum") || has("maximum")) {
    return {"Value is outside the allowed range", "Adjust the value to be within the valid range"};
  }
  if (has("oneOf") || has("anyOf") || has("child schema")) {
    return {"The value does not match any of the allowed forms",
            "Check the server type and the fields that type requires"};
  }
  if (has("characters in length") || has("length")) {
    return {"Value has an invalid length", "Provide a non-empty value"};
  }
  return {"", ""};
}

}  // namespace

Status validate_against_schema(const json::Value& document) {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::RapidJsonAdapter target(document);
  if (validator.validate(compiled_schema(), target, &results)) return ok_status();

  std::string report =
      "Configuration validation error (MCP Gateway version: " + base::version_string() + "):\n\n";
  // valijson reports each failure once more at every enclosing schema ("Failed to validate against ...");
  // the leaves say what is actually wrong, so only they are shown when there are any.
  std::vector<valijson::ValidationResults::Error> errors, leaves;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) errors.push_back(error);
  for (const auto& e : errors) {
    if (!base::starts_with(e.description, "Failed to validate against")) leaves.push_back(e);
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& error : leaves.empty() ? errors : leaves) {
    std::string where = location(error.context);
    if (!seen.insert({where, error.description}).second) continue;
    report += "Location: " + where + "\nError: " + error.description + "\n";
    auto [detail, hint] = details(error.description, resolve(document, error.context));
    if (!detail.empty()) report += "Details: " + detail + "\n  \xE2\x86\x92 " + hint + "\n";
    report += "\n";
  }
  report += std::string("Please check your configuration against the MCP Gateway specification at:\n") +
            kConfigSpecUrl + "\n\nJSON Schema reference:\n" + kSchemaUrl;
  return Error{report};
}

}  // namespace awmg::config
