#include <gtest/gtest.h>

#include "cli/flag_set.hpp"

namespace awmg::cli {
namespace {

struct Flags {
  std::string listen = "127.0.0.1:3000";
  bool routed = false;
  int verbose = 0;
  int64_t threshold = 10;
  base::Duration timeout = std::chrono::seconds(5);
  std::vector<std::string> bots = {"default"};
  FlagSet set;
  Flags() {
    set.add_string("listen", 'l', &listen, "listen address");
    set.add_bool("routed", 0, &routed, "routed mode");
    set.add_count("verbose", 'v', &verbose, "verbosity");
    set.add_int("threshold", 0, &threshold, "bytes");
    set.add_duration("timeout", 0, &timeout, "drain");
    set.add_list("bots", 0, &bots, "bots");
  }
};

TEST(FlagSet, LongAndShortForms) {
  Flags f;
  auto rest = f.set.parse({"--listen", "0.0.0.0:1", "--routed", "--threshold=42", "-vvv", "--timeout", "2m"});
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_TRUE(rest->empty());
  EXPECT_EQ(f.listen, "0.0.0.0:1");
  EXPECT_TRUE(f.routed);
  EXPECT_EQ(f.threshold, 42);
  EXPECT_EQ(f.verbose, 3);
  EXPECT_EQ(f.timeout, std::chrono::minutes(2));
  EXPECT_TRUE(f.set.changed("listen"));
  EXPECT_FALSE(f.set.changed("bots"));
}

TEST(FlagSet, ShorthandValueForms) {
  for (auto args : {std::vector<std::string>{"-l", "a:1"}, {"-la:1"}, {"-l=a:1"}, {"--listen=a:1"}}) {
    Flags f;
    ASSERT_TRUE(f.set.parse(args));
    EXPECT_EQ(f.listen, "a:1");
  }
}

TEST(FlagSet, BoolTakesExplicitValueOnlyWithEquals) {
  Flags f;
  f.routed = true;
  auto rest = f.set.parse({"--routed=false", "extra"});
  ASSERT_TRUE(rest);
  EXPECT_FALSE(f.routed);
  EXPECT_EQ(*rest, std::vector<std::string>{"extra"});
}

TEST(FlagSet, ListReplacesDefaultThenAppends) {
  Flags f;
  ASSERT_TRUE(f.set.parse({"--bots", "a,b", "--bots=c"}));
  EXPECT_EQ(f.bots, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(FlagSet, DoubleDashEndsFlags) {
  Flags f;
  auto rest = f.set.parse({"--", "--routed"});
  ASSERT_TRUE(rest);
  EXPECT_FALSE(f.routed);
  EXPECT_EQ(*rest, std::vector<std::string>{"--routed"});
}

TEST(FlagSet, ErrorsUsePflagWording) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {{"--nope"}, "unknown flag: --nope"},
           {{"-x"}, "unknown shorthand flag: 'x' in -x"},
           {{"-vx"}, "unknown shorthand flag: 'x' in -vx"},
           {{"--listen"}, "flag needs an argument: --listen"},
           {{"-l"}, "flag needs an argument: 'l' in -l"},
           {{"--threshold", "abc"},
            "invalid argument \"abc\" for \"--threshold\" flag: strconv.ParseInt: parsing \"abc\": invalid "
            "syntax"},
           {{"--routed=maybe"},
            "invalid argument \"maybe\" for \"--routed\" flag: strconv.ParseBool: parsing \"maybe\": invalid "
            "syntax"},
           {{"--timeout", "soon"},
            "invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\""},
       }) {
    Flags f;
    auto r = f.set.parse(c.args);
    ASSERT_FALSE(r) << c.message;
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST(FlagSet, HelpIsRecognised) {
  Flags f;
  ASSERT_TRUE(f.set.parse({"-h"}));
  EXPECT_TRUE(f.set.help_requested());
  std::string usage = f.set.usages();
  EXPECT_NE(usage.find("-l, --listen string"), std::string::npos) << usage;
  EXPECT_NE(usage.find("(default \"127.0.0.1:3000\")"), std::string::npos) << usage;
  EXPECT_NE(usage.find("--timeout duration"), std::string::npos) << usage;
  EXPECT_NE(usage.find("(default 5s)"), std::string::npos) << usage;
}

}  // namespace
}  // namespace awmg::cli
