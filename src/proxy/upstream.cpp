#include "proxy/upstream.hpp"

#include <algorithm>
#include <charconv>

#include "base/strings.hpp"

namespace awmg::proxy {

namespace bhttp = boost::beast::http;

Upstream::Upstream(http::Url origin, std::string base, std::string token, std::chrono::milliseconds timeout)
    : origin_(std::move(origin)), base_(std::move(base)), token_(std::move(token)), timeout_(timeout) {
  base_path_ = origin_.target;
  if (auto mark = base_path_.find('?'); mark != std::string::npos) base_path_.erase(mark);
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  if (base::ends_with(base_path_, "/api/v3"))
    graphql_target_ = base_path_.substr(0, base_path_.size() - 7) + "/api/graphql";
  else
    graphql_target_ = base_path_ + "/graphql";
  client_ = std::make_shared<http::Client>(origin_, std::chrono::seconds(10));
}

Result<Upstream> Upstream::create(const std::string& base, std::string token,
                                  std::chrono::milliseconds timeout) {
  std::string trimmed = base;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  AWMG_TRY(auto origin, http::Url::parse(trimmed));
  if (origin.target.find('?') != std::string::npos)
    return Error{"the GitHub API URL must not carry a query: " + base};
  return Upstream(std::move(origin), std::move(trimmed), std::move(token), timeout);
}

std::string Upstream::rest_target(const std::string& path, const std::string& query) const {
  return base_path_ + path + (query.empty() ? "" : "?" + query);
}

std::map<std::string, std::string> Upstream::headers(const http::Request& client, Body body) const {
  std::map<std::string, std::string> out{{"Accept", "application/vnd.github+json"},
                                         {"User-Agent", "awmg/1.0"}};
  if (auto auth = http::header(client, "Authorization"); auth && !auth->empty())
    out["Authorization"] = std::string(*auth);
  else if (!token_.empty())
    out["Authorization"] = "token " + token_;
  if (body == Body::kJson) {
    out["Content-Type"] = "application/json";
  } else if (body == Body::kClients) {
    auto type = http::header(client, "Content-Type");
    out["Content-Type"] = type ? std::string(*type) : "application/json";
  }
  return out;
}

boost::asio::awaitable<Result<std::unique_ptr<http::Exchange>>> Upstream::send(
    const bhttp::verb& verb, const std::string& target, const std::map<std::string, std::string>& headers,
    const std::string& body, const std::shared_ptr<http::Abort>& abort) const {
  auto sent = co_await client_->send(verb, target, headers, body, abort);
  co_return sent;
}

Bounded::Bounded(const boost::asio::any_io_executor& executor, std::chrono::milliseconds timeout)
    : abort_(std::make_shared<http::Abort>(executor, std::chrono::steady_clock::now() + timeout)),
      timer_(executor, abort_->deadline()) {
  timer_.async_wait([abort = abort_](const boost::system::error_code& ec) {
    if (!ec) (*abort)();
  });
}

Bounded::~Bounded() {
  timer_.cancel();
}

void copy_response_headers(const http::Exchange& from, bhttp::fields& to) {
  static const char* const kKept[] = {"Content-Type",
                                      "Content-Disposition",
                                      "Location",
                                      "Link",
                                      "X-GitHub-Request-Id",
                                      "X-RateLimit-Limit",
                                      "X-RateLimit-Remaining",
                                      "X-RateLimit-Reset",
                                      "X-RateLimit-Resource",
                                      "X-RateLimit-Used"};
  for (const char* name : kKept) {
    std::string value = from.header(name);
    if (!value.empty()) to.set(name, value);
  }
  to.set("X-Content-Type-Options", "nosniff");  // a body is never run as what a browser guesses it is
}

std::optional<long> retry_after(unsigned status, const std::string& remaining, const std::string& reset,
                                std::chrono::system_clock::time_point now) {
  if (status != 429 && base::trim(remaining) != "0") return std::nullopt;
  long long at = 0;
  std::string_view text = base::trim(reset);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), at);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return 60;
  long long seconds =
      at - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 1;
  if (seconds < 1) return 60;
  return static_cast<long>(std::min<long long>(seconds, 3600));
}

}  // namespace awmg::proxy
