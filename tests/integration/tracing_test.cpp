// OpenTelemetry through the real gateway: the spans of a tool call, exported as OTLP/HTTP JSON to a loopback
// receiver that checks them, the trace context going on to an HTTP backend, sampling, fan-out and bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration/awmg_process.hpp"
#include "integration/mcp_client.hpp"
#include "support/scripted_backend.hpp"

namespace awmg::test {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kClientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kClientSpan = "00f067aa0ba902b7";
const std::string kClientTraceparent = "00-" + kClientTrace + "-" + kClientSpan + "-01";

std::string config_for(const ScriptedBackend& backend) {
  return "[gateway]\nagent_id = \"test-key\"\nstartup_timeout = 5\ntool_timeout = 10\n"
         "[servers.web]\ntype = \"http\"\nurl = \"" +
         backend.url() + "\"\n";
}

// Every span the receiver got, as {name -> span}, once `names` are all there (or after 10 s).
std::map<std::string, json::Document> spans_when(const ScriptedBackend& receiver,
                                                 const std::vector<std::string>& names) {
  std::map<std::string, json::Document> spans;
  auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until) {
    spans.clear();
    for (const auto& body : receiver.traces()) {
      auto doc = json::parse(body);
      if (!doc) continue;
      for (const auto& rs : (*doc)["resourceSpans"].GetArray())
        for (const auto& ss : rs["scopeSpans"].GetArray())
          for (const auto& span : ss["spans"].GetArray()) {
            json::Document copy;
            copy.CopyFrom(span, copy.GetAllocator());
            spans[json::string_or(span, "name")] = std::move(copy);
          }
    }
    bool all = true;
    for (const auto& n : names) all = all && spans.count(n);
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return spans;
}

// An attribute's value as text (string, bool, or the decimal string OTLP's JSON gives integers).
std::string attribute(const json::Value& span, const std::string& key) {
  for (const auto& a : span["attributes"].GetArray()) {
    if (json::string_or(a, "key") != key) continue;
    const auto& v = a["value"];
    if (v.HasMember("stringValue")) return v["stringValue"].GetString();
    if (v.HasMember("intValue")) return v["intValue"].GetString();
    if (v.HasMember("boolValue")) return v["boolValue"].GetBool() ? "true" : "false";
  }
  return "<none>";
}

TEST(Tracing, AToolCallsSpansReachTheCollectorUnderTheClientsTraceAndTheBackendJoinsIt) {
  ScriptedBackend backend;  // the MCP backend and the OTLP receiver both
  TempDir dir;
  dir.write("config.toml", config_for(backend));
  RunningGateway gw({"-c", dir.file("config.toml"), "--otlp-endpoint", backend.base_url(),
                     "--otlp-service-name", "awmg-test"},
                    awmg_env(dir, {{"OTEL_EXPORTER_OTLP_HEADERS", "x-collector-key=s%20cret,x-tenant=t1"}}));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/web", "test-key");
  c.initialize();
  auto reply =
      c.post(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"ok","arguments":{}}})",
             {{"traceparent", kClientTraceparent}});
  EXPECT_EQ(result_text(McpClient::last_message(reply)), "ok");

  auto spans = spans_when(backend, {"gateway.request", "mcp.tool_call", "gateway.backend.execute"});
  ASSERT_EQ(spans.count("gateway.backend.execute"), 1u) << "spans: " << spans.size();
  const auto& request = spans.at("gateway.request");
  const auto& call = spans.at("mcp.tool_call");
  const auto& backend_span = spans.at("gateway.backend.execute");
  // One trace, the client's; each span the child of the one before.
  for (const auto* s : {&request, &call, &backend_span})
    EXPECT_EQ(json::string_or(*s, "traceId"), kClientTrace);
  EXPECT_EQ(json::string_or(request, "parentSpanId"), kClientSpan);
  EXPECT_EQ(json::string_or(call, "parentSpanId"), json::string_or(request, "spanId"));
  EXPECT_EQ(json::string_or(backend_span, "parentSpanId"), json::string_or(call, "spanId"));
  EXPECT_EQ(request["kind"].GetInt(), 2);       // SERVER
  EXPECT_EQ(call["kind"].GetInt(), 1);          // INTERNAL
  EXPECT_EQ(backend_span["kind"].GetInt(), 3);  // CLIENT
  EXPECT_EQ(attribute(request, "http.request.method"), "POST");
  EXPECT_EQ(attribute(request, "gateway.tag"), "routed:web");
  EXPECT_EQ(attribute(request, "http.response.status_code"), "200");
  EXPECT_EQ(attribute(call, "gen_ai.tool.name"), "ok");
  EXPECT_EQ(attribute(call, "gen_ai.agent.id"), "web");
  EXPECT_EQ(attribute(call, "mcp.response.status"), "200");
  EXPECT_LE(std::stoull(json::string_or(request, "startTimeUnixNano")),
            std::stoull(json::string_or(call, "startTimeUnixNano")));
  EXPECT_LE(std::stoull(json::string_or(backend_span, "endTimeUnixNano")),
            std::stoull(json::string_or(call, "endTimeUnixNano")));

  // The backend's request carried the backend span's context.
  EXPECT_EQ(backend.last_header("traceparent"),
            "00-" + kClientTrace + "-" + json::string_or(backend_span, "spanId") + "-01");
  // The resource and the collector's headers.
  auto body = json::parse(backend.traces().front());
  ASSERT_TRUE(body);
  EXPECT_EQ(attribute((*body)["resourceSpans"][0]["resource"], "service.name"), "awmg-test");
  auto headers = backend.trace_headers().front();
  EXPECT_EQ(headers["x-collector-key"], "s cret");
  EXPECT_EQ(headers["x-tenant"], "t1");
  EXPECT_EQ(headers["content-type"], "application/json");
  std::string metrics = gw.get("/metrics", {{"Authorization", "test-key"}}).body;
  EXPECT_NE(metrics.find("awmg_trace_spans_exported_total "), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("awmg_trace_spans_dropped_total 0"), std::string::npos) << metrics;
}

// A traceparent that is not W3C's starts a trace of the gateway's own, and the request is served as usual.
TEST(Tracing, AMalformedTraceparentStartsANewTrace) {
  ScriptedBackend backend;
  TempDir dir;
  dir.write("config.toml", config_for(backend));
  RunningGateway gw({"-c", dir.file("config.toml"), "--otlp-endpoint", backend.base_url()}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/web", "test-key");
  c.initialize();
  const std::vector<std::string> bad = {
      "00-" + kClientTrace + "-" + kClientSpan,                      // no flags
      "00-" + std::string(32, '0') + "-" + kClientSpan + "-01",      // zero trace id
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + kClientSpan + "-01",  // upper case
      "ff-" + kClientTrace + "-" + kClientSpan + "-01",              // version ff
      "00-" + kClientTrace + "-" + kClientSpan + "-01-extra",        // version 00 with more
      std::string(4000, 'x')};
  for (const auto& header : bad) {
    auto reply =
        c.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","arguments":{}}})",
               {{"traceparent", header}});
    EXPECT_EQ(reply.status, 200) << header;
    EXPECT_EQ(result_text(McpClient::last_message(reply)), "ok") << header;
  }
  auto spans = spans_when(backend, {"gateway.request"});
  ASSERT_TRUE(spans.count("gateway.request"));
  EXPECT_NE(json::string_or(spans.at("gateway.request"), "traceId"), kClientTrace);
  EXPECT_FALSE(spans.at("gateway.request").HasMember("parentSpanId"));
}

// Sample rate 0: nothing is exported, and the backend still gets the trace (not sampled) to join.
TEST(Tracing, AtSampleRateZeroNothingIsExportedButTheContextGoesOn) {
  ScriptedBackend backend;
  TempDir dir;
  dir.write("config.toml", config_for(backend));
  RunningGateway gw(
      {"-c", dir.file("config.toml"), "--otlp-endpoint", backend.base_url(), "--otlp-sample-rate", "0"},
      awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/web", "test-key");
  c.initialize();
  c.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","arguments":{}}})",
         {{"traceparent", kClientTraceparent}});
  std::string sent = backend.last_header("traceparent");
  EXPECT_EQ(sent.substr(0, 36), "00-" + kClientTrace + "-");
  EXPECT_EQ(sent.substr(52), "-00");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // past the batch timeout
  EXPECT_TRUE(backend.traces().empty());
}

// GH_AW_OTLP_ENDPOINTS: every endpoint gets every batch, and one that is down does not stop the others.
TEST(Tracing, SpansFanOutToEveryEndpoint) {
  ScriptedBackend backend, second;
  TempDir dir;
  dir.write("config.toml", config_for(backend));
  const std::string list = R"([{"url":")" + backend.base_url() + R"(/"},{"url":")" + second.base_url() +
                           R"(","headers":"x-which=second"},{"url":"http://127.0.0.1:9"}])";
  RunningGateway gw({"-c", dir.file("config.toml")}, awmg_env(dir, {{"GH_AW_OTLP_ENDPOINTS", list}}));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/web", "test-key");
  c.initialize();
  c.request("tools/call", R"({"name":"ok","arguments":{}})");
  EXPECT_TRUE(spans_when(backend, {"mcp.tool_call"}).count("mcp.tool_call"));
  EXPECT_TRUE(spans_when(second, {"mcp.tool_call"}).count("mcp.tool_call"));
  EXPECT_EQ(second.trace_headers().front().at("x-which"), "second");
  auto until = Clock::now() + std::chrono::seconds(5);
  std::string metrics;
  while (Clock::now() < until) {
    metrics = gw.get("/metrics", {{"Authorization", "test-key"}}).body;
    if (metrics.find("awmg_trace_export_failures_total 0") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(metrics.find("awmg_trace_export_failures_total 0"), std::string::npos) << metrics;
}

// The config's tracing section: its endpoint and service name, and its traceId/spanId as the parent of every
// request that brings no trace of its own.
TEST(Tracing, TheConfigsTraceIdMakesTheGatewayAChildOfThatSpan) {
  ScriptedBackend backend;
  TempDir dir;
  dir.write("config.toml", config_for(backend) + "[gateway.tracing]\nendpoint = \"" + backend.base_url() +
                               "\"\nservice_name = \"from-config\"\ntrace_id = \"" + kClientTrace +
                               "\"\nspan_id = \"" + kClientSpan + "\"\n");
  RunningGateway gw({"-c", dir.file("config.toml")}, awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  McpClient c(gw.port(), "/mcp/web", "test-key");
  c.initialize();
  c.request("tools/call", R"({"name":"ok","arguments":{}})");
  auto spans = spans_when(backend, {"mcp.tool_call"});
  ASSERT_TRUE(spans.count("gateway.request"));
  EXPECT_EQ(json::string_or(spans.at("gateway.request"), "traceId"), kClientTrace);
  EXPECT_EQ(json::string_or(spans.at("gateway.request"), "parentSpanId"), kClientSpan);
  auto body = json::parse(backend.traces().front());
  ASSERT_TRUE(body);
  EXPECT_EQ(attribute((*body)["resourceSpans"][0]["resource"], "service.name"), "from-config");
}

TEST(Tracing, BadSettingsAreRefusedAtStartup) {
  ScriptedBackend backend;
  TempDir dir;
  dir.write("config.toml", config_for(backend));
  struct Case {
    std::vector<std::string> flags;
    std::map<std::string, std::string> env;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"--otlp-endpoint", "ftp://collector"}, {}, "not an http:// or https:// URL"},
      {{"--otlp-endpoint", backend.base_url(), "--otlp-sample-rate", "1.5"}, {}, "--otlp-sample-rate"},
      {{"--otlp-endpoint", backend.base_url()}, {{"OTEL_EXPORTER_OTLP_HEADERS", "novalue"}}, "has no '='"},
      {{}, {{"GH_AW_OTLP_ENDPOINTS", "[{\"url\":5}]"}}, "GH_AW_OTLP_ENDPOINTS"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kAwmg, "-c", dir.file("config.toml")};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    auto r = run(argv, awmg_env(dir, c.env));
    EXPECT_NE(r.exit_code, 0) << c.expected;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace awmg::test
