#include "http/host_check.hpp"

#include <arpa/inet.h>

#include "base/strings.hpp"

namespace awmg::http {
namespace {

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Splits `host[:port]` or `[v6][:port]`; false when the form is not one of those.
bool split_host(std::string_view text, std::string_view& name, bool& bracketed) {
  std::string_view port;
  bracketed = !text.empty() && text.front() == '[';
  if (bracketed) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    name = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
  } else {
    auto colon = text.find(':');
    name = text.substr(0, colon);
    if (colon == std::string_view::npos) return true;
    port = text.substr(colon + 1);
  }
  return valid_port(port);
}

bool loopback_v4(const std::string& name) {
  in_addr addr{};
  if (::inet_pton(AF_INET, name.c_str(), &addr) != 1) return false;  // four decimal parts, nothing else
  return (ntohl(addr.s_addr) >> 24) == 127;
}

bool loopback_v6(const std::string& name) {
  in6_addr addr{};
  if (::inet_pton(AF_INET6, name.c_str(), &addr) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&addr)) return true;
  return IN6_IS_ADDR_V4MAPPED(&addr) && addr.s6_addr[12] == 127;
}

http::Response forbidden(const http::Request& req, const std::string& text) {
  return http::make_response(req, 403, text + "\n");
}

}  // namespace

bool loopback_host(std::string_view host) {
  std::string_view name;
  bool bracketed = false;
  if (!split_host(host, name, bracketed) || name.empty()) return false;
  std::string lower = base::to_lower(name);
  if (bracketed) return loopback_v6(lower);
  return lower == "localhost" || loopback_v4(lower);
}

std::optional<http::Response> check_host_and_origin(const http::Request& req,
                                                    const http::Responder& responder) {
  // Two of either would let this check read one while a proxy in front reads the other.
  if (req.count(boost::beast::http::field::host) > 1)
    return http::make_response(req, 400, "Bad Request: more than one Host header\n");
  if (req.count(boost::beast::http::field::origin) > 1)
    return forbidden(req, "Forbidden: more than one Origin header");
  auto host = http::header(req, "Host");
  if (responder.local_is_loopback() && !loopback_host(host.value_or("")))
    return forbidden(req, "Forbidden: invalid Host header " + base::quote(host.value_or("")));
  auto origin = http::header(req, "Origin");
  if (!origin) return std::nullopt;
  // An opaque origin (a sandboxed frame, a file:// page, a cross-origin redirect) names no page this machine
  // serves.
  if (*origin == "null") return forbidden(req, "Forbidden: an opaque Origin (null)");
  auto scheme = origin->find("://");
  std::string_view origin_host = scheme == std::string_view::npos ? *origin : origin->substr(scheme + 3);
  bool same = host && base::to_lower(origin_host) == base::to_lower(*host);
  if (!same && !loopback_host(origin_host))
    return forbidden(req, "Forbidden: invalid Origin header " + base::quote(*origin));
  return std::nullopt;
}

}  // namespace awmg::http
