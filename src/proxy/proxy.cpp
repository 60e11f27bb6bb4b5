#include "proxy/proxy.hpp"

#include "async/blocking.hpp"
#include "base/strings.hpp"
#include "difc/snapshot.hpp"
#include "http/host_check.hpp"
#include "json/json.hpp"
#include "log/logger.hpp"
#include "proxy/graphql.hpp"
#include "proxy/rebuild.hpp"
#include "proxy/relay.hpp"
#include "proxy/request_path.hpp"
#include "proxy/routes.hpp"
#include "telemetry/tracer.hpp"

namespace awmg::proxy {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kMaxWriteAnswer = 16u << 20;

bool passthrough_route(const std::string& path) {
  return path == "/meta" || path == "/rate_limit" || path == "/octocat" || path == "/zen" ||
         path == "/versions";
}

bool graphql_path(const std::string& path) {
  return path == "/graphql" || path == "/api/graphql";  // (/api/v3/graphql is /graphql once stripped)
}

http::Response graphql_error(const http::Request& request, unsigned status, const std::string& message) {
  return http::make_response(request, status,
                             R"({"errors":[{"message":)" + json::quote(message) + R"(}],"data":null})",
                             "application/json");
}

std::string utc_now() {
  return log::timestamp(std::chrono::system_clock::now()).substr(0, 19) + "Z";
}

}  // namespace

http::Response json_error(const http::Request& request, unsigned status, const std::string& code,
                          const std::string& message) {
  return http::make_response(
      request, status, R"({"error":)" + json::quote(code) + R"(,"message":)" + json::quote(message) + "}",
      "application/json");
}

Proxy::Proxy(asio::io_context& io, Upstream upstream, std::unique_ptr<guard::Guard> guard,
             ProxySettings settings)
    : io_(io),
      upstream_(std::move(upstream)),
      guard_(std::move(guard)),
      settings_(std::move(settings)),
      mode_(settings_.mode) {}

Proxy::~Proxy() {
  stop();
}

void Proxy::stop() {
  if (stopping_.exchange(true)) return;
  if (guard_) guard_->stop();
  worker_.join();
}

Status Proxy::initialize() {
  if (!enforcing()) return ok_status();
  RestMetadata metadata(io_, upstream_.api(), permissions_, stopping_);
  auto labels = guard_->label_agent(settings_.policy_payload, &metadata,
                                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
  if (!labels) return Error{"the guard's label_agent failed: " + labels.error().message};
  agents_.add(kAgent, labels->agent);
  if (!settings_.mode_given) mode_ = labels->mode;
  return ok_status();
}

asio::awaitable<void> Proxy::on_worker(const std::function<void()>& work) {
  co_await async::run_blocking(worker_, work);
}

github::Api Proxy::metadata_api(const http::Request& request) const {
  github::Api api = upstream_.api();
  if (!api.token.empty()) return api;
  // No fallback token: the client's own, as it sent it ("token x" or "Bearer x").
  auto auth = http::header(request, "Authorization");
  if (!auth) return api;
  std::string_view value = *auth;
  if (auto space = value.find(' '); space != std::string_view::npos) value = value.substr(space + 1);
  api.token = std::string(value);
  return api;
}

namespace {

// The server span of a request, child of the client's `traceparent` when it sends a valid one.
telemetry::Span request_span(const http::Request& request) {
  auto span =
      telemetry::Tracer::instance().start_server_span("proxy.request", http::header(request, "traceparent"));
  if (!span.recording()) return span;
  span.set("http.request.method", std::string(request.method_string()));
  span.set("url.path", std::string(http::path_of(request)));
  return span;
}

}  // namespace

asio::awaitable<void> Proxy::handle(const http::Request& request, http::Responder& responder) {
  telemetry::Span span = request_span(request);
  co_await route(request, responder, span);
  const unsigned status = responder.status();
  if (span.recording()) {
    span.set("http.response.status_code", static_cast<int64_t>(status));
    if (status >= 500) span.set_error("HTTP " + std::to_string(status));
  }
  log::info("proxy", std::string(request.method_string()) + " " + std::string(http::path_of(request)) +
                         " -> " + std::to_string(status));
}

Proxy::Step Proxy::decide(const http::Request& request, const http::Responder& responder) {
  if (auto denied = http::check_host_and_origin(request, responder)) return std::move(*denied);
  auto target = canonical_request_path(std::string_view(request.target().data(), request.target().size()));
  if (!target) return json_error(request, 400, "bad_request", target.error().message);
  const std::string& path = target->path;
  const bhttp::verb verb = request.method();
  if (path == "/health" || path == "/healthz")
    return http::make_response(request, 200, R"({"status":"ok"})", "application/json");
  // gh, curl and GitHub's libraries send no Origin or Sec-Fetch headers; a browser always does. A page must
  // not use the proxy's token (a <script> include, a sandboxed frame's `Origin: null`).
  for (const char* browser : {"Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"}) {
    if (http::header(request, browser))
      return json_error(request, 403, "forbidden", "the proxy does not serve browsers");
  }
  if (auto bad = check_query(target->query)) return json_error(request, 400, "bad_request", *bad);
  if (verb == bhttp::verb::get && path == "/reflect")
    return http::make_response(request, 200, difc::snapshot_document(agents_, mode_, utc_now()),
                               "application/json");
  if (verb == bhttp::verb::get && passthrough_route(path))
    return Forward{upstream_.rest_target(path, target->query), ""};
  const bool graphql = verb == bhttp::verb::post && graphql_path(path);
  if (verb != bhttp::verb::get && verb != bhttp::verb::post && verb != bhttp::verb::put &&
      verb != bhttp::verb::patch && verb != bhttp::verb::delete_)
    return json_error(request, 405, "method_not_allowed",
                      std::string(request.method_string()) + " is not served by the proxy");
  if (!graphql && base::to_lower(path).find("graphql") != std::string::npos)
    return graphql_error(request, 403, "access denied: GraphQL is served at /graphql and /api/graphql only");
  if (verb != bhttp::verb::get && !graphql) return write_to(request, path, target->query);
  if (!enforcing())
    return json_error(request, 503, "service_unavailable", "proxy enforcement not configured");
  if (graphql) return decide_graphql(request);
  auto call = route_rest(path, target->query);
  if (!call) return unrecognized(request, path, target->query);
  return Read{std::move(*call), verb, upstream_.rest_target(path, target->query), "", false};
}

// A write goes upstream as it is; its answer, which holds the resource written (PATCH answers the whole
// issue), reaches the client as a receipt (write_receipt), so a write is no way to read.
Proxy::Step Proxy::write_to(const http::Request& request, const std::string& path, const std::string& query) {
  return Write{upstream_.rest_target(path, query), request.body()};
}

Proxy::Step Proxy::decide_graphql(const http::Request& request) {
  auto classified = classify_graphql(request.body());
  if (!classified) return graphql_error(request, 400, "bad GraphQL request: " + classified.error().message);
  switch (classified->kind) {
    case GraphqlRequest::Kind::kRefused:
      log::warn("proxy", "GraphQL request refused: " + classified->refusal);
      return graphql_error(request, 403, "access denied: " + classified->refusal);
    case GraphqlRequest::Kind::kPassthrough:
      return Forward{upstream_.graphql_target(), std::move(classified->body)};
    case GraphqlRequest::Kind::kRead:
      break;
  }
  return Read{std::move(classified->call), request.method(), upstream_.graphql_target(),
              std::move(classified->body), true};
}

Proxy::Step Proxy::unrecognized(const http::Request& request, const std::string& path,
                                const std::string& query) {
  const bool pass = settings_.passthrough_unrecognized;
  const std::string what = "GET " + path;
  const std::string message =
      pass ? "Unrecognized endpoint " + what + " forwarded unlabelled (--passthrough-unrecognized)"
           : "Unrecognized endpoint " + what + " refused: no guard route labels it";
  log::warn("proxy", message);
  auto& logger = log::Logger::instance();
  logger.markdown(log::Level::kWarn, "proxy", message);
  logger.jsonl(R"({"timestamp":)" + json::quote(utc_now()) + R"(,"event":)" +
               json::quote(pass ? "unrecognized_endpoint_passthrough" : "unrecognized_endpoint") +
               R"(,"method":"GET","path":)" + json::quote(path) + "}");
  if (pass) return Forward{upstream_.rest_target(path, query), ""};
  return json_error(request, 403, "unrecognized_endpoint",
                    "access denied: " + what + " is not a GitHub API read the guard can label");
}

asio::awaitable<void> Proxy::route(const http::Request& request, http::Responder& responder,
                                   const telemetry::Span& trace) {
  Step step = decide(request, responder);
  if (auto* answer = std::get_if<http::Response>(&step)) {
    co_await responder.send(std::move(*answer));
  } else if (auto* forward_to = std::get_if<Forward>(&step)) {
    co_await forward(request, responder, forward_to->target, forward_to->body);
  } else if (auto* write = std::get_if<Write>(&step)) {
    co_await forward_write(request, responder, *write);
  } else {
    co_await guarded_read(request, responder, std::get<Read>(step), trace);
  }
}

asio::awaitable<void> Proxy::forward(const http::Request& request, http::Responder& responder,
                                     const std::string& target, const std::string& body) {
  auto executor = co_await asio::this_coro::executor;
  Bounded bound(executor, upstream_.timeout());
  const bhttp::verb verb = request.method();
  using Body = Upstream::Body;
  const Body kind = target == upstream_.graphql_target() ? Body::kJson
                    : body.empty()                       ? Body::kNone
                                                         : Body::kClients;
  const auto headers = upstream_.headers(request, kind);
  auto exchange = co_await upstream_.send(verb, target, headers, body, bound.abort());
  if (!exchange) {
    log::warn("proxy", "upstream request failed: " + exchange.error().message);
    co_await bad_gateway(request, responder);
    co_return;
  }
  co_await relay_answer(request, responder, **exchange);
}

asio::awaitable<void> Proxy::forward_write(const http::Request& request, http::Responder& responder,
                                           const Write& write) {
  if (!enforcing()) {
    co_await forward(request, responder, write.target, write.body);
    co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  Bounded bound(executor, upstream_.timeout());
  const auto headers =
      upstream_.headers(request, write.body.empty() ? Upstream::Body::kNone : Upstream::Body::kClients);
  auto exchange = co_await upstream_.send(request.method(), write.target, headers, write.body, bound.abort());
  if (!exchange) {
    log::warn("proxy", "upstream request failed: " + exchange.error().message);
    co_await bad_gateway(request, responder);
    co_return;
  }
  if ((*exchange)->status() >= 300) {  // errors hold no data
    co_await relay_answer(request, responder, **exchange);
    co_return;
  }
  const size_t limit = kMaxWriteAnswer;
  auto answer = co_await (*exchange)->read_all(limit);
  const std::string receipt = answer ? write_receipt(*answer) : "{}";
  co_await send_made(request, responder, **exchange, receipt);
}

}  // namespace awmg::proxy
