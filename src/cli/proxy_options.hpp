#pragma once
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"

#include "cli/shared_flags.hpp"

namespace awmg::cli {

// `awmg proxy` flags: its own flag set; root flags are not inherited.
struct ProxyOptions {
  std::string guard_wasm;
  std::string policy;
  std::string github_token;
  std::string listen = "127.0.0.1:8080";
  std::string log_dir;
  std::string wasm_cache_dir;
  std::string guards_mode;
  std::string github_api_url;
  bool force_public_repos = true;
  bool tls = false;
  std::string tls_dir;
  std::vector<std::string> trusted_bots;
  std::vector<std::string> trusted_users;
  bool passthrough_unrecognized = false;  // not upstream's: restores its passthrough of unknown REST reads
  TelemetryFlags telemetry;
  bool help = false;

  std::set<std::string> changed;
  bool was_set(const std::string& name) const { return changed.count(name) > 0; }
};

Result<ProxyOptions> parse_proxy_options(const std::vector<std::string>& args);
std::string proxy_help();
std::vector<std::string> proxy_flag_words();

// The guard the proxy uses when --guard-wasm is not given: /guards/github/00-github-guard.wasm, else the
// first *.wasm (by name) under $MCP_GATEWAY_WASM_GUARDS_DIR/github/; empty when there is none.
std::string detect_proxy_guard(const std::string& guards_root = "/guards");

}  // namespace awmg::cli
