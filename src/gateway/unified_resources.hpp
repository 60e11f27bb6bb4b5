#pragma once
#include "async/awaitable.hpp"

#include <string>

#include "frontend/session.hpp"
#include "gateway/backends.hpp"
#include "json/json.hpp"

namespace awmg::gateway {

// Resources on the unified endpoint /mcp: every backend that offers resources (and whose DIFC guard, if any,
// is the noop one) contributes its items with name and uri (or uriTemplate) prefixed `<server>___`, the way
// tools are; a read goes to the server its prefix names, with the backend's own uri.

// Whether any server contributes resources (the unified endpoint then declares the capability).
bool any_unified_resources(const Backends& backends);

// resources/list or resources/templates/list, all servers in one page.
boost::asio::awaitable<std::string> list_unified_resources(const Backends& backends,
                                                           frontend::Session& session, const std::string& id,
                                                           const std::string& method);
boost::asio::awaitable<std::string> read_unified_resource(const Backends& backends,
                                                          frontend::Session& session, const std::string& id,
                                                          const json::Value* params);

}  // namespace awmg::gateway
