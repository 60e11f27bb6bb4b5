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

// Every escape decoded once, as GitHub decodes a path before routing it (`priv%61te` is `private`).
std::string decoded(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (auto c = base::percent_escape_at(path, i)) {
      out += *c;
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

// What a path segment may hold unescaped (RFC 3986 pchar without '%'); anything else is escaped again, so
// GitHub's one decoding gives back exactly the segment that was routed (`%2561` stays `%61`, never `a`).
bool plain_in_segment(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~!$&'()*+,;=:@").find(c) != std::string_view::npos;
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
  const std::string plain = decoded(path);
  if (has_control_or_backslash(plain)) return Error{"the path holds an escaped control character"};
  std::vector<std::string> segments;
  for (auto& segment : base::split(plain, '/')) {
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
  for (size_t i = first; i < segments.size(); ++i)
    out.path += "/" + base::hex_escape(segments[i], '%', plain_in_segment);
  if (out.path.empty()) out.path = "/";
  return out;
}

}  // namespace awmg::proxy
