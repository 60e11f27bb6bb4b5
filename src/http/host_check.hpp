#pragma once
#include <optional>
#include <string_view>

#include "http/server.hpp"

namespace awmg::http {

// Whether a Host header value (or an Origin's host part) names this machine: exactly `localhost`, an IPv4
// literal in 127.0.0.0/8, or `[::1]` (or its IPv4-mapped form), each with an optional numeric port; case is
// ignored. Anything else, `127.0.0.1.evil.example`, `localhost.evil`, a trailing dot or a bare `127.` prefix
// included, is not.
bool loopback_host(std::string_view host);

// The DNS-rebinding guard for a listener on a loopback address: a 403 response when the Host is not a
// loopback name, or when an Origin is present that is neither the Host nor a loopback name; on any listener,
// 400 for two Host headers, and 403 for two Origin headers or the opaque Origin `null`.
std::optional<Response> check_host_and_origin(const Request& req, const Responder& responder);

}  // namespace awmg::http
