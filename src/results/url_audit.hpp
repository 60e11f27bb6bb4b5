#pragma once
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace awmg::results {

// --url-domain-audit: the host names of the URLs found in tool results' string values, per server, kept in a
// JSON file ({"<server>":["host",...]}, sorted) rewritten whenever a new one is seen. Only host names pass:
// letters, digits, '-' and '.', or a bracketed IPv6 literal; credentials and ports are dropped. Thread-safe.
class UrlAudit {
 public:
  static constexpr size_t kMaxHostsPerServer =
      1000;  // a backend cannot grow the file (and memory) without end
  explicit UrlAudit(std::string file);
  void observe(const std::string& server_id, const std::string& result_json);

 private:
  void save();  // with mutex_ held

  std::string file_;
  std::mutex mutex_;
  std::map<std::string, std::set<std::string>> domains_;
};

// The host names of the http(s) URLs in `text`, lower-cased.
std::set<std::string> url_hosts(const std::string& text);

}  // namespace awmg::results
