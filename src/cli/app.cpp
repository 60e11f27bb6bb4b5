#include "cli/app.hpp"

#include <cstdio>

#include "base/version.hpp"
#include "cli/completion.hpp"
#include "cli/gateway_command.hpp"
#include "cli/gateway_options.hpp"
#include "cli/guard_command.hpp"
#include "cli/proxy_command.hpp"
#include "cli/proxy_options.hpp"
#include "results/jq_worker.hpp"

namespace awmg::cli {
namespace {

void out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

int usage_error(const std::string& message, const std::string& command) {
  std::fprintf(stderr, "%s\nSee '%s --help' for usage\n", message.c_str(), command.c_str());
  return 1;
}

int run_completion(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    out("Generate the autocompletion script for awmg for the specified shell.\n\n"
        "Usage:\n  awmg completion [bash|zsh|fish|powershell]\n");
    return 0;
  }
  auto script = completion_script(args);
  if (!script) return usage_error(script.error().message, "awmg completion");
  out(*script);
  return 0;
}

int proxy_command(const std::vector<std::string>& args) {
  auto options = parse_proxy_options(args);
  if (!options) return usage_error(options.error().message, "awmg proxy");
  if (options->help) {
    out(proxy_help());
    return 0;
  }
  return run_proxy(*options);
}

int run_help(const std::vector<std::string>& args) {
  if (args.empty()) {
    out(gateway_help());
  } else if (args[0] == "proxy") {
    out(proxy_help());
  } else if (args[0] == "guard") {
    out(guard_help());
  } else if (args[0] == "completion") {
    return run_completion({"--help"});
  } else {
    std::fprintf(stderr, "Unknown help topic [`%s`]\n", args[0].c_str());
    out(gateway_help());
  }
  return 0;
}

}  // namespace

int run(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "proxy") return proxy_command(rest);
    if (args[0] == "__jq-worker")
      return results::run_jq_worker();  // the gateway's own child (results/jq_worker.hpp)
    if (args[0] == "completion") return run_completion(rest);
    if (args[0] == "guard") return run_guard(rest);
    if (args[0] == "help") return run_help(rest);
  }
  auto options = parse_gateway_options(args);
  if (!options) return usage_error(options.error().message, "awmg");
  if (options->help) {
    out(gateway_help());
    return 0;
  }
  if (options->version) {
    out("MCPG Gateway " + base::version_string() + "\n");
    return 0;
  }
  return run_gateway(*options);
}

}  // namespace awmg::cli
