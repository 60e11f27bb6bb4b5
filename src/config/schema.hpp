#pragma once
#include "base/result.hpp"
#include "json/json.hpp"

namespace awmg::config {

// Validates a JSON config document against the embedded schema (src/config/schema.json). The error text is
// the upstream report: a header naming the gateway version, one Location/Error/Details block per problem,
// and the footer with the specification and schema links.
Status validate_against_schema(const json::Value& document);

}  // namespace awmg::config
