#include "telemetry/endpoints.hpp"

#include <cctype>

#include "base/strings.hpp"
#include "http/client.hpp"
#include "json/json.hpp"

namespace awmg::telemetry {

namespace {

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return Error{"a '%' not followed by two hex digits"};
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

}  // namespace

Result<std::string> traces_url(std::string_view endpoint) {
  std::string url(base::trim(endpoint));
  auto parsed = http::Url::parse(url);
  if (!parsed || parsed->host.empty() || url.find_first_of("?#") != std::string::npos)
    return Error{"OTLP endpoint '" + url + "' is not an http:// or https:// URL of a host without a query"};
  while (!url.empty() && url.back() == '/') url.pop_back();
  constexpr std::string_view kSignal = "/v1/traces";
  std::string_view path = parsed->target;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.size() < kSignal.size() || path.substr(path.size() - kSignal.size()) != kSignal) url += kSignal;
  return url;
}

Status check_header(std::string_view name, std::string_view value) {
  if (name.empty()) return Error{"an OTLP header without a name"};
  for (char c : name)
    if (!token_char(c)) return Error{"OTLP header name '" + std::string(name) + "' is not an HTTP token"};
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return Error{"OTLP header " + std::string(name) + " has a control character in its value"};
  return ok_status();
}

Result<std::map<std::string, std::string>> parse_headers(std::string_view text, bool percent_decoded) {
  std::map<std::string, std::string> out;
  size_t index = 0;
  for (const auto& pair : base::split(text, ',')) {
    ++index;
    if (base::trim(pair).empty()) continue;
    size_t eq = pair.find('=');
    // (never the pair itself in the message: it may be a secret written the wrong way)
    if (eq == std::string::npos) return Error{"OTLP header " + std::to_string(index) + " has no '='"};
    std::string name(base::trim(std::string_view(pair).substr(0, eq)));
    std::string value(base::trim(std::string_view(pair).substr(eq + 1)));
    if (percent_decoded) {
      auto decoded = percent_decode(value);
      if (!decoded) return Error{"OTLP header " + std::to_string(index) + ": " + decoded.error().message};
      value = *decoded;
    }
    AWMG_CHECK(check_header(name, value));
    out[name] = value;
  }
  return out;
}

Result<std::vector<Endpoint>> parse_endpoint_list(std::string_view text,
                                                  const std::map<std::string, std::string>& shared) {
  std::vector<Endpoint> out;
  std::string_view trimmed = base::trim(text);
  if (!trimmed.empty() && trimmed.front() == '[') {
    auto doc = json::parse(trimmed);
    if (!doc || !doc->IsArray()) return Error{"GH_AW_OTLP_ENDPOINTS is not a JSON array"};
    for (const auto& item : doc->GetArray()) {
      if (!item.IsObject()) return Error{"GH_AW_OTLP_ENDPOINTS: every entry must be an object with a url"};
      AWMG_TRY(std::string url, traces_url(json::string_or(item, "url")));
      Endpoint e{url, shared};
      AWMG_TRY(auto own, parse_headers(json::string_or(item, "headers"), false));
      for (auto& [k, v] : own) e.headers[k] = v;
      out.push_back(std::move(e));
    }
  } else {
    for (const auto& part : base::split(trimmed, ',')) {
      if (base::trim(part).empty()) continue;
      AWMG_TRY(std::string url, traces_url(part));
      out.push_back(Endpoint{url, shared});
    }
  }
  if (out.empty()) return Error{"GH_AW_OTLP_ENDPOINTS names no endpoint"};
  return out;
}

}  // namespace awmg::telemetry
