#pragma once
#include <string>
#include <string_view>

namespace awmg::log {

// Redacts secrets from text bound for a log: tokens, keys, passwords, bearer and
// authorization values, GitHub PATs, JWTs, long hex runs (agent ids), and JSON string fields with secret
// names. Applied to every persisted message and payload.
std::string sanitize(std::string_view text);

// Session ids in log messages: the first 8 characters, or "(none)".
std::string short_session_id(std::string_view id);

}  // namespace awmg::log
