#pragma once
#include <string>

#include "config/model.hpp"

namespace awmg::gateway {

// The host clients should use for a listen address: 0.0.0.0, :: and [::] become 127.0.0.1; an unparseable
// address becomes 127.0.0.1:3000.
std::string client_host_port(const std::string& listen);

// The one JSON document printed on stdout once the listener is bound: every server's URL
// (`/mcp/<id>` routed, `/mcp` unified), the Authorization header and the tools allowlist when configured.
std::string client_config_document(const config::Config& config, const std::string& listen, bool tls,
                                   bool unified);

}  // namespace awmg::gateway
