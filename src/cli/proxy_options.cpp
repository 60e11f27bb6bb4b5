#include "cli/proxy_options.hpp"

#include <algorithm>
#include <filesystem>

#include "base/strings.hpp"
#include "cli/env.hpp"
#include "cli/flag_set.hpp"
#include "cli/flag_words.hpp"
#include "cli/gateway_options.hpp"

namespace awmg::cli {
namespace {

void register_flags(FlagSet& f, ProxyOptions& o) {
  f.add_string("guard-wasm", 0, &o.guard_wasm,
               "Path to the guard .wasm module (auto-detected when installed)");
  add_guard_policy_flag(f, "policy", &o.policy, "Allow-only guard policy JSON");
  f.add_string("github-token", 0, &o.github_token, "Fallback GitHub token for upstream requests");
  add_listen_flag(f, &o.listen);
  add_log_dir_flag(f, &o.log_dir);
  add_wasm_cache_dir_flag(f, &o.wasm_cache_dir);
  add_guards_mode_flag(f, &o.guards_mode);
  f.add_string("github-api-url", 0, &o.github_api_url, "Upstream GitHub API base URL");
  f.add_bool("force-public-repos", 0, &o.force_public_repos,
             "Force repos=\"public\" when GITHUB_REPOSITORY is a public repository",
             {"MCP_GATEWAY_FORCE_PUBLIC_REPOS"}, true);
  f.add_bool("tls", 0, &o.tls, "Generate a self-signed CA and server certificate and serve HTTPS");
  f.add_string("tls-dir", 0, &o.tls_dir,
               "Directory for the generated certificates (default <log-dir>/proxy-tls)");
  f.add_list("trusted-bots", 0, &o.trusted_bots, "Extra trusted bot logins (comma-separated)");
  f.add_list("trusted-users", 0, &o.trusted_users, "Logins elevated to approved integrity (comma-separated)");
  f.add_bool("passthrough-unrecognized", 0, &o.passthrough_unrecognized,
             "Forward REST reads no guard route knows, unlabelled (default: refused with 403)");
  add_telemetry_flags(f, &o.telemetry);
}

}  // namespace

std::string detect_proxy_guard(const std::string& guards_root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string fixed = guards_root + "/github/00-github-guard.wasm";
  if (fs::is_regular_file(fixed, ec)) return fixed;
  auto dir = env_value("MCP_GATEWAY_WASM_GUARDS_DIR");
  if (!dir || dir->empty()) return "";
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(*dir + "/github", ec)) {
    if (entry.path().extension() == ".wasm" && entry.is_regular_file(ec))
      found.push_back(entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? "" : found.front();
}

Result<ProxyOptions> parse_proxy_options(const std::vector<std::string>& args) {
  reset_environment_refusals();  // (the flags' defaults read the environment afresh)
  ProxyOptions o;
  o.guard_wasm = detect_proxy_guard();
  FlagSet flags;
  register_flags(flags, o);
  auto positionals = flags.parse(args);
  if (!positionals) return positionals.error();
  for (const auto& f : flags.flags()) {
    if (f.changed) o.changed.insert(f.name);
  }
  o.help = flags.help_requested();
  if (o.help) return o;
  if (!positionals->empty()) {
    return Error{"unknown command " + base::quote(positionals->front()) + " for \"awmg proxy\""};
  }
  if (o.guard_wasm.empty()) return Error{"required flag(s) \"guard-wasm\" not set"};
  if (o.was_set("tls-dir") && !o.tls) return Error{"--tls-dir is only used with --tls"};
  return o;
}

std::string proxy_help() {
  ProxyOptions o;
  FlagSet flags;
  register_flags(flags, o);
  return "Run a GitHub API proxy (REST and GraphQL) that applies the same WASM guard and DIFC policy as the\n"
         "gateway to gh/curl traffic.\n\nUsage:\n  awmg proxy [flags]\n\nFlags:\n" +
         flags.usages();
}

std::vector<std::string> proxy_flag_words() {
  ProxyOptions o;
  FlagSet flags;
  register_flags(flags, o);
  return flag_words(flags);
}

}  // namespace awmg::cli
