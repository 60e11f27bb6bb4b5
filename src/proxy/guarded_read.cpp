// The DIFC pipeline of a read through the proxy, in the gateway's order: the agent's labels, the resource's,
// the coarse check, the forward, the response's labels, item filtering, label propagation.
#include <set>

#include "async/blocking.hpp"
#include "difc/labeled_data.hpp"
#include "guard/wasm_guard.hpp"
#include "log/logger.hpp"
#include "proxy/metadata.hpp"
#include "proxy/proxy.hpp"
#include "proxy/rebuild.hpp"
#include "proxy/relay.hpp"
#include "telemetry/tracer.hpp"

namespace awmg::proxy {

namespace asio = boost::asio;

namespace {

// Upstream answers the proxy labels are read whole; larger ones are refused rather than passed unlabelled.
// Upstream answers are labelled whole, so they must fit the guard's input with the call's arguments: a
// larger one is refused, never passed unlabelled.
constexpr size_t kMaxLabelledBody = guard::kMaxInputBytes - (256u << 10);

// Tools whose answers are what users wrote (issues, pull requests, comments, discussions, commits): their
// integrity is the authors', so they pass only with item labels.
bool authored(const std::string& tool) {
  static const std::set<std::string> kAuthored = {
      "issue_read",       "pull_request_read",       "list_issues",   "list_pull_requests",
      "list_discussions", "get_discussion_comments", "search_issues", "list_commits",
      "get_commit",       "list_projects",           "search_code",   "list_notifications"};
  return kAuthored.count(tool) > 0;
}

http::Response unlabelled(const http::Request& request, const std::string& why) {
  return json_error(request, 502, "bad_gateway", "response labeling failed: " + why);
}

http::Response forbidden(const http::Request& request, const std::string& message) {
  return json_error(request, 403, "difc_forbidden", message);
}

bool json_type(const http::Exchange& exchange) {
  std::string type = exchange.content_type();
  return type.empty() || type == "application/json" || type.find("+json") != std::string::npos;
}

}  // namespace

namespace {

telemetry::Span child_span(const telemetry::Span& parent, const char* name, telemetry::SpanKind kind) {
  if (!parent.recording()) return {};
  return telemetry::Tracer::instance().start_span(name, kind, &parent.context());
}

}  // namespace

asio::awaitable<void> Proxy::guarded_read(const http::Request& request, http::Responder& responder,
                                          const Read& read, const telemetry::Span& trace) {
  const std::string& tool = read.call.tool;
  const std::string args = read.call.args_json();
  const auto deadline = std::chrono::steady_clock::now() + upstream_.timeout();
  RestMetadata metadata(io_, metadata_api(request), permissions_, stopping_);
  telemetry::Span span = child_span(trace, "proxy.difc_pipeline", telemetry::SpanKind::kInternal);
  span.set("gen_ai.tool.name", tool);
  span.set("url.path", std::string(http::path_of(request)));
  // Phases 0 and 1: the agent's labels, the resource's.
  const difc::Labels agent = agents_.get(kAgent);
  Result<guard::ResourceLabels> resource = Error{"the guard failed unexpectedly"};
  std::function<void()> label_resource = [&] {
    resource = guard_->label_resource(tool, args, &metadata, deadline);
  };
  co_await on_worker(label_resource);
  std::optional<http::Response> refusal;
  if (!resource) {
    log::warn("proxy", "label_resource failed for " + tool + ": " + resource.error().message);
    refusal = json_error(request, 502, "bad_gateway", "resource labeling failed");
  }
  // Phase 2: the coarse check; a read that fails it goes on, to be filtered item by item.
  difc::Decision coarse;
  if (resource) {
    coarse = difc::evaluate(agent, resource->resource, resource->operation, mode_);
    if (!coarse.allowed() && !difc::bypasses_coarse_deny(resource->operation)) {
      log::warn("proxy", "Access DENIED to " + resource->resource.description + ": " + coarse.reason);
      span.add_event("difc.access_denied", {{"reason", coarse.reason}});
      refusal = forbidden(request, difc::violation_text(coarse, agent, resource->resource));
    }
  }
  if (refusal) {
    co_await responder.send(std::move(*refusal));
    co_return;
  }
  // Phase 3: upstream.
  auto executor = co_await asio::this_coro::executor;
  Bounded bound(executor, upstream_.timeout());
  const auto headers =
      upstream_.headers(request, read.graphql ? Upstream::Body::kJson : Upstream::Body::kNone);
  telemetry::Span forward = child_span(span, "proxy.backend.forward", telemetry::SpanKind::kClient);
  forward.set("gen_ai.tool.name", tool);
  forward.set("url.path", std::string(http::path_of(request)));
  forward.set("server.address", upstream_.host());
  auto exchange = co_await upstream_.send(read.verb, read.target, headers, read.body, bound.abort());
  if (!exchange) {
    forward.set_error("upstream request failed");
    log::warn("proxy", "upstream request failed: " + exchange.error().message);
    co_await bad_gateway(request, responder);
    co_return;
  }
  http::Exchange& answer = **exchange;
  const unsigned status = answer.status();
  const bool rate_limited = retry_after(status, answer.header("X-RateLimit-Remaining"),
                                        answer.header("X-RateLimit-Reset"), std::chrono::system_clock::now())
                                .has_value();
  if (forward.recording()) {
    forward.set("http.response.status_code", static_cast<int64_t>(status));
    forward.set("rate_limit.hit", rate_limited);
    if (rate_limited)
      forward.add_event("rate_limit.detected", {{"reset_at", answer.header("X-RateLimit-Reset")}});
  }
  forward.end();
  // Errors and redirects pass as they are when the coarse check allowed the read (GitHub's error bodies hold
  // no data). When it did not, every answer that is not items to filter is the same refusal: a 404 beside a
  // 200 would tell what exists where the agent may not look. An answer that is not JSON, or too large,
  // cannot be labelled and is refused.
  if (status >= 300 && (coarse.allowed() || rate_limited)) {  // (a spent limit is the client's, not data)
    co_await relay_answer(request, responder, answer);
    co_return;
  }
  if (status >= 300) refusal = forbidden(request, difc::violation_text(coarse, agent, resource->resource));
  if (!refusal && !json_type(answer)) refusal = unlabelled(request, "the answer is not JSON");
  Result<std::string> body = Error{"not read"};
  if (!refusal) {
    body = co_await answer.read_all(kMaxLabelledBody);
    if (!body) log::warn("proxy", "upstream answer to " + tool + " refused: " + body.error().message);
    if (!body)
      refusal = unlabelled(request, "the answer could not be read whole (" + body.error().message + ")");
  }
  if (refusal) {
    co_await responder.send(std::move(*refusal));
    co_return;
  }
  const Checked checked{tool, args, *resource, coarse, agent, deadline};
  std::string made = co_await label_answer(request, checked, *body, metadata, refusal);
  if (refusal) {
    co_await responder.send(std::move(*refusal));
    co_return;
  }
  co_await send_made(request, responder, answer, made);
}

asio::awaitable<std::string> Proxy::label_answer(const http::Request& request, const Checked& checked,
                                                 const std::string& body, RestMetadata& metadata,
                                                 std::optional<http::Response>& refusal) {
  const difc::Operation op = checked.resource.operation;
  const bool allowed = checked.coarse.allowed();
  auto parsed = json::parse(body);
  if (!parsed) {
    refusal = unlabelled(request, "the answer is not valid JSON");
    co_return "";
  }
  json::Document& document = *parsed;
  // Phase 4: the answer's labels.
  std::optional<difc::ResponseLabels> labels;
  if (difc::calls_label_response(op, mode_)) {
    Result<std::optional<difc::ResponseLabels>> labeled = Error{"the guard failed unexpectedly"};
    std::function<void()> label_response = [&] {
      labeled = guard_->label_response(checked.tool, checked.args, body, &metadata, checked.deadline);
    };
    co_await on_worker(label_response);
    if (!labeled) {
      log::warn("proxy", "label_response failed for " + checked.tool + ": " + labeled.error().message);
      refusal = unlabelled(request, "the guard failed");
      co_return "";
    }
    labels = std::move(*labeled);
  }
  if (!labels) {
    if (!allowed) co_return empty_response(document);
    // What users wrote carries their integrity, which only item labels give: without them, refused.
    if (authored(checked.tool)) {
      refusal = unlabelled(request, "the guard gave no labels for what users wrote (" + checked.tool + ")");
      co_return "";
    }
    if (difc::accumulates_read_labels(op, mode_))
      agents_.accumulate_read(kAgent, checked.resource.resource.labels);
    co_return body;
  }
  // Phase 5: item by item. Labels that do not fit the answer deny it: nothing passes unlabelled.
  auto items = difc::resolve(*labels, document, body);
  if (!items) {
    log::warn("proxy", "the labels of " + checked.tool + " do not fit its answer: " + items.error().message);
    refusal = unlabelled(request, "the labels do not fit the answer");
    co_return "";
  }
  difc::FilterOutcome outcome = difc::filter(checked.agent, *items, op, mode_);
  const std::string counts = std::to_string(outcome.filtered.size()) + " of " + std::to_string(items->size());
  if (difc::blocks_filtered_response(mode_, outcome.filtered.size())) {
    refusal = forbidden(request, "DIFC policy violation: " + counts + " items not accessible");
    co_return "";
  }
  if (difc::accumulates_read_labels(op, mode_)) agents_.accumulate_read(kAgent, difc::overall(*items));
  // (an answer the coarse check did not allow is rebuilt even when nothing was filtered: a search's
  // total_count would count what the agent may not see)
  if (outcome.filtered.empty() && allowed) co_return body;
  log::info("proxy", checked.tool + ": " + counts + " items filtered (" +
                         difc::filtering_policy(outcome.filtered) + ")");
  const auto* paths = std::get_if<difc::PathLabels>(&*labels);
  bool single = paths && paths->items_path.empty() && !document.IsArray();
  if (!outcome.filtered.empty() &&
      (single || (outcome.accessible.empty() && items->size() == 1 && !document.IsArray()))) {
    const auto& only = outcome.filtered.front();
    if (!allowed) {  // (not "exists": the agent may not learn what exists there)
      refusal =
          forbidden(request, difc::violation_text(checked.coarse, checked.agent, checked.resource.resource));
      co_return "";
    }
    std::string what = only.item->labels.description.empty() ? "resource" : only.item->labels.description;
    refusal = forbidden(request, "[Filtered] " + what + " exists but is not accessible \u2014 filtered by " +
                                     difc::filtering_policy(outcome.filtered) +
                                     (only.reason.empty() ? "" : " (" + only.reason + ")"));
    co_return "";
  }
  if (single) co_return body;  // (one object, not filtered)
  auto rebuilt = rebuild_response(document, *labels, outcome.accessible);
  co_return rebuilt ? std::move(*rebuilt) : empty_response(document);
}

}  // namespace awmg::proxy
