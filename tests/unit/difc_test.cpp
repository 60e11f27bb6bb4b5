// The DIFC model against upstream's tables: flows, rules per operation and mode, denial
// texts, level words, the pipeline's decision helpers, agents.
#include <gtest/gtest.h>

#include "difc/agents.hpp"
#include "difc/evaluator.hpp"

namespace awmg::difc {
namespace {

Resource resource(std::string description, Label secrecy, Label integrity) {
  return Resource{std::move(description), Labels{std::move(secrecy), std::move(integrity)}};
}

TEST(Flow, SecrecyIsSubsetIntegrityIsSupersetWildcardsAccept) {
  std::vector<std::string> bad;
  EXPECT_TRUE(secrecy_flows({}, {"private:a"}, &bad));
  EXPECT_TRUE(secrecy_flows({"private:a"}, {"private:a", "private:b"}, &bad));
  EXPECT_FALSE(secrecy_flows({"private:a", "private:c"}, {"private:a"}, &bad));
  EXPECT_EQ(bad, std::vector<std::string>{"private:c"});
  EXPECT_TRUE(secrecy_flows({"private:a"}, {"*"}, &bad));

  EXPECT_TRUE(integrity_flows({"approved:a", "none:a"}, {"none:a"}, &bad));
  EXPECT_FALSE(integrity_flows({"none:a"}, {"none:a", "approved:a"}, &bad));
  EXPECT_EQ(bad, std::vector<std::string>{"approved:a"});
  EXPECT_TRUE(integrity_flows({"*"}, {"approved:a"}, &bad));
  EXPECT_TRUE(integrity_flows({}, {}, &bad));  // an untrusted source reaches an untrusting target
  EXPECT_FALSE(integrity_flows({}, {"none"}, &bad));
}

TEST(Evaluate, ReadChecksIntegrityFirstThenSecrecyWithUpstreamsWords) {
  Labels agent{{"private:acme"}, {"none:acme", "unapproved:acme", "approved:acme"}};
  auto low = resource("issue #1", {}, {"none:acme"});
  Decision d = evaluate(agent, low, Operation::kRead, Mode::kStrict);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.reason,
            "Resource 'issue #1' has lower integrity than agent requires. The agent cannot read data with "
            "integrity "
            "below \"approved\".");
  EXPECT_EQ(d.integrity_to_drop, (std::vector<std::string>{"approved:acme", "unapproved:acme"}));

  auto secret = resource("repo other/x", {"private:other/x"}, agent.integrity);
  d = evaluate(agent, secret, Operation::kRead, Mode::kFilter);
  EXPECT_FALSE(d.allowed());
  EXPECT_TRUE(d.secrecy_violation());
  EXPECT_EQ(d.reason,
            "Resource 'repo other/x' has secrecy requirements that agent doesn't meet. The agent is not "
            "authorized to "
            "access private (other/x)-scoped data.");

  EXPECT_TRUE(
      evaluate(agent, resource("ok", {"private:acme"}, agent.integrity), Operation::kRead, Mode::kStrict)
          .allowed());
}

TEST(Evaluate, PropagateAllowsReadsAndSaysWhatChanges) {
  Labels agent{{}, {"approved"}};
  Decision d = evaluate(agent, resource("r", {"private:x"}, {}), Operation::kRead, Mode::kPropagate);
  EXPECT_EQ(d.kind, Decision::Kind::kAllowWithPropagate);
  EXPECT_EQ(d.reason,
            "Read allowed with label propagation: adding secrecy tags [private:x] and dropping integrity "
            "tags [approved]");
  d = evaluate(agent, resource("r", {}, {"approved"}), Operation::kRead, Mode::kPropagate);
  EXPECT_EQ(d.kind, Decision::Kind::kAllow);
  // Writes are judged the same in every mode.
  d = evaluate(Labels{{"private:x"}, {}}, resource("public repo", {}, {}), Operation::kWrite,
               Mode::kPropagate);
  EXPECT_FALSE(d.allowed());
}

TEST(Evaluate, WriteChecksIntegrityThenSecrecy) {
  Decision d = evaluate(Labels{{}, {"none:acme"}}, resource("acme/web", {}, {"approved:acme", "none:acme"}),
                        Operation::kWrite, Mode::kStrict);
  EXPECT_EQ(d.reason,
            "Agent lacks required integrity to write to 'acme/web'. The agent's integrity level is "
            "insufficient; it needs \"approved\" integrity.");
  d = evaluate(Labels{{"private:acme/secret"}, {"approved"}}, resource("public/site", {}, {"approved"}),
               Operation::kWrite, Mode::kStrict);
  EXPECT_EQ(d.reason,
            "Agent carries private (acme/secret)-scoped data that cannot be written to 'public/site' due to "
            "secrecy constraints. The target resource is not authorized to receive this sensitive data.");
  // A write-sink accepting everything.
  EXPECT_TRUE(
      evaluate(Labels{{"private:a"}, {}}, resource("sink", {"*"}, {}), Operation::kWrite, Mode::kStrict)
          .allowed());
}

TEST(Evaluate, ReadWriteNeedsBoth) {
  // A noop-guarded server: empty labels, read-write. An agent with integrity tags fails the read part.
  auto noop = resource("noop resource (no restrictions)", {}, {});
  EXPECT_FALSE(evaluate(Labels{{}, {"approved:acme"}}, noop, Operation::kReadWrite, Mode::kFilter).allowed());
  // An agent with secrecy fails the write part.
  Decision d = evaluate(Labels{{"private:acme"}, {}}, noop, Operation::kReadWrite, Mode::kFilter);
  EXPECT_FALSE(d.allowed());
  EXPECT_NE(d.reason.find("cannot be written to 'noop resource (no restrictions)'"), std::string::npos);
  EXPECT_TRUE(evaluate(Labels{}, noop, Operation::kReadWrite, Mode::kStrict).allowed());
}

TEST(Words, LevelsAndScopes) {
  EXPECT_EQ(integrity_level_words({}), "none");
  EXPECT_EQ(integrity_level_words({"unapproved:a", "merged:a"}), "\"merged\"");
  EXPECT_EQ(integrity_level_words({"unapproved:a", "approved:a"}), "\"approved\"");
  EXPECT_EQ(integrity_level_words({"unapproved"}), "\"unapproved\"");
  EXPECT_EQ(integrity_level_words({"none:a", "x"}), "[none:a x]");
  EXPECT_EQ(secrecy_level_words({}), "public");
  EXPECT_EQ(secrecy_level_words({"private:a", "private:a/long"}), "private (a/long)");
  EXPECT_EQ(secrecy_level_words({"private"}), "private");
  EXPECT_EQ(secrecy_level_words({"internal"}), "[internal]");
}

TEST(ViolationText, MatchesUpstreamsLayout) {
  Labels agent{{}, {"approved"}};
  auto r = resource("secret", {"private:x"}, {"approved"});
  Decision d = evaluate(agent, r, Operation::kRead, Mode::kStrict);
  EXPECT_EQ(
      violation_text(d, agent, r),
      "DIFC Violation: Resource 'secret' has secrecy requirements that agent doesn't meet. The agent is not "
      "authorized to access private (x)-scoped data.\n\n"
      "Required Action: Add secrecy tags [private:x]\n\n"
      "Implications of adding secrecy tags:\n"
      "  - Agent will be restricted from writing to resources that lack these tags\n"
      "  - This includes public resources (e.g., public repositories, public internet)\n"
      "  - Agent will be marked as handling sensitive information\n"
      "  - Future writes must target resources with tags: [private:x]\n"
      "\nCurrent Agent Labels:\n  Secrecy: []\n  Integrity: [approved]\n"
      "\nResource Requirements:\n  Secrecy: [private:x]\n  Integrity: [approved]\n");
}

TEST(Helpers, MatchTheSpec) {
  EXPECT_TRUE(bypasses_coarse_deny(Operation::kRead));
  EXPECT_FALSE(bypasses_coarse_deny(Operation::kReadWrite));
  EXPECT_FALSE(calls_label_response(Operation::kWrite, Mode::kFilter));
  EXPECT_FALSE(calls_label_response(Operation::kReadWrite, Mode::kStrict));
  EXPECT_TRUE(calls_label_response(Operation::kReadWrite, Mode::kFilter));
  EXPECT_TRUE(calls_label_response(Operation::kRead, Mode::kStrict));
  EXPECT_TRUE(blocks_filtered_response(Mode::kStrict, 1));
  EXPECT_FALSE(blocks_filtered_response(Mode::kFilter, 1));
  EXPECT_TRUE(accumulates_read_labels(Operation::kReadWrite, Mode::kPropagate));
  EXPECT_FALSE(accumulates_read_labels(Operation::kWrite, Mode::kPropagate));
  EXPECT_EQ(parse_mode("FILTER"), Mode::kFilter);
  EXPECT_EQ(parse_mode(""), Mode::kStrict);
  EXPECT_FALSE(parse_mode("lenient"));
}

TEST(Agents, UnionOnLabelAgentAndPropagateOnReads) {
  AgentRegistry agents;
  EXPECT_EQ(agents.get("s1"), Labels{});
  agents.add("s1", Labels{{"private:a"}, {"none:a", "approved:a"}});
  agents.add("s1", Labels{{"private:b"}, {}});  // never removes
  EXPECT_EQ(agents.get("s1"), (Labels{{"private:a", "private:b"}, {"approved:a", "none:a"}}));
  agents.accumulate_read("s1", Labels{{"private:c"}, {"none:a"}});
  EXPECT_EQ(agents.get("s1"), (Labels{{"private:a", "private:b", "private:c"}, {"none:a"}}));
  agents.accumulate_read("s1", Labels{});  // empty data integrity clears the agent's
  EXPECT_TRUE(agents.get("s1").integrity.empty());
  EXPECT_EQ(agents.snapshot().size(), 1u);
}

}  // namespace
}  // namespace awmg::difc
