#include "gateway/guard_backend.hpp"

#include "async/awaitable.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include <future>

#include "gateway/guards.hpp"
#include "github/rest.hpp"
#include "json/json.hpp"

namespace awmg::gateway {
namespace {

namespace asio = boost::asio;

constexpr const char* kCollaboratorPermission = "get_collaborator_permission";

// One metadata call; the co_spawned function object owns it while it runs on the I/O side. A tool call goes
// to the guarded server's backend; get_collaborator_permission is the host's own, answered through GitHub's
// REST API and never sent to the backend (which could lie about who may do what).
struct MetadataCall {
  backend::Launcher& launcher;
  github::PermissionCache& permissions;
  std::string server_id, agent, tool, args, params;
  std::chrono::steady_clock::time_point deadline;
  std::promise<Result<std::string>> done;

  MetadataCall(backend::Launcher& backends, github::PermissionCache& cache, std::string server,
               std::string who, std::string name, std::string arguments,
               std::chrono::steady_clock::time_point until)
      : launcher(backends),
        permissions(cache),
        server_id(std::move(server)),
        agent(std::move(who)),
        tool(std::move(name)),
        args(std::move(arguments)),
        params(R"({"name":)" + json::quote(tool) + R"(,"arguments":)" + args + "}"),
        deadline(until) {}

  asio::awaitable<Result<std::string>> collaborator_permission() {
    auto doc = json::parse(args);
    if (!doc || !doc->IsObject())
      co_return Error{"get_collaborator_permission takes an object with owner, repo and username"};
    const std::string owner = json::string_or(*doc, "owner"), repo = json::string_or(*doc, "repo"),
                      username = json::string_or(*doc, "username");
    if (auto known = permissions.find(owner, repo, username)) co_return *known;
    const github::Api api = github::Api::from_environment();
    auto answer = co_await github::collaborator_permission(api, owner, repo, username, deadline);
    if (answer) permissions.store(owner, repo, username, *answer);
    co_return answer;
  }

  asio::awaitable<void> run() {
    if (tool == kCollaboratorPermission) {
      auto answer = co_await collaborator_permission();
      done.set_value(std::move(answer));
      co_return;
    }
    auto conn = co_await launcher.connection(server_id, agent);
    if (!conn) {
      done.set_value(Error{conn.error().message});
      co_return;
    }
    const std::string method = "tools/call";
    const std::shared_ptr<backend::EventBox> no_events;
    const std::string no_trace;
    auto reply = co_await (*conn)->call(method, params, deadline, no_events, no_trace);
    if (!reply) {
      done.set_value(Error{reply.error().message});
    } else if (reply->error_code) {
      done.set_value(
          Error{"backend error " + std::to_string(*reply->error_code) + ": " + reply->error_message});
    } else {
      done.set_value(reply->result);
    }
  }
};

}  // namespace

Result<std::string> GuardBackend::call_tool(const std::string& tool, const std::string& args_json,
                                            std::chrono::steady_clock::time_point deadline) {
  auto call = std::make_shared<MetadataCall>(backends_.launcher, backends_.permissions, server_id_, agent_,
                                             tool, args_json, deadline);
  auto result = call->done.get_future();
  // The function object owns the call until its coroutine ends, even when this thread stops waiting first.
  asio::co_spawn(
      asio::make_strand(backends_.io), [call] { return call->run(); }, asio::detached);
  // Woken in slices so that shutdown, which stops guards, never waits for a backend call's deadline.
  while (result.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (backends_.guards.stopping()) return Error{"backend call " + tool + " abandoned: shutting down"};
    if (std::chrono::steady_clock::now() >= deadline)
      return Error{"backend call " + tool + " passed the call deadline"};
  }
  return result.get();
}

}  // namespace awmg::gateway
