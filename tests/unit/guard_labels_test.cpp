// What guards return, path-label resolution and filtering, and policies: upstream's texts, and refusals
// wherever a guard's mistake could let data through.
#include <gtest/gtest.h>

#include "difc/labeled_data.hpp"
#include "guard/label_parse.hpp"
#include "guard/policy.hpp"
#include "json/json.hpp"

namespace awmg::guard {
namespace {

template <typename T>
std::string error_of(const Result<T>& r) {
  return r ? "" : r.error().message;
}

TEST(AgentLabels, ParsesAndTrimsAndRefusesWithUpstreamsTexts) {
  auto ok = parse_agent_labels(
      R"({"agent":{"secrecy":[" private:a ",""],"integrity":["none:a"]},"difc_mode":"FILTER","normalized_policy":{"x":1}})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->agent.secrecy, difc::Label({"private:a"}));
  EXPECT_EQ(ok->mode, difc::Mode::kFilter);
  EXPECT_EQ(ok->normalized_policy, R"({"x":1})");
  EXPECT_EQ(error_of(parse_agent_labels("")), "label_agent returned empty response");
  EXPECT_EQ(error_of(parse_agent_labels("nope")).rfind("failed to unmarshal label_agent response: ", 0), 0u);
  EXPECT_EQ(error_of(parse_agent_labels(R"({"success":false,"error":"bad repos"})")),
            "label_agent rejected policy: bad repos");
  EXPECT_EQ(error_of(parse_agent_labels(R"({"ok":false})")), "label_agent returned non-success status");
  EXPECT_EQ(error_of(parse_agent_labels(R"({"error":"x"})")), "label_agent returned error: x");
  EXPECT_EQ(error_of(parse_agent_labels(R"({"agent":{}})")), "label_agent response missing difc_mode");
  EXPECT_EQ(
      error_of(parse_agent_labels(R"({"difc_mode":"lenient"})")),
      "invalid difc_mode from label_agent: unknown enforcement mode: lenient (valid modes: strict, filter, "
      "propagate)");
  EXPECT_EQ(error_of(parse_agent_labels(R"({"agent":{"secrecy":["*"]},"difc_mode":"filter"})")),
            "label_agent may not give an agent the wildcard tag \"*\"");
  EXPECT_EQ(error_of(parse_agent_labels(R"({"agent":{"secrecy":"private"},"difc_mode":"strict"})")),
            "failed to decode label_agent response: agent.secrecy must be an array of strings");
}

TEST(ResourceLabels, UnknownOperationIsAWriteAndOddTagsAreRefused) {
  auto ok = parse_resource_labels(
      R"({"resource":{"description":"d","secrecy":["s"],"integrity":[]},"operation":"read"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->operation, difc::Operation::kRead);
  EXPECT_EQ(ok->resource.description, "d");
  EXPECT_EQ(parse_resource_labels(R"({"resource":{},"operation":"READ"})")->operation,
            difc::Operation::kWrite);
  EXPECT_EQ(parse_resource_labels(R"({"resource":{}})")->operation, difc::Operation::kWrite);
  EXPECT_EQ(error_of(parse_resource_labels(R"({"operation":"read"})")),
            "invalid resource format in guard response");
  EXPECT_EQ(error_of(parse_resource_labels("[1]")),
            "failed to unmarshal label_resource WASM response: not a JSON object");
  // Upstream skips a tag that is not a string; skipping a secrecy tag would let data through.
  EXPECT_EQ(
      error_of(parse_resource_labels(R"({"resource":{"secrecy":["a",{"scope":"b"}]},"operation":"read"})")),
      R"(secrecy holds a tag that is not a string: {"scope":"b"})");
  std::string huge = R"({"resource":{"secrecy":[)";
  for (size_t i = 0; i <= kMaxTagsPerLabel; ++i) huge += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  EXPECT_EQ(error_of(parse_resource_labels(huge + "]}}")), "secrecy has 4097 tags, more than 4096");
}

// The limits at their edges: one under is a label, one over is refused (the guard's answer fails closed).
TEST(ResourceLabels, TagCountsAndLengthsAtTheirLimits) {
  std::string tags;
  for (size_t i = 0; i < kMaxTagsPerLabel; ++i) tags += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  EXPECT_TRUE(parse_resource_labels(R"({"resource":{"secrecy":[)" + tags + "]}}"));
  auto with_tag = [](size_t bytes) {
    return parse_resource_labels(R"({"resource":{"integrity":[")" + std::string(bytes, 'x') + R"("]}})");
  };
  EXPECT_TRUE(with_tag(kMaxTagBytes));
  EXPECT_EQ(error_of(with_tag(kMaxTagBytes + 1)), "integrity holds a tag longer than 1024 bytes");
}

TEST(ResponseLabels, LabeledPathsAtTheirLimit) {
  auto with_paths = [](size_t n) {
    std::string paths;
    for (size_t i = 0; i < n; ++i)
      paths += (i ? "," : "") + std::string(R"({"path":"/items/)") + std::to_string(i) + R"(","labels":{}})";
    return parse_response_labels(R"({"labeled_paths":[)" + paths + "]}");
  };
  EXPECT_TRUE(with_paths(kMaxLabeledItems));
  EXPECT_EQ(error_of(with_paths(kMaxLabeledItems + 1)),
            "failed to parse path labels: more than 100000 labeled paths");
}

TEST(ResponseLabels, FormatsAreDetectedAsUpstreamDoes) {
  EXPECT_FALSE(*parse_response_labels(""));
  EXPECT_FALSE(*parse_response_labels("{}"));
  EXPECT_FALSE(*parse_response_labels(R"({"items":[]})"));
  auto paths = parse_response_labels(
      R"({"labeled_paths":[{"path":"/items/0","labels":{"secrecy":["s"]}}],"items_path":"/items"})");
  ASSERT_TRUE(paths && *paths);
  EXPECT_TRUE(std::holds_alternative<difc::PathLabels>(**paths));
  auto legacy =
      parse_response_labels(R"({"items":[{"data":{"a":1},"labels":{"integrity":["i"]}},{"data":2}]})");
  ASSERT_TRUE(legacy && *legacy);
  const auto& items = std::get<difc::LegacyItems>(**legacy).items;
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].first, R"({"a":1})");
  EXPECT_TRUE(items[1].second.labels.integrity.empty());  // no labels: empty, not a crash (upstream quirk)
  EXPECT_EQ(error_of(parse_response_labels(R"({"labeled_paths":[{"labels":{}}]})")),
            "failed to parse path labels: a labeled_paths entry has no string path");
  EXPECT_EQ(
      error_of(parse_response_labels("[]")).rfind("failed to unmarshal label_response WASM response", 0), 0u);
}

difc::Collection resolve(const std::string& labels, const std::string& document) {
  auto parsed = parse_response_labels(labels);
  auto doc = json::parse(document);
  auto items = difc::resolve(**parsed, *doc, document);
  if (!items) throw std::runtime_error(items.error().message);
  return *items;
}

TEST(PathLabels, ResolveItemsDefaultsAndUnlabeled) {
  auto items = resolve(R"({"items_path":"/items","labeled_paths":[
      {"path":"/items/0/title","labels":{"description":"first","secrecy":["a"]}},
      {"path":"items/2","labels":{"description":"third"}},
      {"path":"/items/x","labels":{"description":"ignored"}},
      {"path":"/other/1","labels":{"description":"ignored"}},
      {"path":"/items/9","labels":{"description":"out of range"}}],
      "default_labels":{"description":"default","integrity":["d"]}})",
                       R"({"total":3,"items":[{"title":"a"},{"title":"b"},{"title":"c"}]})");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].labels.description, "first");
  EXPECT_EQ(items[0].data, R"({"title":"a"})");
  EXPECT_EQ(items[1].labels.description, "default");
  EXPECT_EQ(items[2].labels.description, "third");
  auto unlabeled = resolve(R"({"labeled_paths":[],"items_path":""})", R"([1,2])");
  EXPECT_EQ(unlabeled[1].labels.description, "unlabeled");
  auto whole = resolve(R"({"labeled_paths":[],"default_labels":{"description":"one"}})", R"({"a":1})");
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].data, R"({"a":1})");
}

TEST(PathLabels, PathsPointingNowhereAreErrors) {
  auto doc = json::parse(R"({"items":{"not":"an array"},"n":1})");
  auto missing = parse_response_labels(R"({"labeled_paths":[],"items_path":"/nothing"})");
  EXPECT_EQ(
      difc::resolve(**missing, *doc, "").error().message,
      "failed to apply path labels: failed to resolve path labels: path \"/nothing\" not found in response");
  auto not_array = parse_response_labels(R"({"labeled_paths":[],"items_path":"/items"})");
  EXPECT_EQ(difc::resolve(**not_array, *doc, "").error().message,
            "failed to apply path labels: failed to resolve path labels: items_path \"/items\" does not "
            "point to an "
            "array");
}

TEST(Filtering, NoticesNameThePolicyAndTheItems) {
  difc::Collection items = {{"1", {"open", {{}, {}}}}, {"2", {"secret", {{"private:x"}, {}}}}};
  auto outcome = difc::filter(difc::Labels{}, items, difc::Operation::kRead, difc::Mode::kFilter);
  ASSERT_EQ(outcome.accessible.size(), 1u);
  ASSERT_EQ(outcome.filtered.size(), 1u);
  EXPECT_EQ(difc::filtered_notice(outcome.filtered),
            "[Filtered] 1 item(s) in this response were removed by secrecy policy and are not shown: secret "
            "(Resource "
            "'secret' has secrecy requirements that agent doesn't meet. The agent is not authorized to "
            "access private "
            "(x)-scoped data.).");
  std::vector<difc::Filtered> many(6, difc::Filtered{&items[1], "r", false});
  EXPECT_EQ(difc::filtered_notice(many),
            "[Filtered] 6 item(s) in this response were removed by integrity policy and are not shown.");
  many[0].secrecy = true;
  EXPECT_EQ(difc::filtering_policy(many), "access policy");
  EXPECT_EQ(difc::overall(items).secrecy, difc::Label({"private:x"}));
}

TEST(Policy, AllowOnlyIsValidatedNormalizedAndTransported) {
  auto p = parse_policy(R"({"Allow-Only":{"repos":["acme/web","acme/*"],"Min-Integrity":" Approved ",
      "refusal-labels":"spam, wontfix\nduplicate","endorsement-reactions":["thumbs_up"],
      "tool-call-limits":{"create_issue":2},"promotion-label":"ok"}})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->kind, Policy::Kind::kAllowOnly);
  EXPECT_EQ(p->tool_call_limits.at("create_issue"), 2);
  EXPECT_EQ(
      label_agent_payload(*p, {"ci-bot[bot]"}),
      R"({"allow-only":{"endorsement-reactions":["THUMBS_UP"],"min-integrity":"approved",)"
      R"("promotion-label":"ok","refusal-labels":["spam","wontfix","duplicate"],"repos":["acme/*","acme/web"]},)"
      R"("trusted-bots":["ci-bot[bot]"]})");
  EXPECT_EQ(label_agent_payload(*parse_policy(R"({"allowonly":{"repos":"PUBLIC","integrity":"none"}})"), {}),
            R"({"allow-only":{"min-integrity":"none","repos":"public"}})");
}

TEST(Policy, ErrorsNameTheProblem) {
  EXPECT_EQ(error_of(parse_policy(R"({"deny":{}})")), "policy contains unsupported field \"deny\"");
  EXPECT_EQ(error_of(parse_policy("{}")), "policy must include allow-only or write-sink");
  EXPECT_EQ(error_of(parse_policy(R"({"allow-only":{"repos":"all","min-integrity":"none","x":1}})")),
            "allow-only contains unsupported field \"x\"");
  EXPECT_EQ(
      error_of(parse_policy(R"({"allow-only":{"repos":["Acme/Web"],"min-integrity":"none"}})")),
      "allow-only repos entry \"Acme/Web\" is not a lowercase owner/*, owner/repo or owner/prefix* scope");
  EXPECT_EQ(error_of(parse_policy(R"({"allow-only":{"repos":"all","min-integrity":"high"}})")),
            "allow-only min-integrity must be one of none, unapproved, approved, merged, got \"high\"");
  EXPECT_EQ(error_of(parse_policy(R"({"allow-only":{"repos":"all"}})")), "allow-only requires min-integrity");
  EXPECT_EQ(error_of(parse_policy(R"({"write-sink":{"accept":["*","private:a"]}})")),
            "write-sink accept may hold \"*\" only alone");
  auto sink = parse_policy(R"({"write-sink":{"accept":["private:acme"],"sink-visibility":"Private"}})");
  ASSERT_TRUE(sink);
  EXPECT_EQ(sink->sink_visibility, "private");
}

TEST(Policy, ServerPoliciesAcceptTheirUpstreamShapes) {
  auto flat = parse_server_policies(R"({"repos":"all","min-integrity":"none"})", "github");
  ASSERT_TRUE(flat && *flat);
  auto nested =
      parse_server_policies(R"({"github":{"allow-only":{"repos":"all","min-integrity":"none"}}})", "github");
  ASSERT_TRUE(nested && *nested);
  auto single = parse_server_policies(R"({"any":{"write-sink":{"accept":["*"]}}})", "github");
  ASSERT_TRUE(single && *single);
  EXPECT_EQ((*single)->kind, Policy::Kind::kWriteSink);
  auto none = parse_server_policies(R"({"a":1,"b":2})", "github");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

}  // namespace
}  // namespace awmg::guard
