#include "results/url_audit.hpp"

#include <cstring>

#include "base/files.hpp"
#include "base/strings.hpp"
#include "json/json.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::results {

namespace {

constexpr size_t kMaxAuthority = 300;  // a host name has at most 253 characters

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// A URL's authority as a clean host name, or "".
std::string host_of(std::string authority) {
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  authority = base::to_lower(authority);
  if (!authority.empty() && authority.front() == '[') {  // IPv6
    auto close = authority.find(']');
    if (close == std::string::npos) return "";
    std::string inside = authority.substr(1, close - 1);
    for (char c : inside)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.')) return "";
    return inside.empty() ? "" : "[" + inside + "]";
  }
  authority = authority.substr(0, authority.find(':'));
  while (!authority.empty() && authority.back() == '.') authority.pop_back();
  if (authority.empty() || authority.size() > 253 || authority.front() == '.' || authority.front() == '-')
    return "";
  for (char c : authority)
    if (!host_char(c)) return "";
  return authority;
}

void collect(const json::Value& v, std::set<std::string>& out) {
  if (v.IsString()) {
    auto hosts = url_hosts(std::string(v.GetString(), v.GetStringLength()));
    out.insert(hosts.begin(), hosts.end());
  } else if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) collect(it->value, out);
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) collect(item, out);
  }
}

}  // namespace

std::set<std::string> url_hosts(const std::string& text) {
  std::set<std::string> hosts;
  std::string lower = base::to_lower(text);
  for (size_t at = lower.find("http"); at != std::string::npos; at = lower.find("http", at + 4)) {
    size_t start;
    if (lower.compare(at, 7, "http://") == 0) {
      start = at + 7;
    } else if (lower.compare(at, 8, "https://") == 0) {
      start = at + 8;
    } else {
      continue;
    }
    size_t end = start;
    while (end < text.size() && end - start < kMaxAuthority &&
           !std::strchr("/?#\\ \t\r\n\"'<>()[]{}`,;|", text[end]))
      ++end;
    if (end == start && end < text.size() && text[end] == '[') {  // an IPv6 literal: up to its ']', nearby
      // (looked for nearby only: a search to the end for each unclosed literal is quadratic)
      size_t close = std::string_view(text).substr(start, kMaxAuthority + 1).find(']');
      if (close == std::string_view::npos) continue;
      end = start + close + 1;
    }
    std::string host = host_of(text.substr(start, end - start));
    if (!host.empty()) hosts.insert(host);
  }
  return hosts;
}

UrlAudit::UrlAudit(std::string file) : file_(std::move(file)) {}

void UrlAudit::observe(const std::string& server_id, const std::string& result_json) {
  auto doc = json::parse(result_json);
  if (!doc || !doc->IsObject()) return;
  if (mcp::is_error_result(*doc)) return;  // errors pass through unaudited, as upstream
  std::set<std::string> hosts;
  collect(*doc, hosts);
  if (hosts.empty()) return;
  std::lock_guard lock(mutex_);
  auto& known = domains_[server_id];
  size_t before = known.size();
  for (const auto& host : hosts) {
    if (known.size() >= kMaxHostsPerServer) {
      if (before < kMaxHostsPerServer) break;
      return;  // full: recorded once (WARN below), then nothing more
    }
    known.insert(host);
  }
  if (known.size() >= kMaxHostsPerServer && before < kMaxHostsPerServer)
    log::warn("audit", "server " + server_id + " has shown " + std::to_string(kMaxHostsPerServer) +
                           " URL domains; no more are recorded for it");
  if (known.size() != before) save();
}

void UrlAudit::save() {
  std::string out = "{";
  for (const auto& [server, hosts] : domains_) {
    out += (out.size() > 1 ? "," : "") + json::quote(server) + ":[";
    bool first = true;
    for (const auto& host : hosts) {
      out += (first ? "" : ",") + json::quote(host);
      first = false;
    }
    out += "]";
  }
  out += "}\n";
  if (auto written = base::write_file_atomic(file_, out, 0600); !written)
    log::warn("audit", "cannot write " + file_ + ": " + written.error().message);
}

}  // namespace awmg::results
