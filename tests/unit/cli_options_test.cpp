#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cli/completion.hpp"
#include "cli/env_file.hpp"
#include "cli/gateway_options.hpp"
#include "cli/proxy_options.hpp"
#include "cli/settings.hpp"
#include "support/process.hpp"
#include "support/scoped_env.hpp"

namespace awmg::cli {
namespace {

using test::ScopedEnv;

// The env variables that supply flag defaults, cleared so the host's environment cannot leak into a test.
ScopedEnv clean_env() {
  ScopedEnv env;
  for (const char* v : {"MCP_GATEWAY_LOG_DIR",
                        "MCP_GATEWAY_PAYLOAD_DIR",
                        "MCP_GATEWAY_WASM_CACHE_DIR",
                        "MCP_GATEWAY_PAYLOAD_PATH_PREFIX",
                        "MCP_GATEWAY_PAYLOAD_SIZE_THRESHOLD",
                        "MCP_GATEWAY_URL_DOMAIN_AUDIT",
                        "MCP_GATEWAY_GUARDS_MODE",
                        "MCP_GATEWAY_SHUTDOWN_TIMEOUT",
                        "MCP_GATEWAY_GUARD_POLICY_JSON",
                        "MCP_GATEWAY_ALLOWONLY_SCOPE_PUBLIC",
                        "MCP_GATEWAY_ALLOWONLY_SCOPE_OWNER",
                        "MCP_GATEWAY_ALLOWONLY_SCOPE_REPO",
                        "MCP_GATEWAY_ALLOWONLY_MIN_INTEGRITY",
                        "MCP_GATEWAY_TLS_CERT",
                        "MCP_GATEWAY_TLS_KEY",
                        "MCP_GATEWAY_CA_CERT",
                        "MCP_GATEWAY_GUARDS_SINK_SERVER_IDS",
                        "DEBUG",
                        "MCP_GATEWAY_WASM_GUARDS_DIR",
                        "MCP_GATEWAY_FORCE_PUBLIC_REPOS"}) {
    env.unset(v);
  }
  return env;
}

TEST(GatewayOptions, DefaultsWithoutEnvironment) {
  auto env = clean_env();
  auto o = parse_gateway_options({"--config", "x.toml"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->listen, "127.0.0.1:3000");
  EXPECT_EQ(o->log_dir, "/tmp/gh-aw/mcp-logs");
  EXPECT_EQ(o->payload_dir, "/tmp/jq-payloads");
  EXPECT_EQ(o->payload_size_threshold, 524288);
  EXPECT_EQ(o->shutdown_timeout, std::chrono::seconds(5));
  EXPECT_EQ(o->guards_mode, "strict");
  EXPECT_EQ(o->telemetry.otlp_service_name, "mcp-gateway");
  EXPECT_FALSE(o->unified_mode());
}

TEST(GatewayOptions, EnvironmentSuppliesDefaults) {
  auto env = clean_env();
  env.set("MCP_GATEWAY_LOG_DIR", "/var/log/awmg")
      .set("MCP_GATEWAY_PAYLOAD_SIZE_THRESHOLD", "2048")
      .set("MCP_GATEWAY_URL_DOMAIN_AUDIT", "YES")
      .set("MCP_GATEWAY_SHUTDOWN_TIMEOUT", "30s");
  auto o = parse_gateway_options({"-c", "x.toml"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->log_dir, "/var/log/awmg");
  EXPECT_EQ(o->payload_size_threshold, 2048);
  EXPECT_TRUE(o->url_domain_audit);
  EXPECT_EQ(o->shutdown_timeout, std::chrono::seconds(30));
}

TEST(GatewayOptions, InvalidEnvironmentValuesFallBackToDefaults) {
  auto env = clean_env();
  env.set("MCP_GATEWAY_PAYLOAD_SIZE_THRESHOLD", "-5")
      .set("MCP_GATEWAY_URL_DOMAIN_AUDIT", "perhaps")
      .set("MCP_GATEWAY_SHUTDOWN_TIMEOUT", "0s");
  auto o = parse_gateway_options({"-c", "x.toml"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->payload_size_threshold, 524288);
  EXPECT_FALSE(o->url_domain_audit);
  EXPECT_EQ(o->shutdown_timeout, std::chrono::seconds(5));
}

TEST(GatewayOptions, FlagBeatsEnvironment) {
  auto env = clean_env();
  env.set("MCP_GATEWAY_LOG_DIR", "/from/env");
  auto o = parse_gateway_options({"-c", "x.toml", "--log-dir", "/from/flag"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->log_dir, "/from/flag");
}

TEST(GatewayOptions, CobraGroupChecks) {
  auto env = clean_env();
  EXPECT_EQ(parse_gateway_options({}).error().message,
            "at least one of the flags in the group [config config-stdin] is required");
  EXPECT_EQ(
      parse_gateway_options({"-c", "x", "--routed", "--unified"}).error().message,
      "if any flags in the group [routed unified] are set none of the others can be; [routed unified] were "
      "all set");
  EXPECT_EQ(parse_gateway_options({"-c", "x", "--tls-cert", "c.pem"}).error().message,
            "if any flags in the group [tls-cert tls-key] are set they must all be set; missing [tls-key]");
  EXPECT_EQ(parse_gateway_options({"-c", "x", "serve"}).error().message,
            "unknown command \"serve\" for \"awmg\"");
  // Cobra's order: required-together, then one-required, then mutually-exclusive.
  EXPECT_EQ(parse_gateway_options({"--tls-key", "k", "--routed", "--unified"}).error().message,
            "if any flags in the group [tls-cert tls-key] are set they must all be set; missing [tls-cert]");
}

TEST(GatewayOptions, ModePrecedence) {
  auto env = clean_env();
  EXPECT_TRUE(parse_gateway_options({"--config-stdin", "--unified"})->unified_mode());
  EXPECT_FALSE(parse_gateway_options({"--config-stdin", "--routed"})->unified_mode());
}

TEST(GatewayOptions, TlsRuntimeChecksCatchEnvironment) {
  auto env = clean_env();
  env.set("MCP_GATEWAY_TLS_CERT", "/c.pem");
  auto o = parse_gateway_options({"-c", "x"});
  ASSERT_TRUE(o);
  EXPECT_EQ(check_tls_options(*o).error().message, "--tls-cert and --tls-key must both be provided together");
  env.unset("MCP_GATEWAY_TLS_CERT").set("MCP_GATEWAY_CA_CERT", "/ca.pem");
  o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(check_tls_options(*o).error().message,
            "--tls-ca requires --tls-cert and --tls-key to also be set");
}

TEST(WasmCacheDir, FlagThenEnvThenSiblingOfLogDir) {
  auto env = clean_env();
  EXPECT_EQ(resolve_wasm_cache_dir(false, "", "/tmp/gh-aw/mcp-logs"), "/tmp/gh-aw/wazero-cache");
  EXPECT_EQ(resolve_wasm_cache_dir(false, "", "/tmp/gh-aw/mcp-logs/"), "/tmp/gh-aw/wazero-cache");
  EXPECT_EQ(resolve_wasm_cache_dir(false, "", "logs"), "wazero-cache");
  EXPECT_EQ(resolve_wasm_cache_dir(false, "", ""), "wazero-cache");
  EXPECT_EQ(resolve_wasm_cache_dir(false, "", "/logs"), "/wazero-cache");
  EXPECT_EQ(resolve_wasm_cache_dir(true, " /flag/cache ", "/l/x"), "/flag/cache");
  EXPECT_EQ(resolve_wasm_cache_dir(true, "   ", "/l/x"), "/l/wazero-cache");  // blank flag falls through
  env.set("MCP_GATEWAY_WASM_CACHE_DIR", "/env/cache");
  EXPECT_EQ(resolve_wasm_cache_dir(false, "", "/l/x"), "/env/cache");
  EXPECT_EQ(resolve_wasm_cache_dir(true, "/flag/cache", "/l/x"), "/flag/cache");
  env.set("MCP_GATEWAY_WASM_CACHE_DIR", "  ");
  EXPECT_EQ(resolve_wasm_cache_dir(false, "", "/l/x"), "/l/wazero-cache");
}

TEST(GuardsMode, FlagOrEnvironmentValidatedCaseInsensitively) {
  auto env = clean_env();
  auto o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(*explicit_guards_mode(*o), "");  // neither given: the config decides
  o = parse_gateway_options({"-c", "x", "--guards-mode", "FILTER"});
  EXPECT_EQ(*explicit_guards_mode(*o), "filter");
  env.set("MCP_GATEWAY_GUARDS_MODE", "loose");
  o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(
      explicit_guards_mode(*o).error().message,
      "invalid --guards-mode flag: unknown enforcement mode: loose (valid modes: strict, filter, propagate)");
}

TEST(Settings, PayloadPrecedenceFlagEnvConfigDefault) {
  auto env = clean_env();
  config::Config config;
  config.gateway.payload_dir = "/from/config";
  config.gateway.payload_size_threshold = 999;
  auto o = parse_gateway_options({"-c", "x"});
  auto s = resolve_settings(*o, config);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->payload_dir, "/from/config");
  EXPECT_EQ(s->payload_size_threshold, 999);
  EXPECT_EQ(config.gateway.agent_id.size(), 64u);  // a random 64-hex id was generated

  env.set("MCP_GATEWAY_PAYLOAD_DIR", "/from/env");
  o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(resolve_settings(*o, config)->payload_dir, "/from/env");

  env.set("MCP_GATEWAY_PAYLOAD_DIR", "/tmp/jq-payloads");  // equal to the default: cannot override the config
  o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(resolve_settings(*o, config)->payload_dir, "/from/config");

  o = parse_gateway_options({"-c", "x", "--payload-dir", "/tmp/jq-payloads"});
  EXPECT_EQ(resolve_settings(*o, config)->payload_dir, "/tmp/jq-payloads");  // typed: wins even if default
}

TEST(Settings, GuardsModeAndSequentialFromConfig) {
  auto env = clean_env();
  config::Config config;
  config.guards_mode = "Propagate";
  config.sequential_launch = true;
  auto o = parse_gateway_options({"-c", "x"});
  auto s = resolve_settings(*o, config);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->guards_mode, "propagate");
  EXPECT_TRUE(s->sequential_launch);
  o = parse_gateway_options({"-c", "x", "--guards-mode", "filter", "--sequential-launch=false"});
  s = resolve_settings(*o, config);
  EXPECT_EQ(s->guards_mode, "filter");
  EXPECT_FALSE(s->sequential_launch);
}

TEST(Settings, GuardPolicyOverridePrecedence) {
  auto env = clean_env();
  auto o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(*guard_policy_override(*o), "");
  env.set("MCP_GATEWAY_ALLOWONLY_SCOPE_PUBLIC", "true");
  o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(*guard_policy_override(*o), R"({"allow-only":{"repos":"public","min-integrity":"none"}})");
  env.set("MCP_GATEWAY_GUARD_POLICY_JSON", R"({"allow-only":{"repos":"all","min-integrity":"merged"}})");
  o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(*guard_policy_override(*o), R"({"allow-only":{"repos":"all","min-integrity":"merged"}})");
  env.unset("MCP_GATEWAY_ALLOWONLY_SCOPE_PUBLIC");
  o = parse_gateway_options(
      {"-c", "x", "--allowonly-scope-owner", "octo", "--allowonly-min-integrity", "approved"});
  EXPECT_EQ(*guard_policy_override(*o), R"({"allow-only":{"repos":["octo/*"],"min-integrity":"approved"}})");
  o = parse_gateway_options({"-c", "x", "--guard-policy-json", "{not json"});
  EXPECT_EQ(guard_policy_override(*o).error().message.rfind(
                "invalid guard policy configuration: invalid guard policy JSON: ", 0),
            0u);
  o = parse_gateway_options({"-c", "x", "--allowonly-scope-repo", "r"});
  EXPECT_EQ(guard_policy_override(*o).error().message,
            "invalid guard policy configuration: --allowonly-scope-repo requires --allowonly-scope-owner");
  // Anything typed on the command line decides, even an empty policy flag; blank env values are ignored.
  o = parse_gateway_options({"-c", "x", "--guard-policy-json="});
  EXPECT_EQ(*guard_policy_override(*o), "");
  env.set("MCP_GATEWAY_GUARD_POLICY_JSON", "   ").unset("MCP_GATEWAY_ALLOWONLY_SCOPE_PUBLIC");
  o = parse_gateway_options({"-c", "x"});
  EXPECT_EQ(*guard_policy_override(*o), "");
}

TEST(Settings, SinkServerIds) {
  EXPECT_EQ(*parse_sink_server_ids(" a, b ,,c,a,srv/odd:id"),
            (std::vector<std::string>{"a", "b", "c", "srv/odd:id"}));
  EXPECT_EQ(parse_sink_server_ids("a,b c").error().message,
            "invalid --guards-sink-server-ids value: invalid guards sink server ID \"b c\": whitespace is "
            "not allowed");
}

TEST(Verbosity, SetsDebugOnlyWhenUnset) {
  auto env = clean_env();
  apply_verbosity(2);
  EXPECT_STREQ(std::getenv("DEBUG"), "cmd:*,server:*,launcher:*");
  apply_verbosity(3);
  EXPECT_STREQ(std::getenv("DEBUG"), "cmd:*,server:*,launcher:*");  // already set: left alone
  env.unset("DEBUG");
  apply_verbosity(3);
  EXPECT_STREQ(std::getenv("DEBUG"), "*");
  env.unset("DEBUG");
  apply_verbosity(1);
  EXPECT_STREQ(std::getenv("DEBUG"), "cmd:*");
  env.unset("DEBUG");
  apply_verbosity(0);
  EXPECT_EQ(std::getenv("DEBUG"), nullptr);
}

TEST(ProxyOptions, OwnFlagSetAndRequiredGuard) {
  auto env = clean_env();
  test::TempDir dir;
  auto o =
      parse_proxy_options({"--guard-wasm", "/g.wasm", "--trusted-bots", "a,b", "--force-public-repos=false"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->listen, "127.0.0.1:8080");
  EXPECT_EQ(o->trusted_bots, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(o->force_public_repos);
  EXPECT_EQ(o->guards_mode, "strict");
  EXPECT_EQ(parse_proxy_options({"--config", "x"}).error().message, "unknown flag: --config");
  EXPECT_EQ(parse_proxy_options({"--guard-wasm", "/g.wasm", "--tls-dir", "/t"}).error().message,
            "--tls-dir is only used with --tls");
  if (!test::file_exists("/guards/github/00-github-guard.wasm")) {
    EXPECT_EQ(parse_proxy_options({}).error().message, "required flag(s) \"guard-wasm\" not set");
    ::mkdir((dir.path() + "/github").c_str(), 0755);
    dir.write("github/b.wasm", "");
    dir.write("github/a.wasm", "");
    env.set("MCP_GATEWAY_WASM_GUARDS_DIR", dir.path());
    EXPECT_EQ(parse_proxy_options({})->guard_wasm, dir.path() + "/github/a.wasm");
  }
}

TEST(Completion, ScriptsNameEveryFlag) {
  for (const auto& shell : kCompletionShells) {
    auto script = completion_script({shell});
    ASSERT_TRUE(script) << shell;
    EXPECT_NE(script->find("wasm-cache-dir"), std::string::npos) << shell;
    EXPECT_NE(script->find("guard-wasm"), std::string::npos) << shell;
  }
  EXPECT_EQ(completion_script({"tcsh"}).error().message, "invalid argument \"tcsh\" for \"awmg completion\"");
  EXPECT_EQ(completion_script({}).error().message, "accepts 1 arg(s), received 0");
}

TEST(EnvFile, ParsesLinesAndExpands) {
  auto env = clean_env();
  env.set("AWMG_T_BASE", "base").unset("AWMG_T_A").unset("AWMG_T_B").unset("AWMG_T_C").unset("AWMG_T_D");
  test::TempDir dir;
  dir.write(".env",
            "# comment\n\n  AWMG_T_A = hello world  \nAWMG_T_B=${AWMG_T_BASE}/x:$AWMG_T_BASE\n"
            "no equals sign\nAWMG_T_C=\"quoted\"\nAWMG_T_D=a=b\n");
  ASSERT_TRUE(load_env_file(dir.file(".env")));
  EXPECT_STREQ(std::getenv("AWMG_T_A"), "hello world");
  EXPECT_STREQ(std::getenv("AWMG_T_B"), "base/x:base");
  EXPECT_STREQ(std::getenv("AWMG_T_C"), "\"quoted\"");
  EXPECT_STREQ(std::getenv("AWMG_T_D"), "a=b");
  auto missing = load_env_file(dir.file("missing.env"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message.rfind("failed to load .env file: open " + dir.file("missing.env"), 0),
            0u);
}

}  // namespace
}  // namespace awmg::cli
