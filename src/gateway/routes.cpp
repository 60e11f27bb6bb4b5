#include "gateway/routes.hpp"

#include <boost/asio/post.hpp>

#include "base/strings.hpp"
#include "gateway/auth.hpp"
#include "gateway/health.hpp"
#include "log/logger.hpp"

namespace awmg::gateway {
namespace {

namespace bhttp = boost::beast::http;
const char* kJson = "application/json";

std::optional<std::string_view> header(const http::Request& req, std::string_view name) {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

std::string_view path_of(const http::Request& req) {
  std::string_view target(req.target().data(), req.target().size());
  return target.substr(0, target.find('?'));
}

// Auth for routes that need it; std::nullopt when the request may go on.
std::optional<http::Response> authenticate(const RouteContext& ctx, const http::Request& req) {
  auto result = check_authorization(header(req, "Authorization"), ctx.config->gateway.agent_id);
  if (result == AuthResult::kOk) return std::nullopt;
  log_auth_failure(result, header(req, "X-Request-ID").value_or(""), path_of(req),
                   std::string_view(req.method_string().data(), req.method_string().size()));
  return http::make_response(req, auth_failure_status(result), auth_failure_body(result), kJson);
}

http::Response close_route(const RouteContext& ctx, const http::Request& req) {
  if (auto denied = authenticate(ctx, req)) return *denied;
  if (req.method() != bhttp::verb::post) {
    return http::make_response(req, 405, R"({"error":"method_not_allowed","message":"method not allowed"})", kJson);
  }
  if (ctx.shutting_down->exchange(true)) {
    return http::make_response(req, 410, R"({"error":"Gateway has already been closed"})", kJson);
  }
  log::info("shutdown", "Shutdown requested via /close");
  ctx.request_shutdown();
  return http::make_response(req,
                             200,
                             R"({"status":"closed","message":"Gateway shutdown initiated","serversTerminated":)" +
                                 std::to_string(ctx.config->servers.size()) + "}",
                             kJson);
}

}  // namespace

http::Handler make_routes(RouteContext ctx) {
  return [ctx](const http::Request& req) -> http::Response {
    std::string_view path = path_of(req);
    if (path == "/health") return http::make_response(req, 200, health_document(ctx.status->snapshot()), kJson);
    if (path == "/close") return close_route(ctx, req);
    return http::make_response(req, 404, "404 page not found\n");
  };
}

}  // namespace awmg::gateway
