#include "gateway/guards.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/files.hpp"
#include "base/strings.hpp"
#include "github/rest.hpp"
#include "guard/wasm_guard.hpp"
#include "log/logger.hpp"

namespace awmg::gateway {
namespace {

namespace fs = std::filesystem;

// A guard dropped into the guards directory for this server.
std::string discovered_guard(const std::string& server_id) {
  const char* env = std::getenv("MCP_GATEWAY_WASM_GUARDS_DIR");
  bool disabled = env && std::string(env).empty();
  if (server_id == "github" && !disabled && fs::is_regular_file("/guards/github/00-github-guard.wasm"))
    return "/guards/github/00-github-guard.wasm";
  std::string dir = env ? std::string(base::trim(env)) : "";
  if (dir.empty()) return "";
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir + "/" + server_id, ec)) {
    if (entry.is_regular_file(ec) && base::to_lower(entry.path().extension().string()) == ".wasm")
      found.push_back(entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? "" : found.front();
}

Result<std::unique_ptr<guard::Guard>> load_wasm(const std::string& name, const std::string& path,
                                                wasm::Engine& engine) {
  auto bytes = base::read_file(path);
  if (!bytes) return Error{"failed to read WASM file: " + bytes.error().message};
  AWMG_TRY(auto wasm, guard::WasmGuard::create(name, *bytes, engine));
  return guard::make_wasm_guard(std::move(wasm));
}

bool is_safe_outputs(const std::string& server_id) {
  return server_id == "safe-outputs" || server_id == "safeoutputs";
}

}  // namespace

// The workflow repository's visibility, asked of GitHub once and only when a rule needs it. A probe that gets
// no answer counts as public: the rules that ask (force-public-repos, a write-sink's visibility) then
// restrict.
class WorkflowRepository {
 public:
  bool is_public() {
    if (!asked_) ask();
    return public_;
  }

 private:
  void ask() {
    asked_ = true;
    auto answer =
        github::workflow_repository_public(github::Api::from_environment(), std::chrono::seconds(10));
    if (!answer) {
      log::warn("difc", "The visibility of GITHUB_REPOSITORY could not be read (" + answer.error().message +
                            "); it is taken as public");
      public_ = true;
    } else {
      public_ = answer->value_or(false);
    }
  }
  bool asked_ = false;
  bool public_ = false;
};

// What the workflow repository's visibility decides at startup.
struct RepositoryRules {
  bool force_public_enabled;  // neither gateway.forcePublicRepos nor MCP_GATEWAY_FORCE_PUBLIC_REPOS is false
  bool force_public;  // and the repository is public: every allow-only policy reads public repositories
  WorkflowRepository& repository;
};

namespace {

// A write-sink's visibility: public unless configured otherwise, and public whatever is configured when the
// workflow repository is public (what a public workflow writes is public). Exempt servers
// (gateway.sinkVisibilityExemptServers, or force-public-repos off) and safe-outputs keep an unset visibility
// unless their repository is public.
std::string sink_visibility(const config::Config& config, const std::string& server_id,
                            const std::string& configured, RepositoryRules& rules) {
  const auto& exempt_list = config.gateway.sink_visibility_exempt_servers;
  bool exempt = !rules.force_public_enabled ||
                std::find(exempt_list.begin(), exempt_list.end(), server_id) != exempt_list.end() ||
                std::find(exempt_list.begin(), exempt_list.end(), "*") != exempt_list.end();
  std::string visibility = base::to_lower(base::trim(configured));
  if (visibility.empty()) {
    if (!is_safe_outputs(server_id) && !exempt) return "public";
    if (is_safe_outputs(server_id) && rules.repository.is_public()) return "public";
    return "";
  }
  if (visibility != "public" && rules.repository.is_public()) {
    log::warn("difc", "Server " + server_id + ": sink-visibility \"" + visibility +
                          "\" is overridden to public: the workflow repository is public");
    return "public";
  }
  return visibility;
}

}  // namespace

Guards::Guards(const config::Settings& settings)
    : engine_(std::make_unique<wasm::Engine>(wasm::EngineOptions{settings.wasm_cache_dir, true})) {
  noop_.guard = guard::make_noop_guard();
  auto mode = difc::parse_mode(settings.guards_mode);
  default_mode_ = mode.value_or(difc::Mode::kStrict);
}

Guards::~Guards() {
  stop();
  join();
}

void Guards::stop() {
  stopping_.store(true);
  for (auto& [id, slot] : servers_) {
    if (slot.guard) slot.guard->stop();  // a server whose assignment failed has none
  }
}

void Guards::join() {
  for (auto& [id, slot] : servers_) {
    if (slot.worker) slot.worker->join();
  }
}

Result<std::unique_ptr<Guards>> Guards::create(const config::Config& config,
                                               const config::Settings& settings) {
  std::unique_ptr<Guards> guards(new Guards(settings));
  if (config.gateway.trusted_bots) guards->trusted_bots_ = *config.gateway.trusted_bots;
  std::optional<guard::Policy> global;
  if (!settings.guard_policy_override_json.empty()) {
    auto parsed = guard::parse_policy(settings.guard_policy_override_json);
    if (!parsed) return Error{"invalid guard policy override: " + parsed.error().message};
    global = std::move(*parsed);
    guards->enabled_ = true;
  }
  WorkflowRepository repository;
  RepositoryRules rules{settings.force_public_repos, settings.force_public_repos && repository.is_public(),
                        repository};
  if (rules.force_public && global) guard::force_public_repos(*global);
  for (const auto& server : config.servers) {
    if (auto assigned = guards->assign(config, server, global, rules); !assigned)
      return Error{"failed to register guard for server \"" + server.id + "\": " + assigned.error().message};
  }
  if (guards->enabled_)
    log::info("difc", "DIFC enforcement enabled (default mode " +
                          std::string(difc::mode_name(guards->default_mode_)) + ")");
  return guards;
}

Status Guards::assign(const config::Config& config, const config::ServerConfig& server,
                      const std::optional<guard::Policy>& global, RepositoryRules& rules) {
  ServerGuard& slot = servers_[server.id];
  // The policy: the global override, else the server's guard-policies, else its guard's policy.
  std::optional<guard::Policy> policy = global;
  if (!policy && !server.guard_policies_json.empty()) {
    AWMG_TRY(policy, guard::parse_server_policies(server.guard_policies_json, server.id));
    enabled_ = true;
  }
  auto configured = config.guards.find(server.guard);
  if (!policy && configured != config.guards.end() && !configured->second.policy_json.empty()) {
    AWMG_TRY(auto parsed, guard::parse_policy(configured->second.policy_json));
    policy = std::move(parsed);
  }
  if (rules.force_public && !global) {  // (the global policy was forced once, before)
    if (!policy) policy = guard::public_repos_policy();
    guard::force_public_repos(*policy);
    enabled_ = true;
    log::warn("difc", "FORCED REPOS=PUBLIC: the workflow repository is public, so server " + server.id +
                          " reads public repositories only (gateway.forcePublicRepos=false turns this off)");
  }
  // The guard: a discovered WASM guard, else a write-sink for a write-sink policy, else the configured one.
  bool failed = false;
  if (std::string path = discovered_guard(server.id); !path.empty()) {
    auto loaded = load_wasm(server.id, path, *engine_);
    if (loaded) {
      slot.guard = std::move(*loaded);
      log::info("difc", "Loaded discovered WASM guard from file: " + fs::path(path).filename().string());
    } else {  // upstream falls back to the configured guard or noop; the guard meant for it denies instead
      std::string message = "Discovered WASM guard " + path + " for server " + server.id +
                            " failed to load; its calls are denied: " + loaded.error().message;
      log::error("difc", message);
      log::Logger::instance().markdown(log::Level::kError, "difc", message);
      slot.guard = guard::make_failed_guard(server.id, loaded.error().message);
      failed = true;
    }
  }
  if (!slot.guard && policy && policy->kind == guard::Policy::Kind::kWriteSink) {
    std::string visibility = sink_visibility(config, server.id, policy->sink_visibility, rules);
    slot.guard = guard::make_write_sink_guard(policy->accept, visibility);
  }
  if (!slot.guard && configured != config.guards.end()) {
    const config::GuardConfig& g = configured->second;
    if (g.type == "wasm") {
      auto loaded = g.path.empty() ? Result<std::unique_ptr<guard::Guard>>(Error{"guard path is required"})
                                   : load_wasm(server.guard, g.path, *engine_);
      if (loaded) {
        slot.guard = std::move(*loaded);
      } else {
        // Upstream falls back to noop, which lets the server's data through unlabeled; we deny its calls.
        std::string message = "Guard '" + server.guard + "' for server " + server.id +
                              " failed to load; its calls are denied: " + loaded.error().message;
        log::error("difc", message);
        log::Logger::instance().markdown(log::Level::kError, "difc", message);
        slot.guard = guard::make_failed_guard(server.guard, loaded.error().message);
        failed = true;
      }
    }
  }
  if (!slot.guard) slot.guard = guard::make_noop_guard();
  if (!slot.guard->is_noop()) enabled_ = true;
  // A guard without a policy is noop, as upstream's; a guard that failed to load stays failed (denying), with
  // or without one.
  if (!slot.guard->is_noop() && !failed && !policy && server.guard_policies_json.empty()) {
    log::warn("difc",
              "Guard '" + slot.guard->name() + "' for server " + server.id + " has no policy; using noop");
    slot.guard = guard::make_noop_guard();
  }
  if (slot.guard->may_block()) slot.worker = std::make_unique<boost::asio::thread_pool>(1);
  slot.policy = policy;
  if (policy && policy->kind == guard::Policy::Kind::kAllowOnly)
    slot.payload = guard::label_agent_payload(*policy, trusted_bots_);
  else if (policy)
    slot.payload = "{}";  // write-sink guards ignore it; a non-empty payload still marks the policy path
  log::info("difc", "Registered guard '" + slot.guard->name() + "' for server '" + server.id + "'" +
                        (slot.payload.empty() ? ", no guard policy" : ", policy " + slot.payload));
  return ok_status();
}

ServerGuard& Guards::for_server(const std::string& server_id) {
  auto it = servers_.find(server_id);
  return it == servers_.end() ? noop_ : it->second;
}

const ServerGuard& Guards::for_server(const std::string& server_id) const {
  auto it = servers_.find(server_id);
  return it == servers_.end() ? noop_ : it->second;
}

std::optional<difc::Mode> Guards::session_mode(const std::string& agent, const std::string& server,
                                               const std::string& payload) {
  std::lock_guard lock(mutex_);
  auto it = session_modes_.find({agent, server});
  if (it == session_modes_.end() || it->second.first != payload) return std::nullopt;
  return it->second.second;
}

void Guards::set_session_mode(const std::string& agent, const std::string& server, const std::string& payload,
                              difc::Mode mode) {
  std::lock_guard lock(mutex_);
  session_modes_[{agent, server}] = {payload, mode};
}

bool Guards::take_tool_call(const std::string& session, const std::string& server, const std::string& tool,
                            int64_t limit) {
  if (limit <= 0) return true;
  std::lock_guard lock(mutex_);
  int64_t& used = tool_calls_[{session, server, tool}];
  if (used >= limit) return false;
  ++used;
  return true;
}

}  // namespace awmg::gateway
