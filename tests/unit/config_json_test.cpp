#include <gtest/gtest.h>

#include "config/json_loader.hpp"
#include "json/json.hpp"
#include "support/scoped_env.hpp"

namespace awmg::config {
namespace {

std::string with_gateway(const std::string& servers, const std::string& gateway_extra = "") {
  return R"({"mcpServers":)" + servers + R"(,"gateway":{"port":8080,"domain":"localhost")" + gateway_extra +
         "}}";
}

std::string error_of(const std::string& text) {
  auto r = load_json_config(text);
  return r ? "(loaded)" : r.error().message;
}

TEST(JsonConfig, LoadsStdioAndHttpServers) {
  test::ScopedEnv env;
  env.set("AWMG_T_TOKEN", "s3cr\"t").unset("MCP_GATEWAY_TOOL_TIMEOUT");
  auto r = load_json_config(
      with_gateway(R"({
    "gh": {"type":"local","container":"ghcr.io/github/github-mcp-server:v1","entrypoint":"/bin/run",
           "entrypointArgs":["--x"],"mounts":["/a:/b:ro"],"env":{"TOKEN":"${AWMG_T_TOKEN}","PASS":""},
           "args":["--network","host"],"tools":["get_me"],"toolTimeout":120},
    "web": {"type":"http","url":"https://example.com/mcp","headers":{"X-Key":"k"},"connectTimeout":5}
  })",
                   R"(,"agentId":"agent-1","toolTimeout":30,"payloadDir":"/p","payloadSizeThreshold":100)"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->servers.size(), 2u);
  const auto& gh = r->servers[0];
  EXPECT_EQ(gh.id, "gh");
  EXPECT_EQ(gh.type, ServerType::kStdio);
  EXPECT_EQ(gh.command, "docker");
  EXPECT_EQ(gh.args, (std::vector<std::string>{"run",
                                               "--rm",
                                               "-i",
                                               "-e",
                                               "NO_COLOR=1",
                                               "-e",
                                               "TERM=dumb",
                                               "-e",
                                               "PYTHONUNBUFFERED=1",
                                               "--entrypoint",
                                               "/bin/run",
                                               "-v",
                                               "/a:/b:ro",
                                               "-e",
                                               "PASS",
                                               "-e",
                                               "TOKEN=s3cr\"t",
                                               "--network",
                                               "host",
                                               "ghcr.io/github/github-mcp-server:v1",
                                               "--x"}));
  EXPECT_EQ(gh.tools, std::vector<std::string>{"get_me"});
  EXPECT_EQ(gh.tool_timeout, 120);
  const auto& web = r->servers[1];
  EXPECT_EQ(web.type, ServerType::kHttp);
  EXPECT_EQ(web.url, "https://example.com/mcp");
  EXPECT_EQ(web.headers.at("X-Key"), "k");
  EXPECT_EQ(web.connect_timeout, 5);
  EXPECT_EQ(r->gateway.agent_id, "agent-1");
  EXPECT_EQ(r->gateway.tool_timeout, 30);
  EXPECT_EQ(r->gateway.payload_dir, "/p");
  EXPECT_EQ(r->gateway.payload_size_threshold, 100);
  EXPECT_EQ(r->gateway.port, 8080);
}

TEST(JsonConfig, DefaultsAndToolTimeoutFromEnvironment) {
  test::ScopedEnv env;
  env.set("MCP_GATEWAY_TOOL_TIMEOUT", "45");
  auto r = load_json_config(with_gateway(R"({"a":{"container":"img"}})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gateway.tool_timeout, 45);
  EXPECT_EQ(r->gateway.startup_timeout, 30);
  EXPECT_EQ(r->gateway.keepalive_interval, 1500);
  EXPECT_EQ(r->gateway.agent_id, "");
  EXPECT_FALSE(r->gateway.payload_dir.has_value());
  env.set("MCP_GATEWAY_TOOL_TIMEOUT", "5");  // below 10: refused, not ignored (upstream ignores it)
  EXPECT_EQ(
      error_of(with_gateway(R"({"a":{"container":"img"}})")),
      "Configuration error at gateway.toolTimeout: environment variable MCP_GATEWAY_TOOL_TIMEOUT is set "
      "but is not a number of seconds of at least 10");
  env.set("MCP_GATEWAY_TOOL_TIMEOUT", "");  // empty: unset
  EXPECT_EQ(load_json_config(with_gateway(R"({"a":{"container":"img"}})"))->gateway.tool_timeout, 60);
}

TEST(JsonConfig, ApiKeyIsADeprecatedAliasForAgentId) {
  auto r = load_json_config(with_gateway(R"({"a":{"container":"img"}})", R"(,"apiKey":"key-1")"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gateway.agent_id, "key-1");
  EXPECT_TRUE(r->gateway.agent_id_from_api_key);
  ASSERT_EQ(r->warnings.size(), 1u);
}

TEST(JsonConfig, AgentIdsAreSeveralKeysExclusiveWithAgentId) {
  auto r = load_json_config(
      with_gateway(R"({"a":{"container":"img"}})", R"(,"agentIds":["primary-agent","enclave-agent"])"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gateway.keys(), (std::vector<std::string>{"primary-agent", "enclave-agent"}));
  EXPECT_NE(error_of(with_gateway(R"({"a":{"container":"img"}})", R"(,"agentIds":["a"],"agentId":"b")"))
                .find("gateway.agentId and gateway.agentIds are mutually exclusive"),
            std::string::npos);
  EXPECT_NE(error_of(with_gateway(R"({"a":{"container":"img"}})", R"(,"agentIds":["a"],"apiKey":"b")"))
                .find("gateway.apiKey and gateway.agentIds are mutually exclusive"),
            std::string::npos);
  EXPECT_NE(error_of(with_gateway(R"({"a":{"container":"img"}})", R"(,"agentIds":["a","  "])"))
                .find("gateway.agentIds[1] must be a non-empty agent id"),
            std::string::npos);
  EXPECT_NE(error_of(with_gateway(R"({"a":{"container":"img"}})", R"(,"agentIds":[])")), "(loaded)");
  EXPECT_NE(error_of(with_gateway(R"({"a":{"container":"img"}})", R"(,"agentIds":["abc","Bearer abc"])"))
                .find("gateway.agentIds[1] names the same agent as gateway.agentIds[0]"),
            std::string::npos);
  EXPECT_NE(error_of(with_gateway(R"({"a":{"container":"img"}})", R"(,"agentIds":"a")")), "(loaded)");
}

TEST(JsonConfig, PortFromVariableIsAccepted) {
  test::ScopedEnv env;
  env.set("AWMG_T_PORT", "9090");
  auto r = load_json_config(
      R"({"mcpServers":{"a":{"container":"img"}},"gateway":{"port":"${AWMG_T_PORT}","domain":"localhost"}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gateway.port, 9090);
  env.set("AWMG_T_PORT", "70000");
  EXPECT_EQ(
      error_of(
          R"({"mcpServers":{"a":{"container":"img"}},"gateway":{"port":"${AWMG_T_PORT}","domain":"localhost"}})"),
      "Configuration error at gateway.port: port must be between 1 and 65535, got 70000");
}

TEST(JsonConfig, UndefinedVariableIsFatal) {
  test::ScopedEnv env;
  env.unset("AWMG_T_UNDEFINED");
  EXPECT_EQ(
      error_of(with_gateway(R"({"a":{"container":"img","env":{"X":"${AWMG_T_UNDEFINED}"}}})")),
      "Configuration error at configuration: undefined environment variable referenced: AWMG_T_UNDEFINED\n"
      "Suggestion: Set the environment variable AWMG_T_UNDEFINED before starting the gateway");
}

TEST(JsonConfig, RuleErrorsHaveExactText) {
  struct Case {
    std::string config;
    std::string message;
  };
  test::ScopedEnv env;
  env.unset("ACTIONS_ID_TOKEN_REQUEST_URL");
  const std::string img = R"({"a":{"container":"img"}})";
  for (const auto& c : std::vector<Case>{
           {with_gateway(img, R"(,"toolTimeout":5)"),
            "Configuration error at gateway.toolTimeout: toolTimeout must be at least 10, got 5"},
           {with_gateway(img, R"(,"payloadDir":"relative/dir")"),
            "Configuration error at gateway.payloadDir: payloadDir must be an absolute path, got "
            "'relative/dir'"},
           {with_gateway(R"({"a":{"container":"img","toolTimeout":5}})"),
            "Configuration error at mcpServers.a.toolTimeout: toolTimeout must be at least 10, got 5"},
           {with_gateway(R"({"a":{"container":"img","entrypoint":"  "}})"),
            "Configuration error at mcpServers.a.entrypoint: entrypoint must not be empty or whitespace "
            "only"},
           {R"({"mcpServers":{"a":{"container":"img"}},"gateway":{"port":1,"domain":"Not_A_Domain"}})",
            "Configuration error at gateway.domain: domain 'Not_A_Domain' does not match required pattern\n"
            "Suggestion: Use 'localhost', 'host.docker.internal', a single DNS label, or a ${VARIABLE} "
            "reference"},
           {with_gateway(img, R"(,"trustedBots":[])"),
            "Configuration error at gateway.trustedBots: trustedBots must be a non-empty array when present"},
           {with_gateway(img, R"(,"opentelemetry":{"endpoint":"https://otel.example/v1","traceId":"ABC"})"),
            "Configuration error at gateway.opentelemetry.traceId: traceId must be a 32-character lowercase "
            "hexadecimal string, got 'ABC'"},
           {with_gateway(R"({"a":{"type":"http","url":"https://x/mcp","auth":{"type":"github-oidc"}}})"),
            "Configuration error at mcpServers.a.auth: OIDC authentication is not available\nSuggestion: "
            "server "
            "\"a\" requires OIDC authentication but ACTIONS_ID_TOKEN_REQUEST_URL is not set; OIDC auth is "
            "only "
            "available in GitHub Actions with `permissions: { id-token: write }`"},
           {with_gateway(R"({"a":{"container":"img","auth":{"type":"github-oidc"}}})"),
            "Configuration error at mcpServers.a.auth: unsupported field 'auth' for stdio servers\n"
            "Suggestion: Upstream authentication is only available for http servers"},
           {with_gateway(R"({"a":{"container":"img","tool_response_filters":{"t":".items[] | ("}}})"),
            "Configuration error at mcpServers.a.tool_response_filters.t: contains an invalid jq expression: "
            "syntax error, unexpected $end (Unix shell quoting issues?) at <top-level>, line 1:\n.items[] | "
            "("},
           {with_gateway(R"({"a":{"container":"img","tool_response_filters":{"t":"$ENV.SECRET"}}})"),
            "Configuration error at mcpServers.a.tool_response_filters.t: contains an invalid jq expression: "
            "$ENV and env are not available to response filters"},
           {R"({"mcpServers":{"a":{"type":"custom-x"}},"gateway":{"port":1,"domain":"localhost"},)"
            R"("customSchemas":{"custom-x":"http://insecure"}})",
            "Configuration error at customSchemas.custom-x: custom schema URL must use HTTPS, got "
            "'http://insecure'"},
       }) {
    EXPECT_EQ(error_of(c.config), c.message);
  }
}

TEST(JsonConfig, UnknownCustomTypeIsRejectedKnownOneAccepted) {
  auto ok =
      load_json_config(R"({"mcpServers":{"a":{"type":"safeinputs","tools":{}}},)"
                       R"("gateway":{"port":1,"domain":"localhost"},"customSchemas":{"safeinputs":""}})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->servers[0].type, ServerType::kCustom);
  EXPECT_EQ(error_of(with_gateway(R"({"a":{"type":"nonesuch"}})")),
            "Configuration error at mcpServers.a.type: unsupported server type 'nonesuch'\n"
            "Suggestion: Use 'stdio' or 'http', or register the type in customSchemas");
}

TEST(JsonConfig, SchemaErrorsUseTheUpstreamReport) {
  std::string e = error_of(R"({"mcpServers":{},"gateway":{"port":1,"domain":"localhost","bogus":true}})");
  EXPECT_EQ(e.rfind("Configuration validation error (MCP Gateway version: ", 0), 0u) << e;
  EXPECT_NE(e.find("Location: /gateway\n"), std::string::npos) << e;
  EXPECT_NE(e.find("Details: Configuration contains field(s) that are not defined in the schema: \"bogus\""),
            std::string::npos)
      << e;
  EXPECT_NE(
      e.find("Please check your configuration against the MCP Gateway specification at:\n"
             "https://github.com/github/gh-aw/blob/main/docs/src/content/docs/reference/mcp-gateway.md\n\n"
             "JSON Schema reference:\n"
             "https://raw.githubusercontent.com/github/gh-aw/v0.81.6/docs/public/schemas/"
             "mcp-gateway-config.schema.json"),
      std::string::npos)
      << e;
}

TEST(JsonConfig, SchemaCatchesMissingAndMistypedFields) {
  std::string missing = error_of(R"({"mcpServers":{}})");
  EXPECT_NE(missing.find("Location: <root>"), std::string::npos) << missing;
  EXPECT_NE(missing.find("Details: Required field(s) are missing"), std::string::npos) << missing;
  std::string port = error_of(R"({"mcpServers":{},"gateway":{"port":0,"domain":"localhost"}})");
  EXPECT_NE(port.find("Location: /gateway/port"), std::string::npos) << port;
  std::string container = error_of(with_gateway(R"({"a":{"container":"bad image!"}})"));
  EXPECT_NE(container.find("Location: /mcpServers/a/container"), std::string::npos) << container;
  std::string mount = error_of(with_gateway(R"({"a":{"container":"img","mounts":["relative:/x:ro"]}})"));
  EXPECT_NE(mount.find("Location: /mcpServers/a/mounts/0"), std::string::npos) << mount;
  std::string type = error_of(with_gateway(R"({"a":{"container":42}})"));
  EXPECT_NE(type.find("Type mismatch - got integer"), std::string::npos) << type;
}

TEST(JsonConfig, DigestPinnedImagesAreAccepted) {
  auto r = load_json_config(with_gateway(
      R"({"a":{"container":"ghcr.io/x/y:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}})"));
  EXPECT_TRUE(r) << r.error().message;
}

TEST(JsonConfig, ExtensionFieldsAreKept) {
  auto r = load_json_config(R"({"mcpServers":{"a":{"container":"img","guard":"gh",
      "guard-policies":{"allow-only":{"repos":"all","min-integrity":"none"}},
      "tool_response_filters":{"list":".[0]"}}},
      "gateway":{"port":1,"domain":"localhost"},
      "guards":{"gh":{"type":"wasm","path":"/g.wasm","policy":{"allow-only":{}}}}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->servers[0].guard, "gh");
  EXPECT_EQ(r->servers[0].guard_policies_json, R"({"allow-only":{"repos":"all","min-integrity":"none"}})");
  EXPECT_EQ(r->servers[0].tool_response_filters.at("list"), ".[0]");
  EXPECT_EQ(r->guards.at("gh").path, "/g.wasm");
  EXPECT_EQ(error_of(R"({"mcpServers":{"a":{"container":"img"}},"gateway":{"port":1,"domain":"localhost"},)"
                     R"("guards":{"g":{"type":"wasm"}}})"),
            "Configuration error at guards.g.path: 'path' is required for wasm guards");
}

// A guard the gateway would not run, or a server naming no defined guard, must not leave the server
// unguarded: each is refused, and so is a guard `config` nothing would read.
TEST(JsonConfig, GuardsThatWouldNotRunAreRefused) {
  auto with_guards = [](const std::string& server_guard, const std::string& guards) {
    return error_of(R"({"mcpServers":{"a":{"container":"img","guard":")" + server_guard +
                    R"("}},"gateway":{"port":1,"domain":"localhost"},"guards":)" + guards + "}");
  };
  EXPECT_EQ(with_guards("gh", R"({"g":{"type":"noop"}})"),
            "Configuration error at mcpServers.a.guard: guard 'gh' is not defined\n"
            "Suggestion: Define it under 'guards', or remove the server's 'guard'");
  EXPECT_EQ(with_guards("g", R"({"g":{"type":"wsam","path":"/g.wasm"}})"),
            "Configuration error at guards.g.type: unsupported guard type 'wsam'\n"
            "Suggestion: The guard types are 'wasm' (with a path) and 'noop'");
  EXPECT_EQ(with_guards("g", R"({"g":{"path":"/g.wasm"}})"),
            "Configuration error at guards.g.type: 'type' is required for guards\n"
            "Suggestion: The guard types are 'wasm' (with a path) and 'noop'");
  EXPECT_EQ(with_guards("g", R"({"g":{"type":"wasm","path":"/g.wasm","config":{"k":1}}})"),
            "Configuration error at guards.g.config: guards take no 'config'\n"
            "Suggestion: A guard's settings go in its 'policy', which the gateway hands to label_agent");
  EXPECT_TRUE(
      load_json_config(R"({"mcpServers":{"a":{"container":"img","guard":"g"}},)"
                       R"("gateway":{"port":1,"domain":"localhost"},"guards":{"g":{"type":"noop"}}})"));
}

TEST(JsonConfig, DuplicateIdsLongStringsAndHugeNumbers) {
  EXPECT_EQ(error_of(with_gateway(R"({"a":{"container":"x"},"a":{"container":"y"}})")),
            "Configuration error at mcpServers.a: duplicate server id 'a'");
  EXPECT_EQ(error_of(with_gateway(R"({"a":{"container":")" + std::string(60000, 'a') + R"("}})")),
            "Configuration error at mcpServers.a.container: value is longer than 16384 characters");
  EXPECT_EQ(error_of(with_gateway(R"({"a":{"container":"x","toolTimeout":4294967306}})")),
            "Configuration error at mcpServers.a.toolTimeout: toolTimeout is out of range, got 4294967306");
  auto http_env = load_json_config(with_gateway(R"({"w":{"type":"http","url":"http://x","env":{"A":"b"}}})"));
  ASSERT_TRUE(http_env) << http_env.error().message;  // upstream's schema allows it: a warning, not an error
  ASSERT_EQ(http_env->warnings.size(), 1u);
  EXPECT_EQ(
      http_env->warnings[0],
      "server 'w' is an http server: its 'env' is ignored (nothing is spawned for it; its requests carry "
      "'headers')");
}

TEST(JsonConfig, JqFiltersMayUseFieldsNamedEnv) {
  auto r = load_json_config(
      with_gateway(R"({"a":{"container":"x","tool_response_filters":{"t":".env | .[\"env\"]"}}})"));
  EXPECT_TRUE(r) << r.error().message;
  EXPECT_EQ(error_of(with_gateway(R"({"a":{"container":"x","tool_response_filters":{"t":"env.HOME"}}})")),
            "Configuration error at mcpServers.a.tool_response_filters.t: contains an invalid jq expression: "
            "$ENV and env are not available to response filters");
  // jq reads `$ ENV` and `$#comment<newline>ENV` as $ENV too.
  for (const char* spelled : {"$ ENV.HOME", "$#c\nENV.HOME"}) {
    EXPECT_NE(error_of(with_gateway(R"({"a":{"container":"x","tool_response_filters":{"t":)" +
                                    json::quote(spelled) + "}}}"))
                  .find("$ENV and env are not available"),
              std::string::npos)
        << spelled;
  }
}

TEST(JsonConfig, HostileInputGetsClearErrors) {
  EXPECT_EQ(error_of("{\"mcpServers\": "), "invalid JSON at line 1, column 16: Invalid value.");
  EXPECT_EQ(error_of("{} trailing"),
            "invalid JSON at line 1, column 4: The document root must not be followed by other values.");
  EXPECT_EQ(error_of("{\"a\":\"\xff\"}"), "invalid JSON at line 1, column 7: Invalid encoding in string.");
  std::string deep(100000, '[');
  EXPECT_EQ(error_of(deep + std::string(100000, ']')), "invalid JSON: nested more than 256 levels deep");
  EXPECT_EQ(error_of(deep), "invalid JSON at line 1, column 100001: Invalid value.");
  EXPECT_EQ(error_of("[]").rfind("Configuration validation error", 0), 0u);
}

}  // namespace
}  // namespace awmg::config
