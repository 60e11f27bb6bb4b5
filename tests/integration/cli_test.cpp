// The real binary's command line: exit codes, stdout/stderr channels and exact messages.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <iterator>

#include "base/files.hpp"
#include "base/strings.hpp"
#include "integration/awmg_process.hpp"

namespace awmg::test {
namespace {

TEST(Cli, VersionGoesToStdout) {
  TempDir dir;
  auto r = run_awmg({"--version"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("MCPG Gateway 0.1.0", 0), 0u) << r.out;
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(r.err, "");
}

TEST(Cli, HelpListsFlagsAndCommands) {
  TempDir dir;
  auto r = run_awmg({"--help"}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"Usage:", "awmg [command]", "proxy", "completion", "-c, --config string",
                        "--wasm-cache-dir string", "--shutdown-timeout duration", "(default 5s)"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  auto proxy = run_awmg({"help", "proxy"}, awmg_env(dir));
  EXPECT_EQ(proxy.exit_code, 0);
  EXPECT_NE(proxy.out.find("--guard-wasm string"), std::string::npos);
}

// No facade: every flag and environment variable README's option table lists is one the binary takes, and no
// document says of an option that it is accepted but not working.
TEST(Cli, EveryDocumentedOptionIsOneTheBinaryTakes) {
  TempDir dir;
  auto help = run_awmg({"--help"}, awmg_env(dir));
  std::ifstream in(kAwmg, std::ios::binary);
  const std::string binary((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(binary.size(), 0u);
  auto readme = base::read_file(std::string(AWMG_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(readme);
  int flags = 0, variables = 0;
  for (const auto& line : base::split(*readme, '\n')) {
    if (!base::starts_with(line, "| `--") && !base::starts_with(line, "| `-l, --") &&
        !base::starts_with(line, "| `-v`"))
      continue;
    auto cells = base::split(line, '|');
    ASSERT_GE(cells.size(), 4u) << line;
    for (size_t at = cells[1].find("--"); at != std::string_view::npos; at = cells[1].find("--", at + 2)) {
      size_t end = cells[1].find_first_of("` /,", at);
      std::string flag(cells[1].substr(at, end - at));
      if (flag.back() == '-') continue;  // `--allowonly-scope-public/-owner/-repo`: the first is checked
      EXPECT_NE(help.out.find(flag), std::string::npos) << flag << " is documented but not a flag";
      ++flags;
    }
    for (size_t at = cells[3].find('`'); at != std::string_view::npos; at = cells[3].find('`', at + 1)) {
      size_t end = cells[3].find('`', at + 1);
      std::string name(cells[3].substr(at + 1, end - at - 1));
      at = end;
      if (name.find('*') != std::string::npos || name.find('/') != std::string::npos) continue;  // families
      EXPECT_NE(binary.find(name), std::string::npos) << name << " is documented but never read";
      ++variables;
    }
  }
  EXPECT_GT(flags, 25);
  EXPECT_GE(variables, 15);
  for (const char* doc : {"/README.md", "/docs/CONFIGURATION.md", "/docs/GUARDS.md"}) {
    auto text = base::read_file(std::string(AWMG_SOURCE_DIR) + doc);
    ASSERT_TRUE(text) << doc;
    for (const char* facade : {"accepted but ignored", "is ignored", "not applied", "no effect yet"})
      EXPECT_EQ(text->find(facade), std::string::npos) << doc << " says \"" << facade << "\"";
  }
}

TEST(Cli, FlagErrorsExitOneWithUsageHint) {
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  for (const auto& c : std::vector<Case>{
           {{},
            "at least one of the flags in the group [config config-stdin] is required\n"
            "See 'awmg --help' for usage\n"},
           {{"--bogus"}, "unknown flag: --bogus\nSee 'awmg --help' for usage\n"},
           {{"-c"}, "flag needs an argument: 'c' in -c\nSee 'awmg --help' for usage\n"},
           {{"-c", "x", "--unified", "--routed"},
            "if any flags in the group [routed unified] are set none of the others can be; [routed unified] "
            "were "
            "all set\nSee 'awmg --help' for usage\n"},
           {{"-c", "x", "--payload-size-threshold", "big"},
            "invalid argument \"big\" for \"--payload-size-threshold\" flag: strconv.ParseInt: parsing "
            "\"big\": "
            "invalid syntax\nSee 'awmg --help' for usage\n"},
           {{"completion", "tcsh"},
            "invalid argument \"tcsh\" for \"awmg completion\"\n"
            "See 'awmg completion --help' for usage\n"},
           {{"proxy", "--listen"}, "flag needs an argument: --listen\nSee 'awmg proxy --help' for usage\n"},
       }) {
    auto r = run_awmg(c.args, awmg_env(dir));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, c.err);
    EXPECT_EQ(r.out, "");
  }
}

TEST(Cli, CompletionScripts) {
  TempDir dir;
  for (const char* shell : {"bash", "zsh", "fish", "powershell"}) {
    auto r = run_awmg({"completion", shell}, awmg_env(dir));
    EXPECT_EQ(r.exit_code, 0) << shell;
    EXPECT_NE(r.out.find("awmg"), std::string::npos) << shell;
  }
  // The bash script is valid bash and completes flags.
  auto script = run_awmg({"completion", "bash"}, awmg_env(dir));
  dir.write("c.bash", script.out);
  auto r = run({"/bin/bash", "-c",
                "source " + dir.file("c.bash") +
                    "; COMP_WORDS=(awmg --wasm); COMP_CWORD=1; _awmg; printf '%s\\n' \"${COMPREPLY[@]}\""});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "--wasm-cache-dir\n");
}

TEST(Cli, ProxyModeParsesItsOwnFlags) {
  TempDir dir;
  dir.write("g.wasm", "");
  auto r = run_awmg({"proxy", "--guard-wasm", dir.file("g.wasm"), "--trusted-bots", "a,b"}, awmg_env(dir));
  // Parsed, then refused for what it is: an empty file is no guard module.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("awmg proxy: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("cannot load the guard " + dir.file("g.wasm")), std::string::npos) << r.err;
}

TEST(Cli, EmptyConfigPathIsAnErrorNotTheDemo) {
  TempDir dir;
  auto r = run_awmg({"--config="}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "failed to load config: open : No such file or directory\n");
}

TEST(Cli, EnvFileLoadErrors) {
  TempDir dir;
  auto r = run_awmg({"-c", dir.file("x.toml"), "--env", dir.file("missing.env")}, awmg_env(dir));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "failed to load .env file: open " + dir.file("missing.env") + ": No such file or directory\n");
}

// A variable set to what it cannot be is refused, naming it (upstream falls back to the default silently).
TEST(Cli, EnvironmentValuesThatDoNotParseAreRefused) {
  TempDir dir;
  for (const auto& [variable, value, wanted] : std::vector<std::array<std::string, 3>>{
           {"MCP_GATEWAY_HEALTH_INTERVAL", "-1s", "a duration of 0s or more (such as 30s)"},
           {"MCP_GATEWAY_PAYLOAD_SIZE_THRESHOLD", "lots", "a positive integer"},
           {"MCP_GATEWAY_ALLOWONLY_SCOPE_PUBLIC", "y", "a boolean (1, true, yes, on, 0, false, no or off)"},
           {"AWMG_IO_THREADS", "0", "a positive integer"}}) {
    auto r = run_awmg({"--demo", "--listen", "127.0.0.1:0"}, awmg_env(dir, {{variable, value}}));
    EXPECT_EQ(r.exit_code, 1) << variable;
    EXPECT_NE(r.err.find("environment variable " + variable + " is set but is not " + wanted),
              std::string::npos)
        << variable << ": " << r.err;
  }
  auto proxy = run_awmg({"proxy", "--guard-wasm", dir.file("none.wasm")},
                        awmg_env(dir, {{"MCP_GATEWAY_SHUTDOWN_TIMEOUT", "soon"}}));
  EXPECT_EQ(proxy.exit_code, 1);
  EXPECT_NE(proxy.err.find("environment variable MCP_GATEWAY_SHUTDOWN_TIMEOUT is set but is not a positive "
                           "duration (such as 30s)"),
            std::string::npos)
      << proxy.err;
}

TEST(Cli, ValidateEnvReportsEveryProblem) {
  TempDir dir;
  auto options = awmg_env(dir, {{"DOCKER_HOST", "unix://" + dir.file("no.sock")}});
  for (const char* v :
       {"MCP_GATEWAY_PORT", "MCP_GATEWAY_DOMAIN", "MCP_GATEWAY_AGENT_ID", "MCP_GATEWAY_API_KEY"}) {
    options.unset_env.push_back(v);
  }
  auto r = run_awmg({"--demo", "--validate-env"}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "environment validation failed: Environment validation failed:\n"
            "  - Docker daemon is not accessible. Ensure the Docker socket is mounted or Docker is running.\n"
            "  - Required environment variables not set: MCP_GATEWAY_PORT, MCP_GATEWAY_DOMAIN, "
            "MCP_GATEWAY_AGENT_ID\n");
}

TEST(Cli, InvalidGuardsModeFromEnvironment) {
  TempDir dir;
  auto r = run_awmg({"--demo"}, awmg_env(dir, {{"MCP_GATEWAY_GUARDS_MODE", "lenient"}}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "invalid --guards-mode flag: unknown enforcement mode: lenient (valid modes: strict, filter, "
            "propagate)\n");
}

}  // namespace
}  // namespace awmg::test
