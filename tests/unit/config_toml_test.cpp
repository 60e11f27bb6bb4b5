#include <gtest/gtest.h>

#include "config/toml_loader.hpp"
#include "support/process.hpp"
#include "support/scoped_env.hpp"

namespace awmg::config {
namespace {

std::string error_of(const std::string& text) {
  auto r = load_toml_config(text, "test.toml");
  return r ? "(loaded)" : r.error().message;
}

TEST(TomlConfig, LoadsServersGatewayAndGuards) {
  auto r = load_toml_config(R"(
guards_mode = "filter"
sequential_launch = true

[gateway]
port = 8080
agent_id = " agent-7 "
domain = "localhost"
tool_timeout = 5
payload_dir = "/payloads"
trusted_bots = ["bot-a"]

[servers.github]
command = "docker"
args = ["run", "--rm", "-i", "ghcr.io/github/github-mcp-server"]
env = { GITHUB_TOKEN = "" }
tools = ["get_me", "list_issues"]
tool_timeout = 90
rate_limit_threshold = 5
guard = "gh"

[servers.github.guard_policies.allow-only]
repos = "all"
min-integrity = "none"

[servers.remote]
type = "http"
url = "https://example.com/mcp"
headers = { Authorization = "Bearer x" }

[guards.gh]
type = "wasm"
path = "/guards/gh.wasm"
)",
                            "test.toml");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->servers.size(), 2u);
  const auto& gh = r->servers[0];
  EXPECT_EQ(gh.id, "github");
  EXPECT_EQ(gh.command, "docker");
  EXPECT_EQ(gh.args.back(), "ghcr.io/github/github-mcp-server");
  EXPECT_EQ(gh.env.at("GITHUB_TOKEN"), "");
  EXPECT_EQ(gh.tool_timeout, 90);
  EXPECT_EQ(gh.rate_limit_threshold, 5);
  EXPECT_EQ(gh.rate_limit_cooldown, 60);
  EXPECT_EQ(gh.guard_policies_json, R"({"allow-only":{"min-integrity":"none","repos":"all"}})");
  EXPECT_EQ(r->servers[1].type, ServerType::kHttp);
  EXPECT_EQ(r->servers[1].headers.at("Authorization"), "Bearer x");
  EXPECT_EQ(r->gateway.agent_id, "agent-7");
  EXPECT_EQ(r->gateway.tool_timeout, 5);  // TOML keeps upstream's leniency below 10
  EXPECT_EQ(r->gateway.startup_timeout, 30);
  EXPECT_EQ(r->gateway.payload_dir, "/payloads");
  EXPECT_EQ(r->guards_mode, "filter");
  EXPECT_EQ(r->sequential_launch, true);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(TomlConfig, AgentIdsAreSeveralKeysExclusiveWithAgentId) {
  const std::string servers = "[servers.a]\ncommand = \"/bin/true\"\n";
  auto r = load_toml_config("[gateway]\nagent_ids = [\"primary\", \"enclave\"]\n" + servers, "t.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gateway.keys(), (std::vector<std::string>{"primary", "enclave"}));
  EXPECT_NE(error_of("[gateway]\nagent_ids = [\"a\"]\nagent_id = \"b\"\n" + servers)
                .find("gateway.agent_id and gateway.agent_ids are mutually exclusive"),
            std::string::npos);
  EXPECT_NE(error_of("[gateway]\nagent_ids = [\"a\"]\napi_key = \"b\"\n" + servers)
                .find("gateway.api_key and gateway.agent_ids are mutually exclusive"),
            std::string::npos);
  EXPECT_NE(error_of("[gateway]\nagent_ids = []\n" + servers).find("at least one agent id"),
            std::string::npos);
  EXPECT_NE(error_of("[gateway]\nagent_ids = [\" \"]\n" + servers).find("gateway.agent_ids[0]"),
            std::string::npos);
}

TEST(TomlConfig, PlainExecutableIsAllowedWithAWarning) {
  auto r =
      load_toml_config("[servers.local]\ncommand = \"/usr/bin/my-mcp\"\nargs = [\"--stdio\"]\n", "t.toml");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(
      r->warnings[0],
      "server 'local' runs '/usr/bin/my-mcp' directly; containerized execution (command = \"docker\") is "
      "recommended by MCP Gateway Specification Section 3.2.1");
  EXPECT_EQ(r->gateway.port, 3000);
  EXPECT_EQ(r->gateway.keepalive_interval, 1500);
}

TEST(TomlConfig, UnknownKeysAreListedWithTheirPaths) {
  EXPECT_EQ(error_of("colour = 1\n[gateway]\nprot = 1\n[servers.a]\ncommand = \"docker\"\nimage = \"x\"\n"
                     "[servers.a.auth]\nkind = \"x\"\n[guards.g]\npath = \"/x\"\nextra = 1\n"),
            "configuration contains unrecognized field(s): colour, gateway.prot, servers.a.image, "
            "servers.a.auth.kind, "
            "guards.g.extra \xE2\x80\x94 check the MCP Gateway Specification for supported fields");
  // Free-form tables are not checked.
  EXPECT_EQ(error_of("[servers.a]\ncommand = \"docker\"\n[servers.a.env]\nANY = \"x\"\n"
                     "[servers.a.guard_policies.custom]\nwhatever = 1\n"),
            "(loaded)");
}

TEST(TomlConfig, ErrorsHaveExactText) {
  struct Case {
    std::string toml;
    std::string message;
  };
  for (
      const auto& c : std::vector<Case>{
          {"[gateway]\nport = 1\n", "no servers defined in configuration"},
          {"[servers.a]\nargs = []\n",
           "Configuration error at servers.a.command: 'command' is required for stdio servers\n"
           "Suggestion: Set command = \"docker\" with the docker run arguments in args"},
          {"[servers.a]\ncommand = \"docker\"\n[gateway]\nport = 70000\n",
           "Configuration error at gateway.port: port must be between 1 and 65535, got 70000"},
          {"[servers.a]\ncommand = \"docker\"\n[gateway]\npayload_size_threshold = 0\n",
           "Configuration error at gateway.payload_size_threshold: payload_size_threshold must be a positive "
           "integer (>= 1), got 0"},
          {"[servers.a]\ntype = \"http\"\n",
           "Configuration error at servers.a.url: 'url' is required for http servers"},
          {"[servers.a]\ntype = \"sse\"\n",
           "Configuration error at servers.a.type: unsupported server type 'sse'\n"
           "Suggestion: Use 'stdio' (the default) or 'http'"},
          {"[servers.a]\ncommand = \"docker\"\n[gateway]\nport = \"8080\"\n",
           "failed to parse TOML: toml: line 4 (last key \"gateway.port\"): incompatible types: TOML value "
           "has type "
           "string; destination has type integer"},
          {"[servers.a]\ncommand = \"docker\"\nargs = \"run\"\n",
           "failed to parse TOML: toml: line 3 (last key \"servers.a.args\"): incompatible types: TOML value "
           "has "
           "type string; destination has type []string"},
          {"[servers.a]\ncommand = \"docker\"\n[gateway]\ntrusted_bots = []\n",
           "Configuration error at gateway.trusted_bots: trustedBots must be a non-empty array when present"},
          {"[servers.a]\ncommand = \"docker\"\n[gateway.opentelemetry]\nendpoint = \"http://insecure\"\n",
           "Configuration error at gateway.opentelemetry.endpoint: opentelemetry endpoint must use HTTPS, "
           "got "
           "'http://insecure'"},
          {"[servers.a]\ncommand = \"docker\"\n[guards.g]\ntype = \"wasm\"\n",
           "Configuration error at guards.g.path: 'path' is required for wasm guards"},
          {"[servers.a]\ncommand = \"docker\"\nurl = \"http://x\"\n",
           "Configuration error at servers.a.url: unsupported field 'url' for stdio servers\n"
           "Suggestion: A stdio server is a process; 'url', 'headers' and 'connect_timeout' are for http "
           "servers"},
          {"[servers.a]\ntype = \"http\"\nurl = \"http://x\"\nworking_directory = \"/tmp\"\n",
           "Configuration error at servers.a.working_directory: unsupported field 'working_directory' for "
           "http servers\nSuggestion: An http server is reached at its url; nothing is spawned for it"},
          {"[servers.a]\ncommand = \"docker\"\nguard = \"typo\"\n",
           "Configuration error at servers.a.guard: guard 'typo' is not defined\n"
           "Suggestion: Define it under 'guards', or remove the server's 'guard'"},
          {"[servers.a]\ncommand = \"docker\"\n[guards.g]\ntype = \"Wasm\"\npath = \"/g.wasm\"\n",
           "Configuration error at guards.g.type: unsupported guard type 'Wasm'\n"
           "Suggestion: The guard types are 'wasm' (with a path) and 'noop'"},
          {"[servers.a]\ncommand = \"docker\"\n[guards.g]\ntype = \"wasm\"\npath = \"/g.wasm\"\n"
           "[guards.g.config]\nk = 1\n",
           "Configuration error at guards.g.config: guards take no 'config'\n"
           "Suggestion: A guard's settings go in its 'policy', which the gateway hands to label_agent"},
      }) {
    EXPECT_EQ(error_of(c.toml), c.message) << c.toml;
  }
}

TEST(TomlConfig, ZeroTimeoutsMeanDefaultsAndTablesMustBeTables) {
  auto r = load_toml_config(
      "[servers.a]\ncommand = \"docker\"\n[gateway]\nstartup_timeout = 0\ntool_timeout = 0\n", "t");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gateway.startup_timeout, 30);
  EXPECT_EQ(r->gateway.tool_timeout, 60);
  EXPECT_EQ(
      error_of("gateway = 1\n[servers.a]\ncommand = \"docker\"\n"),
      "failed to parse TOML: toml: line 1 (last key \"gateway\"): incompatible types: TOML value has type "
      "integer; destination has type table");
  EXPECT_EQ(
      error_of("[servers.a]\ncommand = \"docker\"\nauth = \"github-oidc\"\n"),
      "failed to parse TOML: toml: line 3 (last key \"servers.a.auth\"): incompatible types: TOML value has "
      "type string; destination has type AuthConfig");
  EXPECT_EQ(error_of("[servers.a]\ncommand = \"docker\"\ntool_timeout = 9999999999\n"),
            "Configuration error at servers.a.tool_timeout: tool_timeout is out of range, got 9999999999");
}

TEST(TomlConfig, LegacyTracingAllowsHttpAndSkipsExpansion) {
  auto r = load_toml_config(
      "[servers.a]\ncommand = \"docker\"\n[gateway.tracing]\nendpoint = \"http://${X}\"\n", "t");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gateway.telemetry->endpoint, "http://${X}");
  EXPECT_TRUE(r->gateway.telemetry->legacy);
}

TEST(TomlConfig, OpenTelemetryExpandsVariables) {
  test::ScopedEnv env;
  env.set("AWMG_T_OTEL", "otel.example.com");
  auto r = load_toml_config(
      "[servers.a]\ncommand = \"docker\"\n[gateway.opentelemetry]\nendpoint = "
      "\"https://${AWMG_T_OTEL}/v1\"\n",
      "t");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gateway.telemetry->endpoint, "https://otel.example.com/v1");
}

TEST(TomlConfig, SyntaxErrorsNameLineAndColumn) {
  std::string e = error_of("[servers.a\ncommand = 1\n");
  EXPECT_EQ(e.rfind("failed to parse TOML: toml: line 1 (col ", 0), 0u) << e;
}

TEST(TomlConfig, FileErrors) {
  test::TempDir dir;
  auto missing = load_toml_file(dir.file("none.toml"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "open " + dir.file("none.toml") + ": No such file or directory");
  auto directory = load_toml_file(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message, "read " + dir.path() + ": is a directory");
}

}  // namespace
}  // namespace awmg::config
