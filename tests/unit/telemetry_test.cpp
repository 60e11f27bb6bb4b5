// The tracing library on its own: W3C trace context, OTLP endpoints and headers, the JSON encoding, sampling,
// and the exporter's bounded queue and shutdown.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "json/json.hpp"
#include "support/scripted_backend.hpp"
#include "telemetry/endpoints.hpp"
#include "telemetry/otlp_json.hpp"
#include "telemetry/tracer.hpp"

namespace awmg::telemetry {
namespace {

const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kSpan = "00f067aa0ba902b7";

TEST(TraceContext, AValidTraceparentRoundTrips) {
  auto c = parse_traceparent("00-" + kTrace + "-" + kSpan + "-01");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->sampled);
  EXPECT_EQ(to_hex(c->trace_id), kTrace);
  EXPECT_EQ(c->traceparent(), "00-" + kTrace + "-" + kSpan + "-01");
  auto unsampled = parse_traceparent("00-" + kTrace + "-" + kSpan + "-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
  // A later version may add fields; they are ignored.
  EXPECT_TRUE(parse_traceparent("01-" + kTrace + "-" + kSpan + "-01-whatever"));
}

TEST(TraceContext, MalformedTraceparentsAreRefused) {
  for (const std::string& bad :
       {std::string(""), "00-" + kTrace + "-" + kSpan, "00-" + kTrace + "-" + kSpan + "-1",
        "00-" + std::string(32, '0') + "-" + kSpan + "-01",
        "00-" + kTrace + "-" + std::string(16, '0') + "-01", "ff-" + kTrace + "-" + kSpan + "-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + kSpan + "-01", "00-" + kTrace + "-" + kSpan + "-01-more",
        "0g-" + kTrace + "-" + kSpan + "-01", "00_" + kTrace + "-" + kSpan + "-01",
        "01-" + kTrace + "-" + kSpan + "-01x"})
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
}

TEST(TraceContext, NewIdsAreNeverZeroAndDiffer) {
  auto a = new_trace_id(), b = new_trace_id();
  EXPECT_NE(a, b);
  EXPECT_NE(to_hex(a), std::string(32, '0'));
  EXPECT_NE(new_span_id(), new_span_id());
}

TEST(Endpoints, TheTracesPathIsAppendedOnceToTheUrlsPath) {
  EXPECT_EQ(*traces_url("https://collector:4318"), "https://collector:4318/v1/traces");
  EXPECT_EQ(*traces_url("https://collector:4318/"), "https://collector:4318/v1/traces");
  EXPECT_EQ(*traces_url("http://c/otlp/v1/traces/"), "http://c/otlp/v1/traces");
  EXPECT_EQ(*traces_url("http://c/otlp"), "http://c/otlp/v1/traces");
  EXPECT_FALSE(traces_url("collector:4318"));
  EXPECT_FALSE(traces_url("ftp://collector"));
  EXPECT_FALSE(traces_url("https:///v1/traces"));
  EXPECT_FALSE(traces_url("http://:4318"));
  EXPECT_FALSE(traces_url("http://c/otlp?key=1"));
  EXPECT_EQ(*traces_url("http://v1/traces"), "http://v1/traces/v1/traces") << "a host named v1 is not a path";
}

TEST(Endpoints, AHeaderErrorNeverEchoesWhatMayBeASecret) {
  auto wrong = parse_headers("x=1,Authorization: Bearer sk-secret-value", true);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, "OTLP header 2 has no '='");
  EXPECT_FALSE(check_header("Authorization", "Bearer a\r\nX-Injected: 1"));
  EXPECT_FALSE(check_header("Bad Name", "v"));
  EXPECT_TRUE(check_header("Authorization", "Bearer ok"));
}

TEST(Spans, TextAClientSentIsValidUtf8AndBounded) {
  EXPECT_EQ(exportable_text("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(exportable_text("a\xFF"
                            "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(exportable_text("\xC3"), "\xEF\xBF\xBD") << "a sequence cut short";
  EXPECT_EQ(exportable_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate";
  EXPECT_EQ(exportable_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "an overlong slash";
  EXPECT_LE(exportable_text(std::string(100000, 'x')).size(), 1024u);
}

TEST(Endpoints, HeadersArePairsAndEnvironmentValuesArePercentDecoded) {
  auto h = parse_headers("api-key=a%20b%3D, x-tenant = t1 ,", true);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->at("api-key"), "a b=");
  EXPECT_EQ(h->at("x-tenant"), "t1");
  EXPECT_EQ(parse_headers("k=a%20b", false)->at("k"), "a%20b");
  EXPECT_FALSE(parse_headers("novalue", true));
  EXPECT_FALSE(parse_headers("=v", true));
  EXPECT_FALSE(parse_headers("bad name=v", true));
  EXPECT_FALSE(parse_headers("k=%zz", true));
  EXPECT_FALSE(parse_headers("k=a%0Db", true)) << "a decoded CR would split the header";
}

TEST(Endpoints, AFanOutListIsCommasOrJson) {
  std::map<std::string, std::string> shared = {{"k", "shared"}};
  auto list = parse_endpoint_list("http://a:1, https://b/", shared);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].url, "https://b/v1/traces");
  EXPECT_EQ((*list)[1].headers.at("k"), "shared");
  auto json_list =
      parse_endpoint_list(R"([{"url":"http://a:1"},{"url":"http://b:2","headers":"k=own,x=1"}])", shared);
  ASSERT_TRUE(json_list) << json_list.error().message;
  EXPECT_EQ((*json_list)[0].headers.at("k"), "shared");
  EXPECT_EQ((*json_list)[1].headers.at("k"), "own");
  EXPECT_FALSE(parse_endpoint_list("[1]", shared));
  EXPECT_FALSE(parse_endpoint_list("[", shared));
  EXPECT_FALSE(parse_endpoint_list(" , ", shared));
}

TEST(OtlpJson, SpansAreEncodedAsOtlpsJsonSays) {
  std::vector<std::unique_ptr<SpanData>> spans;
  auto s = std::make_unique<SpanData>();
  s->name = "mcp.tool_call";
  s->kind = SpanKind::kClient;
  *s->context.trace_id.data() = 1;
  s->context.span_id[7] = 2;
  s->parent = SpanId{0, 0, 0, 0, 0, 0, 0, 3};
  s->start_unix_nano = 1700000000000000001;
  s->end_unix_nano = 1700000000000000002;
  s->attributes = {{"s", std::string("x\"y")}, {"i", int64_t{-5}}, {"b", true}, {"d", 0.5}};
  s->events.push_back({"difc.access_denied", 1700000000000000001, {{"reason", std::string("no")}}});
  s->error = true;
  s->status_message = "failed";
  spans.push_back(std::move(s));
  auto doc = json::parse(encode_otlp_json({"svc", "1.0", {{"process.pid", int64_t{42}}}}, spans));
  ASSERT_TRUE(doc);
  const auto& rs = (*doc)["resourceSpans"][0];
  EXPECT_EQ(json::to_string(rs["resource"]["attributes"][0]),
            R"({"key":"service.name","value":{"stringValue":"svc"}})");
  const auto& span = rs["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(json::string_or(span, "traceId"), "01000000000000000000000000000000");
  EXPECT_EQ(json::string_or(span, "spanId"), "0000000000000002");
  EXPECT_EQ(json::string_or(span, "parentSpanId"), "0000000000000003");
  EXPECT_EQ(span["kind"].GetInt(), 3);
  EXPECT_EQ(json::string_or(span, "startTimeUnixNano"), "1700000000000000001");
  EXPECT_EQ(json::to_string(span["attributes"]),
            R"([{"key":"s","value":{"stringValue":"x\"y"}},{"key":"i","value":{"intValue":"-5"}},)"
            R"({"key":"b","value":{"boolValue":true}},{"key":"d","value":{"doubleValue":0.5}}])");
  EXPECT_EQ(json::string_or(span["events"][0], "name"), "difc.access_denied");
  EXPECT_EQ(json::to_string(span["status"]), R"({"code":2,"message":"failed"})");
}

TEST(Sampling, TheRateIsTheShareOfTracesKeptAndTheDecisionFollowsTheTraceId) {
  int kept = 0;
  for (int i = 0; i < 4000; ++i) kept += sampled_at(0.25, new_trace_id()) ? 1 : 0;
  EXPECT_GT(kept, 800);
  EXPECT_LT(kept, 1200);
  auto id = new_trace_id();
  EXPECT_EQ(sampled_at(0.5, id), sampled_at(0.5, id));
  EXPECT_TRUE(sampled_at(1.0, id));
  EXPECT_FALSE(sampled_at(0.0, id));
}

std::unique_ptr<SpanData> a_span() {
  auto s = std::make_unique<SpanData>();
  s->name = "s";
  s->context.trace_id = new_trace_id();
  s->context.span_id = new_span_id();
  return s;
}

// A collector that takes requests and never answers: the queue fills, what does not fit is dropped at once
// (never waited for), and shutdown ends within its budget, cutting the post in flight.
TEST(BatchExporter, AFullQueueDropsAndShutdownKeepsItsBudget) {
  test::ScriptedBackend collector;
  collector.set_hanging(true);
  metrics::Counter exported, dropped, failed;
  BatchExporter exporter({{collector.base_url() + "/v1/traces", {}}}, {"svc", "1", {}},
                         {&exported, &dropped, &failed});
  for (size_t i = 0; i < BatchExporter::kMaxBatch; ++i) exporter.add(a_span());  // one batch, posted
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < BatchExporter::kMaxQueue + 100; ++i) exporter.add(a_span());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(dropped.value(), 100u);
  start = std::chrono::steady_clock::now();
  exporter.shutdown(std::chrono::milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(exported.value(), 0u);
  const size_t added = BatchExporter::kMaxBatch + BatchExporter::kMaxQueue + 100;
  EXPECT_EQ(dropped.value(), added) << "the post cut at the end of the flush counts as dropped too";
  EXPECT_GE(failed.value(), 1u);
  exporter.add(a_span());  // after shutdown: dropped, and the counters are no longer touched
  EXPECT_EQ(dropped.value(), added);
  collector.set_hanging(false);
}

// Spans of a second batch wait no more than the batch timeout, and everything queued at shutdown is sent.
TEST(BatchExporter, ShutdownSendsWhatIsQueued) {
  test::ScriptedBackend collector;
  metrics::Counter exported, dropped, failed;
  BatchExporter exporter({{collector.base_url() + "/v1/traces", {}}}, {"svc", "1", {}},
                         {&exported, &dropped, &failed});
  for (int i = 0; i < 600; ++i) exporter.add(a_span());
  exporter.shutdown(std::chrono::seconds(5));
  EXPECT_EQ(exported.value(), 600u);
  EXPECT_EQ(dropped.value(), 0u);
  EXPECT_EQ(failed.value(), 0u);
  EXPECT_EQ(collector.traces().size(), 3u);  // 256 + 256 + 88
}

}  // namespace
}  // namespace awmg::telemetry
