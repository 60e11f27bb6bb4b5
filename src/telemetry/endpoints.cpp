#include "telemetry/endpoints.hpp"

#include <cctype>

#include "base/strings.hpp"
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
  size_t scheme = url.find("://");
  std::string_view kind = scheme == std::string::npos ? "" : std::string_view(url).substr(0, scheme);
  if ((kind != "http" && kind != "https") || url.size() == scheme + 3 || url[scheme + 3] == '/')
    return Error{"OTLP endpoint '" + url + "' is not an http:// or https:// URL"};
  while (!url.empty() && url.back() == '/') url.pop_back();
  constexpr std::string_view kSignal = "/v1/traces";
  size_t path = url.find('/', scheme + 3);
  bool has_signal = path != std::string::npos && url.size() >= kSignal.size() &&
                    url.compare(url.size() - kSignal.size(), kSignal.size(), kSignal) == 0;
  if (!has_signal) url += kSignal;
  return url;
}

Result<std::map<std::string, std::string>> parse_headers(std::string_view text, bool percent_decoded) {
  std::map<std::string, std::string> out;
  for (const auto& pair : base::split(text, ',')) {
    if (base::trim(pair).empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string::npos)
      return Error{"OTLP header '" + std::string(base::trim(pair)) + "' has no '='"};
    std::string name(base::trim(std::string_view(pair).substr(0, eq)));
    std::string value(base::trim(std::string_view(pair).substr(eq + 1)));
    if (name.empty()) return Error{"an OTLP header without a name"};
    for (char c : name)
      if (!token_char(c)) return Error{"OTLP header name '" + name + "' is not an HTTP token"};
    if (percent_decoded) {
      auto decoded = percent_decode(value);
      if (!decoded) return Error{"OTLP header " + name + ": " + decoded.error().message};
      value = *decoded;
    }
    for (char c : value)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return Error{"OTLP header " + name + " has a control character in its value"};
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
