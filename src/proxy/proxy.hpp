#pragma once
#include "async/awaitable.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "difc/agents.hpp"
#include "difc/evaluator.hpp"
#include "github/rest.hpp"
#include "guard/guard.hpp"
#include "http/server.hpp"
#include "proxy/metadata.hpp"
#include "proxy/tool_call.hpp"
#include "proxy/upstream.hpp"
#include "telemetry/tracer.hpp"

namespace awmg::proxy {

struct ProxySettings {
  // Unrecognized REST reads are forwarded unlabelled, as upstream's proxy does (default: refused with 403).
  bool passthrough_unrecognized = false;
  difc::Mode mode = difc::Mode::kStrict;  // until label_agent says otherwise, unless `mode_given`
  bool mode_given = false;                // --guards-mode or its variable: it decides, as in the gateway
  // The label_agent input; empty: no policy, so every request that needs the guard gets 503.
  std::string policy_payload;
};

// `awmg proxy`: GitHub's REST and GraphQL API behind a guard. The agent is "proxy"; its labels come from
// label_agent once, at startup. A read is named as the guard tool that reads the same data, labelled,
// checked, forwarded, and its answer filtered item by item; writes and a few metadata routes are forwarded as
// they are.
class Proxy {
 public:
  static constexpr const char* kAgent = "proxy";

  // `io`: where the guard's metadata calls run.
  Proxy(boost::asio::io_context& io, Upstream upstream, std::unique_ptr<guard::Guard> guard,
        ProxySettings settings);
  ~Proxy();

  // label_agent with the policy; its error fails the start (no guessing at the agent's labels).
  Status initialize();
  difc::Mode mode() const { return mode_; }
  bool enforcing() const { return !settings_.policy_payload.empty(); }
  const Upstream& upstream() const { return upstream_; }

  boost::asio::awaitable<void> handle(const http::Request& request, http::Responder& responder);

  // Shutdown: a guard call in flight ends at once and later ones fail; then the worker is joined.
  void stop();

 private:
  // What a request comes to: an answer of the proxy's own, a request forwarded as it is, or a guarded read.
  struct Forward {
    std::string target;
    std::string body;
  };
  struct Read {
    ToolCall call;
    boost::beast::http::verb verb;
    std::string target;
    std::string body;
    bool graphql;
  };
  struct Write {
    std::string target;
    std::string body;
  };
  using Step = std::variant<http::Response, Forward, Read, Write>;
  Step decide(const http::Request& request, const http::Responder& responder);
  Step decide_graphql(const http::Request& request);
  Step write_to(const http::Request& request, const std::string& path, const std::string& query);
  boost::asio::awaitable<void> forward_write(const http::Request& request, http::Responder& responder,
                                             const Write& write);
  Step unrecognized(const http::Request& request, const std::string& path, const std::string& query);

  boost::asio::awaitable<void> route(const http::Request& request, http::Responder& responder,
                                     const telemetry::Span& trace);
  boost::asio::awaitable<void> guarded_read(const http::Request& request, http::Responder& responder,
                                            const Read& read, const telemetry::Span& trace);
  // What the request phases established about a read.
  struct Checked {
    std::string tool;
    std::string args;
    guard::ResourceLabels resource;
    difc::Decision coarse;
    difc::Labels agent;
    std::chrono::steady_clock::time_point deadline;
  };
  // Phases 4 to 6 on upstream's JSON answer: the body the client gets, or `refusal` set.
  boost::asio::awaitable<std::string> label_answer(const http::Request& request, const Checked& checked,
                                                   const std::string& body, RestMetadata& metadata,
                                                   std::optional<http::Response>& refusal);
  boost::asio::awaitable<void> forward(const http::Request& request, http::Responder& responder,
                                       const std::string& target, const std::string& body);
  // Runs a guard call on the guard's worker thread.
  boost::asio::awaitable<void> on_worker(const std::function<void()>& work);
  github::Api metadata_api(const http::Request& request) const;

  boost::asio::io_context& io_;
  Upstream upstream_;
  std::unique_ptr<guard::Guard> guard_;
  boost::asio::thread_pool worker_{1};
  ProxySettings settings_;
  difc::Mode mode_;
  difc::AgentRegistry agents_;
  github::PermissionCache permissions_;
  std::atomic<bool> stopping_{false};
};

// A JSON error answer: {"error":<code>,"message":<message>}.
http::Response json_error(const http::Request& request, unsigned status, const std::string& code,
                          const std::string& message);

}  // namespace awmg::proxy
