#pragma once
#include <optional>
#include <string>

#include "backend/connection.hpp"
#include "frontend/session.hpp"
#include "json/json.hpp"

namespace awmg::frontend {

// A backend's requests to a client (sampling, elicitation, roots), relayed through the client's session under
// ids of the session's own, and the client's answers carried back under the backend's ids.

// The message that carries a backend's request to this client; std::nullopt when the client cannot take it
// (the backend has then been answered with an error).
std::optional<std::string> to_client(Session& session, const backend::Event& request);

// Answers a relayed backend request with the client's response. False when `message` answers none.
bool from_client(Session& session, const json::Value& message);

// Tells a relayed backend request that no answer will come (the client went away).
void refuse(const backend::Event& request, const std::string& reason);

}  // namespace awmg::frontend
