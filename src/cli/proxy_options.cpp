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
  f.add_string("policy", 0, &o.policy, "Allow-only guard policy JSON");
  f.add_string("github-token", 0, &o.github_token, "Fallback GitHub token for upstream requests");
  f.add_string("listen", 'l', &o.listen, "HTTP listen address (host:port)");
  f.add_string("log-dir", 0, &o.log_dir, "Log directory");
  f.add_string("wasm-cache-dir", 0, &o.wasm_cache_dir,
               "Guard compilation cache directory (default: sibling of <log-dir>, named wazero-cache)");
  f.add_string("guards-mode", 0, &o.guards_mode, "DIFC enforcement mode: strict, filter or propagate");
  f.add_string("github-api-url", 0, &o.github_api_url, "Upstream GitHub API base URL");
  f.add_bool("force-public-repos", 0, &o.force_public_repos,
             "Force repos=\"public\" when GITHUB_REPOSITORY is a public repository");
  f.add_bool("tls", 0, &o.tls, "Generate a self-signed CA and server certificate and serve HTTPS");
  f.add_string("tls-dir", 0, &o.tls_dir,
               "Directory for the generated certificates (default <log-dir>/proxy-tls)");
  f.add_list("trusted-bots", 0, &o.trusted_bots, "Extra trusted bot logins (comma-separated)");
  f.add_list("trusted-users", 0, &o.trusted_users, "Logins elevated to approved integrity (comma-separated)");
  f.add_string("otlp-endpoint", 0, &o.otlp_endpoint, "OTLP/HTTP traces endpoint (empty: tracing off)");
  f.add_string("otlp-service-name", 0, &o.otlp_service_name, "OpenTelemetry service.name");
  f.add_float("otlp-sample-rate", 0, &o.otlp_sample_rate, "Trace sample rate, 0.0 to 1.0");
}

ProxyOptions env_defaults() {
  ProxyOptions o;
  o.policy = env_string("MCP_GATEWAY_GUARD_POLICY_JSON", "");
  o.log_dir = env_string("MCP_GATEWAY_LOG_DIR", kDefaultLogDir);
  o.wasm_cache_dir = env_string("MCP_GATEWAY_WASM_CACHE_DIR", "");
  o.guards_mode = env_string("MCP_GATEWAY_GUARDS_MODE", "strict");
  o.force_public_repos = env_bool("MCP_GATEWAY_FORCE_PUBLIC_REPOS", true);
  o.otlp_endpoint = env_string("OTEL_EXPORTER_OTLP_ENDPOINT", "");
  o.otlp_service_name = env_string("OTEL_SERVICE_NAME", "mcp-gateway");
  o.guard_wasm = detect_proxy_guard();
  return o;
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
  ProxyOptions o = env_defaults();
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
