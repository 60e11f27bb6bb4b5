#include "gateway/tool_call.hpp"

#include <rapidjson/document.h>

#include <algorithm>

#include "async/blocking.hpp"
#include "difc/evaluator.hpp"
#include "difc/labeled_data.hpp"
#include "gateway/difc_log.hpp"
#include "gateway/guard_backend.hpp"
#include "gateway/relay.hpp"
#include "log/logger.hpp"
#include "log/sanitizer.hpp"
#include "mcp/jsonrpc.hpp"
#include "telemetry/tracer.hpp"

namespace awmg::gateway {

namespace asio = boost::asio;

namespace {

int tool_timeout_seconds(const config::Config& config, const config::ServerConfig& server) {
  return server.tool_timeout > 0 ? server.tool_timeout : config.gateway.tool_timeout;
}

bool allowed(const config::ServerConfig& server, const std::string& tool) {
  return server.allows_all_tools() ||
         std::find(server.tools.begin(), server.tools.end(), tool) != server.tools.end();
}

// `{"name":..,"arguments":..[,"_meta":..]}` for the backend.
std::string backend_params(const std::string& tool, const json::Value& params) {
  const json::Value* args = json::member(params, "arguments");
  std::string out = R"({"name":)" + json::quote(tool) + R"(,"arguments":)" +
                    (args && args->IsObject() ? json::to_string(*args) : "{}");
  if (const json::Value* meta = json::member(params, "_meta")) out += R"(,"_meta":)" + json::to_string(*meta);
  return out + "}";
}

}  // namespace

std::string convert_tool_result(const std::string& backend_result) {
  auto doc = json::parse(backend_result);
  if (doc && doc->IsObject()) {
    auto content = doc->FindMember("content");
    if (content != doc->MemberEnd() && content->value.IsArray()) return backend_result;
    if (content != doc->MemberEnd() && content->value.IsNull()) {
      content->value.SetArray();
      return json::to_string(*doc);
    }
  }
  return R"({"content":[{"type":"text","text":)" + json::quote(backend_result) + "}]}";
}

namespace {

// A rate-limited result as the client gets it: the gateway's own words, never the backend's content, which
// no guard has labelled (upstream passes the backend's text on).
std::string rate_limited_result(const std::string& server_id, const RateLimitSignal& signal) {
  std::string text = "rate limit exceeded on server " + server_id;
  if (signal.reset_in) text += " (rate reset in " + std::to_string(signal.reset_in->count()) + "s)";
  return mcp::tool_error_result(text);
}

// The backend's result object, or the error result the client gets instead.
struct BackendOutcome {
  bool ok = false;
  std::string result;
};

// A child span of the tool call's, for one of its stages.
telemetry::Span stage_span(const telemetry::Span& call, const char* name, telemetry::SpanKind kind,
                           const std::string& server_id) {
  if (!call.recording()) return {};
  auto span = telemetry::Tracer::instance().start_span(name, kind, &call.context());
  span.set("gen_ai.agent.id", server_id);
  return span;
}

asio::awaitable<BackendOutcome> call_backend(const Backends& backends, const frontend::Session& session,
                                             const std::string& server_id, const std::string& args,
                                             const std::chrono::steady_clock::time_point& deadline,
                                             const std::shared_ptr<backend::EventBox>& events,
                                             telemetry::Span& call) {
  telemetry::Span span = stage_span(call, "gateway.backend.execute", telemetry::SpanKind::kClient, server_id);
  span.set("mcp.method", std::string("tools/call"));
  // A backend gets the trace even when it is not sampled here, so its own spans can join it.
  const telemetry::SpanContext& trace = span.recording() ? span.context() : call.context();
  const std::string traceparent = trace.valid() ? trace.traceparent() : "";
  CircuitBreaker& breaker = backends.breakers.of(server_id);
  if (auto refused = breaker.admit()) co_return BackendOutcome{false, mcp::tool_error_result(*refused)};
  auto conn = co_await backends.launcher.connection(server_id, session.agent);
  if (!conn) {
    breaker.record_no_result();
    co_return BackendOutcome{false, mcp::tool_error_result(conn.error().message)};
  }
  const std::string method = "tools/call";
  // Only the result passes a guard: what a guarded backend sends during the call goes to deliver(), which
  // drops it.
  const std::shared_ptr<backend::EventBox> no_events;
  const auto& relayed = relays_beyond_tools(backends.guards, server_id) ? events : no_events;
  auto reply = co_await (*conn)->call(method, args, deadline, relayed, traceparent);
  if (!reply || reply->error_code)
    breaker.record_no_result();                           // (transport and JSON-RPC errors do not count)
  if (!reply) span.set_error("backend transport error");  // (the details may name hosts: not exported)
  if (reply && reply->error_code)
    span.set_error("backend JSON-RPC error " + std::to_string(*reply->error_code));
  if (!reply) {
    co_return BackendOutcome{false, mcp::tool_error_result("backend error server=" + server_id +
                                                           " method=tools/call: " + reply.error().message)};
  }
  if (reply->error_code) {
    co_return BackendOutcome{
        false, mcp::tool_error_result("backend error server=" + server_id +
                                      " method=tools/call: code=" + std::to_string(*reply->error_code) +
                                      ", message=" + reply->error_message)};
  }
  if (auto limited = rate_limit_signal(reply->result)) {
    span.set("rate_limit.hit", true);
    span.add_event(
        "rate_limit.detected",
        {{"reset_at", limited->reset_in ? static_cast<int64_t>(limited->reset_in->count()) : int64_t{0}}});
    breaker.record_rate_limited(*limited);
    co_return BackendOutcome{false, rate_limited_result(server_id, *limited)};
  }
  breaker.record_success();
  co_return BackendOutcome{true, reply->result};
}

// The JSON document inside an MCP result: the text of its text content parsed as JSON, else the result
// itself.
json::Document response_document(const std::string& result) {
  auto doc = json::parse(result);
  if (!doc) return json::Document();
  const json::Value* content = doc->IsObject() ? json::member(*doc, "content") : nullptr;
  if (content && content->IsArray()) {
    std::string text;
    for (const auto& item : content->GetArray()) {
      std::string type = item.IsObject() ? json::string_or(item, "type") : "";
      if (type == "image" || type == "audio" || type == "resource") continue;
      if (item.IsObject()) text += json::string_or(item, "text");
    }
    if (!text.empty()) {
      if (auto inner = json::parse(text)) return std::move(*inner);
    }
  }
  return std::move(*doc);
}

// A guard call: on the guard's worker thread when it may block, inline otherwise.
asio::awaitable<void> run_guard(ServerGuard& slot, const std::function<void()>& work) {
  if (!slot.worker) {
    work();
    co_return;
  }
  co_await async::run_blocking(*slot.worker, work);
}

// Singular tools read one thing; list_ and search_ tools read collections (upstream's IsSingularReadTool).
bool singular_tool(const std::string& tool) {
  return tool.rfind("list_", 0) != 0 && tool.rfind("search_", 0) != 0;
}

std::string text_result(const std::vector<std::string>& texts) {
  std::string out = R"({"content":[)";
  for (size_t i = 0; i < texts.size(); ++i)
    out += std::string(i ? "," : "") + R"({"type":"text","text":)" + json::quote(texts[i]) + "}";
  return out + "]}";
}

}  // namespace

namespace {

// A DIFC decision, for /metrics (`counted` as allowed or denied) and the status page.
void note_decision(const Backends& backends, const std::string& agent, const std::string& server,
                   const std::string& tool, const char* counted, const std::string& decision,
                   const std::string& reason) {
  if (counted) backends.metrics.guard_decisions.with({server, counted}).inc();
  backends.decisions.record(agent, server, tool, decision, reason);
}

asio::awaitable<std::string> guarded_call(const Backends& backends, const frontend::Session& session,
                                          const std::string& server_id, const std::string& tool,
                                          const json::Value& params,
                                          const std::chrono::steady_clock::time_point& deadline,
                                          const std::shared_ptr<backend::EventBox>& events,
                                          telemetry::Span& call) {
  const config::ServerConfig* server = backends.config.find_server(server_id);
  std::string args = backend_params(tool, params);
  log::info("client", "MCP tool call request, session=" + log::short_session_id(session.id) +
                          ", tool=" + server_id + "/" + tool + ", args=" + args);
  if (!server) co_return mcp::tool_error_result("unknown server " + server_id);
  if (!allowed(*server, tool)) {
    co_return mcp::tool_error_result("tool \"" + tool +
                                     "\" is not in the allowed-tools list for this server");
  }
  Guards& guards = backends.guards;
  if (!guards.enabled()) {
    BackendOutcome plain = co_await call_backend(backends, session, server_id, args, deadline, events, call);
    co_return plain.ok ? convert_tool_result(plain.result) : plain.result;
  }
  // DIFC, in upstream's order.
  ServerGuard& sg = guards.for_server(server_id);
  GuardBackend metadata(backends, server_id, session.agent);
  const json::Value* arguments = json::member(params, "arguments");
  const std::string args_json = arguments && arguments->IsObject() ? json::to_string(*arguments) : "{}";
  const std::string& agent_id = session.agent;

  // Session initialization: label_agent once per (session, server) and policy.
  difc::Mode mode = guards.default_mode();
  if (!sg.payload.empty()) {
    if (auto known = guards.session_mode(agent_id, server_id, sg.payload)) {
      mode = *known;
    } else {
      Result<guard::AgentLabels> agent_labels = Error{"the guard failed unexpectedly"};
      std::function<void()> label_agent = [&] {
        agent_labels = sg.guard->label_agent(sg.payload, &metadata, deadline);
      };
      telemetry::Span stage =
          stage_span(call, "guard.label_agent", telemetry::SpanKind::kInternal, server_id);
      co_await run_guard(sg, label_agent);
      if (!agent_labels) stage.set_error(agent_labels.error().message);
      stage.end();
      if (!agent_labels) {
        co_return mcp::tool_error_result("guard session initialization failed: " +
                                         agent_labels.error().message);
      }
      guards.agents().add(agent_id, agent_labels->agent);
      guards.set_session_mode(agent_id, server_id, sg.payload, agent_labels->mode);
      mode = agent_labels->mode;
      log::info("difc", "Guard policy initialized for agent " + log::short_session_id(agent_id) + " on " +
                            server_id + ": mode " + difc::mode_name(mode));
    }
  }
  // Tool-call limits, per session, server and tool.
  if (sg.policy) {
    auto limit = sg.policy->tool_call_limits.find(tool);
    if (limit != sg.policy->tool_call_limits.end() &&
        !guards.take_tool_call(session.id, server_id, tool, limit->second)) {
      co_return difc_denial(
          server_id, tool,
          "tool call limit reached for \"" + tool + "\" (max: " + std::to_string(limit->second) + ")");
    }
  }
  // Phase 0: the agent's labels. Phase 1: the resource's.
  difc::Labels agent = guards.agents().get(agent_id);
  Result<guard::ResourceLabels> resource = Error{"the guard failed unexpectedly"};
  std::function<void()> label_resource = [&] {
    resource = sg.guard->label_resource(tool, args_json, &metadata, deadline);
  };
  telemetry::Span resource_stage =
      stage_span(call, "guard.label_resource", telemetry::SpanKind::kInternal, server_id);
  co_await run_guard(sg, label_resource);
  if (!resource) resource_stage.set_error(resource.error().message);
  resource_stage.end();
  if (!resource) {
    co_return mcp::tool_error_result("guard labeling failed: resource labeling failed: " +
                                     resource.error().message);
  }
  const difc::Operation op = resource->operation;
  // Phase 2: the coarse check. A read that fails it goes on, to be filtered item by item.
  difc::Decision coarse = difc::evaluate(agent, resource->resource, op, mode);
  if (!coarse.allowed() && !difc::bypasses_coarse_deny(op)) {
    note_decision(backends, agent_id, server_id, tool, "denied", "denied", coarse.reason);
    log::warn("difc", "Access DENIED for agent " + log::short_session_id(agent_id) + " to " +
                          resource->resource.description + ": " + coarse.reason);
    co_return difc_denial(server_id, tool, difc::violation_text(coarse, agent, resource->resource));
  }
  note_decision(backends, agent_id, server_id, tool, "allowed",
                coarse.allowed() ? "allowed" : "filtered by item", coarse.allowed() ? "" : coarse.reason);
  // Phase 3: the backend.
  call.add_event("difc.pre_phases_complete");
  BackendOutcome backend = co_await call_backend(backends, session, server_id, args, deadline, events, call);
  if (!backend.ok) co_return backend.result;
  // Phase 4: the response's labels.
  std::optional<difc::ResponseLabels> response_labels;
  if (difc::calls_label_response(op, mode)) {
    Result<std::optional<difc::ResponseLabels>> labeled = Error{"the guard failed unexpectedly"};
    std::function<void()> label_response = [&] {
      labeled = sg.guard->label_response(tool, args_json, backend.result, &metadata, deadline);
    };
    telemetry::Span stage =
        stage_span(call, "guard.label_response", telemetry::SpanKind::kInternal, server_id);
    co_await run_guard(sg, label_response);
    if (!labeled) stage.set_error(labeled.error().message);
    stage.end();
    if (!labeled) {
      co_return mcp::tool_error_result("response labeling failed: response labeling failed: " +
                                       labeled.error().message);
    }
    response_labels = std::move(*labeled);
  }
  if (!response_labels) {
    // A read that failed the coarse check and whose response carries no labels is denied.
    if (!coarse.allowed())
      co_return difc_denial(server_id, tool, difc::violation_text(coarse, agent, resource->resource));
    if (difc::accumulates_read_labels(op, mode))
      guards.agents().accumulate_read(agent_id, resource->resource.labels);
    co_return convert_tool_result(backend.result);
  }
  // Phase 5: filter item by item.
  json::Document document = response_document(backend.result);
  auto items = difc::resolve(*response_labels, document, backend.result);
  if (!items) co_return mcp::tool_error_result("response labeling failed: " + items.error().message);
  difc::FilterOutcome outcome = difc::filter(agent, *items, op, mode);
  if (!outcome.filtered.empty()) {
    backends.metrics.filtered_items.with({server_id}).inc(outcome.filtered.size());
    note_decision(
        backends, agent_id, server_id, tool, nullptr,
        std::to_string(outcome.filtered.size()) + " of " + std::to_string(items->size()) + " items filtered",
        difc::filtering_policy(outcome.filtered));
  }
  if (difc::blocks_filtered_response(mode, outcome.filtered.size())) {
    note_decision(backends, agent_id, server_id, tool, "denied", "denied",
                  "strict mode: a response with filtered items");
    std::string counts = std::to_string(outcome.filtered.size()) + " of " + std::to_string(items->size());
    co_return difc_denial(
        server_id, tool,
        "DIFC policy violation: " + counts + " items in response are not accessible to agent " + agent_id,
        "DIFC policy violation: " + counts + " items in response are not accessible to the agent");
  }
  log_filtered_items(server_id, tool, outcome.filtered);
  if (singular_tool(tool) && outcome.accessible.empty() && outcome.filtered.size() == 1) {
    const auto& only = outcome.filtered.front();
    std::string what = only.item->labels.description.empty() ? "resource" : only.item->labels.description;
    co_return mcp::tool_error_result(
        "[Filtered] " + what + " exists but is not accessible \u2014 filtered by " +
        difc::filtering_policy(outcome.filtered) + (only.reason.empty() ? "" : " (" + only.reason + ")"));
  }
  // Phase 6: propagate mode carries what was read into the agent's labels.
  if (difc::accumulates_read_labels(op, mode))
    guards.agents().accumulate_read(agent_id, difc::overall(*items));
  std::string array = "[";
  for (const difc::Item* item : outcome.accessible) array += (array.size() > 1 ? "," : "") + item->data;
  std::vector<std::string> texts = {array + "]"};
  if (!outcome.filtered.empty()) texts.push_back(difc::filtered_notice(outcome.filtered));
  co_return text_result(texts);
}

// "ok", "denied" (a DIFC refusal) or "error".
std::string outcome_of(const std::string& result) {
  if (!mcp::is_error_result(result)) return "ok";
  bool denied = result.find("DIFC") != std::string::npos || result.find("[Filtered]") != std::string::npos;
  return denied ? "denied" : "error";
}

// The server's jq filter for `tool` applied to a result that is not an error: to the JSON in its first text
// item (the text becomes the filter's output), else to the whole result (rebuilt from the output). A filter
// that fails or runs past the deadline gives an error result, never the unfiltered data.
asio::awaitable<std::string> filtered(const Backends& backends, const std::string& server_id,
                                      const std::string& tool, const std::string& result,
                                      const std::chrono::steady_clock::time_point& deadline) {
  const config::ServerConfig* server = backends.config.find_server(server_id);
  auto filter = server ? server->tool_response_filters.find(tool)
                       : decltype(server->tool_response_filters)::const_iterator();
  if (!backends.jq || !server || filter == server->tool_response_filters.end()) co_return result;
  auto doc = json::parse(result);
  if (!doc || !doc->IsObject()) co_return result;
  if (mcp::is_error_result(*doc)) co_return result;
  json::Value* first = nullptr;
  if (auto content = doc->FindMember("content");
      content != doc->MemberEnd() && content->value.IsArray() && !content->value.Empty())
    first = &content->value[0];
  std::string text = first && first->IsObject() && json::string_or(*first, "type") == "text"
                         ? json::string_or(*first, "text")
                         : "";
  const bool in_text = !text.empty() && static_cast<bool>(json::parse(text));
  const std::string input = in_text ? text : result;
  auto output = co_await backends.jq->run(filter->second, input, deadline);
  if (!output) {
    log::warn("backend",
              "response filter for " + server_id + "/" + tool + " failed: " + output.error().message);
    co_return mcp::tool_error_result("the response filter for " + tool +
                                     " failed: " + output.error().message);
  }
  if (!in_text) co_return convert_tool_result(*output);
  first->FindMember("text")->value.SetString(
      output->c_str(), static_cast<rapidjson::SizeType>(output->size()), doc->GetAllocator());
  co_return json::to_string(*doc);
}

telemetry::Span tool_span(const std::string& server_id, const std::string& tool,
                          const telemetry::SpanContext& trace) {
  auto span =
      telemetry::Tracer::instance().start_span("mcp.tool_call", telemetry::SpanKind::kInternal, &trace);
  if (!span.recording()) return span;
  span.set("gen_ai.system", std::string("mcp"));
  span.set("gen_ai.operation.name", std::string("execute_tool"));
  span.set("gen_ai.agent.name", std::string("mcp-gateway"));
  span.set("gen_ai.agent.id", server_id);
  span.set("mcp.method", std::string("tools/call"));
  span.set("gen_ai.tool.name", tool);
  return span;
}

// The text of a result's first content item ("" when it has none).
std::string first_text(const std::string& result) {
  auto doc = json::parse(result);
  const json::Value* content = doc ? json::member(*doc, "content") : nullptr;
  if (!content || !content->IsArray() || content->Empty() || !(*content)[0].IsObject()) return "";
  return json::string_or((*content)[0], "text");
}

// mcp.response.status is upstream's conceptual status: 200, 403 (denied), 429 (rate limited) or 500.
void end_tool_span(telemetry::Span& span, const std::string& outcome, const std::string& answer) {
  if (!span.recording()) return;
  int64_t status = 200;
  if (outcome == "denied") {
    status = 403;
    span.add_event("difc.access_denied", {{"reason", first_text(answer)}});
  } else if (outcome == "error") {
    status = answer.find("rate limit exceeded") != std::string::npos ? 429 : 500;
    span.set_error(status == 429 ? "rate limited" : "tool call failed");
  }
  span.set("mcp.response.status", status);
}

}  // namespace

asio::awaitable<std::string> call_tool(const Backends& backends, const frontend::Session& session,
                                       const std::string& server_id, const std::string& tool,
                                       const json::Value& params,
                                       const std::shared_ptr<backend::EventBox>& events,
                                       const telemetry::SpanContext& trace) {
  const config::ServerConfig* server = backends.config.find_server(server_id);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(server ? tool_timeout_seconds(backends.config, *server) : 0);
  telemetry::Span span = tool_span(server_id, tool, trace);
  std::string guarded =
      co_await guarded_call(backends, session, server_id, tool, params, deadline, events, span);
  std::string result = co_await filtered(backends, server_id, tool, guarded, deadline);
  // What the client may see, as it will see it: the audit and the size check come after DIFC.
  if (backends.url_audit) backends.url_audit->observe(server_id, result);
  std::string answer = backends.spill.process(session.agent, result);
  const std::string outcome = outcome_of(answer);
  if (outcome == "ok" && answer != result) backends.metrics.payload_spills.with({server_id}).inc();
  backends.metrics.tool_calls.with({server_id, outcome}).inc();
  end_tool_span(span, outcome, answer);
  co_return answer;
}

}  // namespace awmg::gateway
