#include "gateway/routes.hpp"

#include <cctype>

#include "base/strings.hpp"
#include "frontend/auth.hpp"
#include "frontend/hmac.hpp"
#include "frontend/mcp_endpoint.hpp"
#include "gateway/health.hpp"
#include "gateway/reflect.hpp"
#include "gateway/status_page.hpp"
#include "http/host_check.hpp"
#include "json/json.hpp"
#include "log/logger.hpp"
#include "telemetry/tracer.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

const char* kJson = "application/json";

using http::path_of;

// Auth for the routes that need it; std::nullopt when the request may go on.
std::optional<http::Response> authenticate(const config::Config& config, const http::Request& req) {
  return frontend::authenticate(config.gateway.keys(), req);
}

http::Response close_route(const config::Config& config, std::atomic<bool>& shutting_down,
                           const http::Request& req, const http::Responder& responder,
                           const std::function<void()>& request_shutdown) {
  if (auto denied = http::check_host_and_origin(req, responder)) return *denied;
  if (auto denied = authenticate(config, req)) return *denied;
  if (req.method() != bhttp::verb::post) {
    return http::make_response(req, 405, R"({"error":"method_not_allowed","message":"method not allowed"})",
                               kJson);
  }
  if (shutting_down.exchange(true)) {
    return http::make_response(req, 410, R"({"error":"Gateway has already been closed"})", kJson);
  }
  log::info("shutdown", "Shutdown requested via /close");
  request_shutdown();
  return http::make_response(
      req, 200,
      R"({"status":"closed","message":"Gateway shutdown initiated","serversTerminated":)" +
          std::to_string(config.servers.size()) + "}",
      kJson);
}

// The MCP route a path names: "" for unified, the server id for routed, std::nullopt for none.
std::optional<std::string> mcp_route(const config::Config& config, bool unified, std::string_view path) {
  if (path != "/mcp" && !base::starts_with(path, "/mcp/")) return std::nullopt;
  if (unified) return std::string();
  if (path == "/mcp") return std::nullopt;
  std::string_view rest = path.substr(5);
  std::string id(rest.substr(0, rest.find('/')));
  if (!config.find_server(id)) return std::nullopt;
  return id;
}

// Agents' labels are the gateway's business: the same key and the same Host/Origin rules as the MCP routes
// (upstream serves /reflect to anyone).
http::Response reflect_route(const config::Config& config, Guards& guards, const http::Request& req,
                             const http::Responder& responder) {
  if (auto denied = http::check_host_and_origin(req, responder)) return *denied;
  if (auto denied = authenticate(config, req)) return *denied;
  return http::make_response(req, 200, reflect_document(guards), kJson);
}

// Prometheus metrics: behind the key and the Host/Origin rules too (server names and traffic are the
// operator's business).
http::Response metrics_route(Gateway& gw, const http::Request& req, const http::Responder& responder) {
  if (auto denied = http::check_host_and_origin(req, responder)) return *denied;
  if (auto denied = authenticate(gw.config(), req)) return *denied;
  return http::make_response(req, 200, gw.metrics().registry.render(),
                             "text/plain; version=0.0.4; charset=utf-8");
}

// The live status page: the page itself holds nothing (its script asks /status.json with the key).
http::Response status_route(Gateway& gw, const http::Request& req, const http::Responder& responder,
                            bool document) {
  if (auto denied = http::check_host_and_origin(req, responder)) return *denied;
  if (!document) {
    auto page = http::make_response(req, 200, status_page_html(), "text/html; charset=utf-8");
    page.set("Content-Security-Policy", status_page_policy());
    page.set("Cache-Control", "no-store");
    return page;
  }
  if (auto denied = authenticate(gw.config(), req)) return *denied;
  auto answer = http::make_response(
      req, 200,
      status_document(gw.status().snapshot(), gw.breakers().states(), gw.sessions().size(), gw.decisions()),
      kJson);
  answer.set("Cache-Control", "no-store");
  return answer;
}

// MCP requests before every backend registered or failed: a session made now would see a partial gateway.
http::Response starting_response(const http::Request& req) {
  auto answer = http::make_response(req, 503, R"({"error":"the gateway is starting"})", kJson);
  answer.set("Retry-After", "1");
  return answer;
}

// The label a request's route has in the metrics (a fixed set: paths are the client's to choose).
const char* route_label(std::string_view path, bool mcp) {
  if (mcp) return "mcp";
  if (path == "/status.json") return "status";
  for (const char* known : {"/health", "/close", "/reflect", "/metrics", "/status"})
    if (path == known) return known + 1;
  return "other";
}

// A response for the routes that need no waiting.
http::Response plain_route(Gateway& gw, const http::Request& req, const http::Responder& responder,
                           std::string_view path, const std::function<void()>& request_shutdown) {
  if (path == "/health")
    return http::make_response(req, 200, health_document(gw.status().snapshot(), gw.breakers().states()),
                               kJson);
  if (path == "/close") return close_route(gw.config(), gw.shutting_down(), req, responder, request_shutdown);
  if (path == "/reflect") return reflect_route(gw.config(), gw.guards(), req, responder);
  if (path == "/metrics") return metrics_route(gw, req, responder);
  if (path == "/status" || path == "/status.json") return status_route(gw, req, responder, path != "/status");
  return http::make_response(req, 404, "404 page not found\n");
}

// The server span of an MCP request, child of the client's `traceparent` when it sends a valid one.
telemetry::Span request_span(const http::Request& req, std::string_view path, const std::string& route) {
  auto span =
      telemetry::Tracer::instance().start_server_span("gateway.request", http::header(req, "traceparent"));
  if (!span.recording()) return span;
  span.set("http.request.method", std::string(req.method_string()));
  span.set("url.path", std::string(path));
  span.set("http.route", route.empty() ? std::string("/mcp") : std::string("/mcp/{server}"));
  span.set("gateway.tag", route.empty() ? std::string("unified") : "routed:" + route);
  return span;
}

void end_request_span(telemetry::Span& span, const http::Request& req, unsigned status) {
  if (!span.recording()) return;
  span.set("http.response.status_code", static_cast<int64_t>(status));
  if (status >= 500) span.set_error("HTTP " + std::to_string(status));
  if (auto session = http::header(req, "mcp-session-id")) {
    std::string prefix;  // (the client's bytes: only what a session id of ours is made of)
    for (char c : session->substr(0, 8))
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') prefix += c;
    span.set("gen_ai.conversation.id", prefix);
  }
}

}  // namespace

http::Handler make_routes(Gateway& gw, std::function<void()> request_shutdown) {
  // No temporaries inside co_await and no `co_return co_await` here: see mcp_endpoint.cpp.
  std::shared_ptr<frontend::HmacVerifier> hmac;
  if (!gw.settings().hmac_secret.empty())
    hmac = std::make_shared<frontend::HmacVerifier>(gw.settings().hmac_secret);
  frontend::FrontDoor door{gw.sessions(), gw, gw.shutting_down(), gw.config().gateway.keys().size() > 1};
  return [&gw, request_shutdown, hmac, door](const http::Request& req,
                                             http::Responder& responder) -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    std::string_view path = path_of(req);
    std::optional<std::string> route;
    if (path != "/mcp/.well-known/oauth-authorization-server")
      route = mcp_route(gw.config(), gw.settings().unified, path);
    // (the server label is a configured server, or "" for the unified endpoint and other routes)
    const std::vector<std::string> labels = {route_label(path, route.has_value()), route.value_or("")};
    std::optional<http::Response> denied;
    if (route) denied = authenticate(gw.config(), req);
    if (route && !denied) denied = frontend::verify_signature(hmac.get(), req);
    if (route && !denied && !gw.started()) denied = starting_response(req);
    if (route && !denied) {
      telemetry::Span span = request_span(req, path, *route);
      co_await frontend::serve_mcp(door, req, responder, *route, span.context());
      end_request_span(span, req, responder.status());
    } else {
      http::Response response =
          denied ? std::move(*denied) : plain_route(gw, req, responder, path, request_shutdown);
      co_await responder.send(std::move(response));
    }
    gw.metrics().requests.with(labels).inc();
    gw.metrics().request_seconds.with(labels).observe(std::chrono::steady_clock::now() - start);
  };
}

}  // namespace awmg::gateway
