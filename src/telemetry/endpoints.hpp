#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "telemetry/exporter.hpp"

namespace awmg::telemetry {

// An OTLP base URL as the traces URL: a trailing `/` dropped and `/v1/traces` appended unless the path ends
// with it already. Refused: anything but an http:// or https:// URL with a host and no query or fragment.
Result<std::string> traces_url(std::string_view endpoint);

// `k=v,k2=v2` headers (OTEL_EXPORTER_OTLP_HEADERS and the fan-out list's). `percent_decoded`: values are
// percent-decoded, as OpenTelemetry's environment variable says. A pair without `=` or with an empty name,
// a name that is not an HTTP token, or a value with a control character is refused.
Result<std::map<std::string, std::string>> parse_headers(std::string_view text, bool percent_decoded);

// A header the exporter may send: the name an HTTP token, the value without control characters.
Status check_header(std::string_view name, std::string_view value);

// GH_AW_OTLP_ENDPOINTS: a comma-separated list of URLs, or a JSON array of {"url": ..., "headers":
// "k=v,..."}. Each endpoint gets `shared` headers, its own overriding them.
Result<std::vector<Endpoint>> parse_endpoint_list(std::string_view text,
                                                  const std::map<std::string, std::string>& shared);

}  // namespace awmg::telemetry
