#pragma once
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "backend/oidc.hpp"
#include "backend/rpc_connection.hpp"
#include "http/client.hpp"
#include "http/sse.hpp"

namespace awmg::backend {

// An MCP client of a remote server. It speaks Streamable HTTP: each message is a POST
// whose answer comes back as JSON or as an event stream (resumed with Last-Event-ID when the server closes it
// early), the backend's session id and protocol version go on every request, a session the backend forgot
// (404) is initialized again once, and a standalone GET stream carries what the backend sends outside calls.
// A server that refuses notifications is spoken to as plain JSON-RPC over POST; one that refuses the POST
// handshake, over the deprecated 2024-11-05 SSE transport. Configured headers go on every request.
class HttpConnection : public RpcConnection {
 public:
  struct Options {
    std::string server_id;
    std::string url;
    std::map<std::string, std::string> headers;
    std::chrono::milliseconds connect_timeout{30000};
    std::chrono::seconds keepalive{0};  // 0: no pings
    TagSource tags;
    std::shared_ptr<OidcTokens> oidc;  // `auth: github-oidc`: a bearer token for `audience` on every request
    std::string audience;
  };
  enum class Mode { kStreamable, kPlainJson, kSse };

  // Connects and initializes before `deadline`, trying each transport in turn.
  static boost::asio::awaitable<Result<std::shared_ptr<HttpConnection>>> start(boost::asio::io_context& io,
                                                                               const Options& options,
                                                                               Deadline deadline);

  HttpConnection(boost::asio::io_context& io, Options options, http::Url url, Mode mode);
  ~HttpConnection() override;

  void close() override;
  Mode mode() const { return mode_.load(); }

 protected:
  void transmit(std::string message, std::optional<int64_t> id,
                const boost::asio::any_io_executor& caller) override;
  // A request's exchange runs in its caller's coroutine, bounded by the caller's deadline.
  boost::asio::awaitable<void> send_request(const std::string& message, const int64_t& id,
                                            const boost::asio::any_io_executor& caller,
                                            const Deadline& deadline) override;
  void abandoned(int64_t id) override;

 private:
  std::shared_ptr<HttpConnection> self() {
    return std::static_pointer_cast<HttpConnection>(shared_from_this());
  }
  // The transport handshake and MCP initialize; the error, or "" on success.
  boost::asio::awaitable<std::string> connect(const Deadline& deadline);
  boost::asio::awaitable<void> post(const std::string& message, const std::optional<int64_t>& id,
                                    bool retried);
  boost::asio::awaitable<void> read_answer(http::Exchange& exchange, const std::optional<int64_t>& id);
  boost::asio::awaitable<bool> read_events(http::Exchange& exchange, http::SseParser& parser,
                                           const std::optional<int64_t>& id);
  // Resuming a request's broken stream and renewing a lost session run in the background, on the strand:
  // they may take longer than the request's caller waits, and that caller's deadline answers it then.
  boost::asio::awaitable<void> resume(const int64_t& id, const std::shared_ptr<http::SseParser>& parser);
  boost::asio::awaitable<void> renew_and_retry(const std::string& message, const std::optional<int64_t>& id,
                                               const std::string& expired);
  boost::asio::awaitable<bool> renew_session(const std::string& expired);
  boost::asio::awaitable<Status> open_legacy_stream(const Deadline& deadline);
  boost::asio::awaitable<void> listen(const std::shared_ptr<http::Exchange>& stream,
                                      const std::shared_ptr<http::SseParser>& parser);
  boost::asio::awaitable<void> reopen_stream();
  static boost::asio::awaitable<void> keepalive(const std::weak_ptr<HttpConnection>& weak,
                                                const std::chrono::seconds& interval);
  std::map<std::string, std::string> headers(bool with_session) const;
  // headers() plus, for a github-oidc server, a current bearer token.
  boost::asio::awaitable<Result<std::map<std::string, std::string>>> authorized_headers(
      const bool& with_session);
  // The same for a GET that wants an event stream.
  boost::asio::awaitable<Result<std::map<std::string, std::string>>> event_stream_headers(
      const bool& with_session);
  // Dispatches a message the backend sent; true when it answers request `id`.
  bool deliver(const std::string& text, const std::optional<int64_t>& id);
  // From any executor: request `id` (if any) fails with `reason` unless it was answered already.
  void fail(std::optional<int64_t> id, const std::string& reason);
  // Registers an exchange of request `id` to be aborted when its caller gives up; bounded by its deadline.
  std::shared_ptr<http::Abort> track(int64_t id, boost::asio::any_io_executor executor);
  // Unregisters `abort` (not a later exchange of the same request: a resumption or a retry).
  void untrack(int64_t id, const std::shared_ptr<http::Abort>& abort);
  bool renewing() const;
  static bool is_notification(const std::string& message);
  boost::asio::awaitable<void> initialized() override;
  std::string session_id() const;

  // Each request's exchange runs in its caller's coroutine (others on a strand of their own), so exchanges
  // proceed in parallel; the little they share is guarded by `mutex_`, the calls in flight by the base class.
  // The connection's strand runs its start, the GET stream and the keepalive.
  boost::asio::io_context& io_;
  Options options_;
  http::Url url_;       // the configured endpoint
  http::Url post_url_;  // where messages go (the SSE transport names its own); set before the handshake
  std::shared_ptr<http::Client> client_;
  std::atomic<Mode> mode_;
  mutable std::mutex mutex_;
  std::string session_id_;
  std::string protocol_version_;
  bool renewing_ = false;
  bool listening_ = false;  // the standalone GET stream is open (or being opened)
  std::map<int64_t, std::shared_ptr<http::Abort>> in_flight_;
  std::shared_ptr<http::Abort> stream_abort_;  // the GET stream's; runs on the connection's strand
};

}  // namespace awmg::backend
