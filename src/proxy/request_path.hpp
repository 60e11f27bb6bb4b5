#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace awmg::proxy {

// A request target split into the path the proxy routes and forwards, and the query it forwards as is.
struct RequestPath {
  std::string path;   // canonical, without /api/v3; always begins with '/'
  std::string query;  // without the '?'; "" when there is none
};

// The canonical form of a request target, so what the proxy classifies is exactly what it forwards and what
// GitHub reads: escapes decoded once and only what a segment may not hold escaped again (`priv%61te` is
// `private`, `%2561` is `%2561`); empty
// segments (double slashes) and "." dropped, ".." resolved, a trailing slash dropped, then a leading
// /api/v3 (GitHub Enterprise's REST prefix) stripped. Refused: a target that is not a path, ".." above the
// root, and escapes that would hide a segment boundary or a dot from the router (%2F, %5C, %2E, %00) or a
// raw backslash or control character.
Result<RequestPath> canonical_request_path(std::string_view target);

}  // namespace awmg::proxy
