#include "backend/oidc.hpp"

#include <boost/asio/steady_timer.hpp>

#include <cstdlib>

#include "base/strings.hpp"
#include "http/client.hpp"
#include "json/json.hpp"

namespace awmg::backend {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto kFetchTimeout = std::chrono::seconds(10);
constexpr auto kRefreshMargin = std::chrono::seconds(60);
constexpr auto kDefaultLifetime = std::chrono::minutes(5);

std::string base64url_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) break;  // padding or garbage ends the data
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

std::string percent_encode(std::string_view in) {
  return base::hex_escape(in, '%', [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~';
  });
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> jwt_expiry(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = first == std::string::npos ? std::string::npos : jwt.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto claims = json::parse(base64url_decode(std::string_view(jwt).substr(first + 1, second - first - 1)));
  const json::Value* exp = claims && claims->IsObject() ? json::member(*claims, "exp") : nullptr;
  if (!exp || !exp->IsNumber()) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<int64_t>(exp->GetDouble())));
}

std::string with_query_parameter(const std::string& url, const std::string& name, const std::string& value) {
  std::string base = url.substr(0, url.find('#'));
  char separator =
      base.find('?') == std::string::npos ? '?' : (base.back() == '?' || base.back() == '&' ? 0 : '&');
  return base + (separator ? std::string(1, separator) : "") + name + "=" + percent_encode(value);
}

std::optional<std::shared_ptr<OidcTokens>> OidcTokens::from_environment() {
  const char* url = std::getenv("ACTIONS_ID_TOKEN_REQUEST_URL");
  if (!url || !*url) return std::nullopt;
  const char* token = std::getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  return std::make_shared<OidcTokens>(url, token ? token : "");
}

OidcTokens::OidcTokens(std::string request_url, std::string request_token)
    : request_url_(std::move(request_url)), request_token_(std::move(request_token)) {}

asio::awaitable<Result<std::string>> OidcTokens::token(const std::string& audience) {
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(audience);
    if (it != cache_.end() && std::chrono::system_clock::now() + kRefreshMargin < it->second.expires)
      co_return it->second.jwt;
  }
  auto fetched = co_await fetch(audience);
  if (!fetched) co_return fetched.error();
  auto expires = jwt_expiry(*fetched).value_or(std::chrono::system_clock::now() + kDefaultLifetime);
  std::lock_guard lock(mutex_);
  cache_[audience] = Cached{*fetched, expires};
  co_return std::move(*fetched);
}

asio::awaitable<Result<std::string>> OidcTokens::fetch(const std::string& audience) {
  std::string full = with_query_parameter(request_url_, "audience", audience);
  auto url = http::Url::parse(full);
  if (!url) co_return Error{"OIDC token request URL: " + url.error().message};
  const std::map<std::string, std::string> headers{{"Authorization", "Bearer " + request_token_},
                                                   {"Accept", "application/json"}};
  const auto deadline = std::chrono::steady_clock::now() + kFetchTimeout;
  const size_t limit = 1 << 20;
  auto fetched = co_await http::fetch(*url, headers, deadline, limit);
  if (!fetched) co_return Error{"fetching the OIDC token failed: " + fetched.error().message};
  if (fetched->status != 200)
    co_return Error{"fetching the OIDC token failed: HTTP " + std::to_string(fetched->status)};
  auto doc = json::parse(fetched->body);
  std::string value = doc && doc->IsObject() ? json::string_or(*doc, "value") : "";
  if (value.empty()) co_return Error{"fetching the OIDC token failed: the answer has no \"value\""};
  co_return value;
}

}  // namespace awmg::backend
