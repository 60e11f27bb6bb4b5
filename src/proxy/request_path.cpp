#include "proxy/request_path.hpp"

#include <cctype>
#include <vector>

#include "base/strings.hpp"

namespace awmg::proxy {
namespace {

// Escapes a router would see as text and a server might decode into a separator or a dot.
bool hides_structure(std::string_view path) {
  for (size_t i = 0; i + 2 < path.size(); ++i) {
    if (path[i] != '%') continue;
    std::string code = base::to_lower(path.substr(i + 1, 2));
    if (code == "2f" || code == "5c" || code == "2e" || code == "00") return true;
  }
  return false;
}

// Escapes of letters, digits, '-', '_' and '~' decoded: GitHub decodes them before routing (`priv%61te`
// is `private`), so the proxy routes and forwards the decoded form. Other escapes stay as they are.
std::string decode_unreserved(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    auto c = base::percent_escape_at(path, i);
    if (c && (std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' || *c == '_' || *c == '~')) {
      out += *c;
      i += 2;
      continue;
    }
    out += path[i];
  }
  return out;
}

bool has_control_or_backslash(std::string_view path) {
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f || c == '\\') return true;
  }
  return false;
}

}  // namespace

Result<RequestPath> canonical_request_path(std::string_view target) {
  if (target.empty() || target.front() != '/') return Error{"the request target is not a path"};
  RequestPath out;
  std::string_view path = target;
  if (auto mark = target.find('?'); mark != std::string_view::npos) {
    path = target.substr(0, mark);
    out.query = std::string(target.substr(mark + 1));
  }
  if (has_control_or_backslash(path)) return Error{"the path holds a backslash or a control character"};
  if (hides_structure(path)) return Error{"the path holds an escaped slash, backslash, dot or NUL"};
  const std::string decoded = decode_unreserved(path);
  std::vector<std::string> segments;
  for (auto& segment : base::split(decoded, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (segments.empty()) return Error{"the path climbs above the root"};
      segments.pop_back();
      continue;
    }
    segments.push_back(std::move(segment));
  }
  size_t first = 0;
  if (segments.size() >= 2 && segments[0] == "api" && segments[1] == "v3") first = 2;
  for (size_t i = first; i < segments.size(); ++i) out.path += "/" + segments[i];
  if (out.path.empty()) out.path = "/";
  return out;
}

}  // namespace awmg::proxy
