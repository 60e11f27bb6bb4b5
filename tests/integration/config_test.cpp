// Config loading through the real binary: stdin JSON and TOML files, their errors and hostile input.
#include <gtest/gtest.h>

#include "integration/awmg_process.hpp"

namespace awmg::test {
namespace {

TEST(ConfigErrors, StdinJsonErrorsAreFatalAndLogged) {
  TempDir dir;
  auto options = awmg_env(dir);
  options.stdin_data = R"({"mcpServers":{"a":{"container":"img","env":{"T":"${AWMG_IT_UNDEFINED}"}}},)"
                       R"("gateway":{"port":1,"domain":"localhost"}})";
  options.unset_env.push_back("AWMG_IT_UNDEFINED");
  auto r = run_awmg({"--config-stdin"}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  const std::string message =
      "failed to load config: Configuration error at configuration: undefined environment variable "
      "referenced: "
      "AWMG_IT_UNDEFINED\nSuggestion: Set the environment variable AWMG_IT_UNDEFINED before starting the "
      "gateway";
  EXPECT_EQ(r.err, message + "\n");
  std::string md = read_text(dir.file("logs/gateway.md"));
  EXPECT_NE(md.find("AWMG_IT_UNDEFINED"), std::string::npos) << md;
  EXPECT_NE(md.find("</details>"), std::string::npos) << md;
}

TEST(ConfigErrors, EnvFileFeedsVariableExpansion) {
  TempDir dir;
  dir.write("vars.env", "AWMG_IT_KEY=from-env-file\n");
  auto options = awmg_env(dir);
  options.unset_env.push_back("AWMG_IT_KEY");
  options.stdin_data = R"({"mcpServers":{"web":{"type":"http","url":"http://127.0.0.1:9/mcp"}},)"
                       R"("gateway":{"port":1,"domain":"localhost","agentId":"${AWMG_IT_KEY}"}})";
  RunningGateway gw({"--config-stdin", "--env", dir.file("vars.env")}, options);
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  EXPECT_EQ(gw.agent_id(), "from-env-file");
}

// The variables the file sets are the flags' defaults too: an HMAC secret set there is required.
TEST(ConfigErrors, EnvFileSetsTheFlagsDefaults) {
  TempDir dir;
  dir.write("vars.env", "MCP_GATEWAY_HMAC_SECRET=from-env-file\n");
  dir.write("c.toml",
            "[gateway]\napi_key = \"test-key\"\n[servers.web]\ntype = \"http\"\n"
            "url = \"http://127.0.0.1:9/mcp\"\n");
  auto options = awmg_env(dir);
  options.unset_env.push_back("MCP_GATEWAY_HMAC_SECRET");
  RunningGateway gw({"-c", dir.file("c.toml"), "--env", dir.file("vars.env")}, options);
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  auto unsigned_reply = gw.post("/mcp/web", R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})",
                                {{"Authorization", "test-key"},
                                 {"Content-Type", "application/json"},
                                 {"Accept", "application/json, text/event-stream"}});
  EXPECT_EQ(unsigned_reply.status, 401) << unsigned_reply.body;
  EXPECT_NE(unsigned_reply.body.find("missing HMAC signature headers"), std::string::npos)
      << unsigned_reply.body;
}

TEST(ConfigErrors, TomlFileErrors) {
  TempDir dir;
  auto missing = run_awmg({"-c", dir.file("none.toml")}, awmg_env(dir));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err,
            "failed to load config: open " + dir.file("none.toml") + ": No such file or directory\n");
  dir.write("bad.toml", "[servers.a]\ncommand = \"docker\"\nflavour = \"x\"\n");
  auto unknown = run_awmg({"-c", dir.file("bad.toml")}, awmg_env(dir));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(
      unknown.err,
      "failed to load config: configuration contains unrecognized field(s): servers.a.flavour \xE2\x80\x94 "
      "check the MCP Gateway Specification for supported fields\n");
  dir.write("binary.toml", std::string("[servers.a]\ncommand = \"\xff\xfe\"\n"));
  auto binary = run_awmg({"-c", dir.file("binary.toml")}, awmg_env(dir));
  EXPECT_EQ(binary.exit_code, 1);
  EXPECT_EQ(binary.err.rfind("failed to load config: failed to parse TOML: toml: line 2", 0), 0u)
      << binary.err;
}

TEST(ConfigErrors, HugeStdinIsRefusedQuickly) {
  TempDir dir;
  auto options = awmg_env(dir);
  options.stdin_data = "{\"mcpServers\":\"" + std::string(50u << 20, 'x') + "\"}";
  auto start = std::chrono::steady_clock::now();
  auto r = run_awmg({"--config-stdin"}, options, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "failed to load config: failed to read configuration from stdin: input is larger than 16 MiB\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ConfigErrors, DeepNestingAndBadEncoding) {
  TempDir dir;
  auto options = awmg_env(dir);
  options.stdin_data = std::string(100000, '[') + std::string(100000, ']');
  auto deep = run_awmg({"--config-stdin"}, options);
  EXPECT_EQ(deep.exit_code, 1);
  EXPECT_EQ(deep.err, "failed to load config: invalid JSON: nested more than 256 levels deep\n");
  options.stdin_data = std::string(100000, '{');
  auto unclosed = run_awmg({"--config-stdin"}, options);
  EXPECT_EQ(unclosed.exit_code, 1);
  EXPECT_EQ(unclosed.err.rfind("failed to load config: invalid JSON at line 1, column 2: ", 0), 0u)
      << unclosed.err;
  options.stdin_data = "{\"mcpServers\":{\"\xc3\x28\":{}}}";
  auto utf8 = run_awmg({"--config-stdin"}, options);
  EXPECT_EQ(utf8.exit_code, 1);
  EXPECT_EQ(utf8.err,
            "failed to load config: invalid JSON at line 1, column 17: Invalid encoding in string.\n");
  options.stdin_data = "";
  auto empty = run_awmg({"--config-stdin"}, options);
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_EQ(empty.err, "failed to load config: invalid JSON at line 1, column 1: The document is empty.\n");
}

TEST(ConfigErrors, SchemaReportOnStderr) {
  TempDir dir;
  auto options = awmg_env(dir);
  options.stdin_data =
      R"({"mcpServers":{"a":{"container":"img","flavour":1}},"gateway":{"port":1,"domain":"localhost"}})";
  auto r = run_awmg({"--config-stdin"}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(
      r.err.rfind("failed to load config: Configuration validation error (MCP Gateway version: 0.1.0", 0),
      0u);
  EXPECT_NE(r.err.find("Location: /mcpServers/a\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"flavour\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace awmg::test
