#include "frontend/framing.hpp"

#include "base/strings.hpp"
#include "http/sse.hpp"

namespace awmg::frontend {

namespace bhttp = boost::beast::http;

Accepts parse_accept(std::optional<std::string_view> value) {
  if (!value) return {true, true};
  Accepts a;
  for (const auto& part : base::split(*value, ',')) {
    std::string type = base::to_lower(base::trim(part.substr(0, part.find(';'))));
    if (type == "*/*") a.json = a.sse = true;
    if (type == "application/json" || type == "application/*") a.json = true;
    if (type == "text/event-stream" || type == "text/*") a.sse = true;
  }
  return a;
}

http::Response framed(const http::Request& req, const Accepts& accepts, const std::string& message,
                      const std::string& session_id) {
  auto res = accepts.sse ? http::make_response(req, 200, http::sse_event(message), "text/event-stream")
                         : http::make_response(req, 200, message, "application/json");
  if (!session_id.empty()) res.set("Mcp-Session-Id", session_id);
  if (accepts.sse) res.set(bhttp::field::cache_control, "no-cache");
  return res;
}

}  // namespace awmg::frontend
