#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "backend/connection.hpp"
#include "json/json.hpp"
#include "log/rpc_log.hpp"

namespace awmg::backend {

// The JSON-RPC client side every transport shares: connection-local request ids (so callers never collide),
// the calls awaiting answers, and where each incoming message goes: a response to its call; progress to the
// call that owns the token; other notifications and the backend's own requests to the call in flight, or,
// outside any call, to the listener. Thread-safe (the calls in flight are behind a mutex, held briefly and
// never across a wait); callers wait on their own executor. A transport implements transmit() (thread-safe)
// and feeds what it reads to receive(), in order.
class RpcConnection : public Connection, public std::enable_shared_from_this<RpcConnection> {
 public:
  using TagSource = std::function<std::optional<log::AgentTags>()>;

  RpcConnection(boost::asio::io_context& io, std::string server_id, TagSource tags);

  boost::asio::awaitable<Result<RpcReply>> call(const std::string& method, const std::string& params,
                                                Deadline deadline, const std::shared_ptr<EventBox>& events,
                                                const std::string& traceparent) override;
  void notify(std::string method, std::string params) override;
  void respond(std::string message) override;
  void cancel(const EventBox* events, const std::string& reason) override;
  void set_listener(std::function<void(Event)> listener) override;
  bool alive() const override { return alive_; }
  std::string initialize_result() const override;

 protected:
  // Sends one message, from any thread. `id` is the request's id (nullopt for notifications and responses);
  // a transport that cannot deliver a request fails it with fail_call().
  // `caller` is the executor of the coroutine waiting for the answer (none for notifications and responses).
  virtual void transmit(std::string message, std::optional<int64_t> id,
                        const boost::asio::any_io_executor& caller) = 0;
  // Sends request `id` for a caller that waits until `deadline`. By default it is transmitted and this
  // returns at once; a transport whose exchange can run in the caller's coroutine runs it here, so the answer
  // is waiting when this returns (no hand-off between coroutines). It must return by the deadline (plus a
  // moment), and what is slow and shared (renewing a session, resuming a stream) goes on in the background.
  virtual boost::asio::awaitable<void> send_request(const std::string& message, const int64_t& id,
                                                    const boost::asio::any_io_executor& caller,
                                                    const Deadline& deadline);
  // Handles one message the backend sent (parsed already, or not).
  void receive(std::string_view message);
  // `via`: the request whose answer stream carried the message (its notifications and requests belong to it).
  void dispatch(const json::Document& doc, std::string_view text, std::optional<int64_t> via = std::nullopt);
  // Sends notifications/initialized at the end of the handshake (a transport may wait for it to arrive).
  virtual boost::asio::awaitable<void> initialized();
  // The caller of request `id` stopped waiting (timeout or cancellation). Any thread.
  virtual void abandoned(int64_t /*id*/) {}
  void fail_call(int64_t id, const std::string& reason);
  // The caller of request `id` stops waiting for it (its deadline passed): the call is taken out (so nothing
  // fails it afterwards with a lesser reason) and abandoned(). False when it was answered already.
  bool give_up(int64_t id);
  // Whether the caller of request `id` still waits for it (it gives up at its deadline).
  bool waiting(int64_t id) const;
  // The trace context request `id` carries ("" when none, or when it is no longer waited for).
  std::string traceparent_of(int64_t id) const;
  // Until when the caller of request `id` waits; std::nullopt when it does not (any more).
  std::optional<Deadline> deadline_of(int64_t id) const;
  // Fails every call in flight; later calls fail with `reason` once alive() is false.
  void fail_all(const std::string& reason);
  // The MCP handshake: initialize (its result kept), then notifications/initialized.
  boost::asio::awaitable<Status> handshake(const Deadline& deadline);
  void record(const char* direction, const std::string& method, const std::string& payload) const;

  std::string server_id_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::atomic<bool> alive_{true};

 private:
  struct Pending {
    std::shared_ptr<async::Mailbox<Result<RpcReply>>> reply;
    std::shared_ptr<EventBox> events;
    std::string progress_token;
    Deadline deadline;
    std::string traceparent;
  };

  void handle_response(const json::Value& message, std::string_view text);
  void handle_notification(const json::Value& message, std::string_view text, std::optional<int64_t> via);
  void handle_request(const json::Value& message, std::string_view text, std::optional<int64_t> via);
  // The event boxes a message carried for `via` goes to: that call's, or with no `via`, every call's.
  std::vector<std::shared_ptr<EventBox>> call_events(std::optional<int64_t> via) const;
  std::shared_ptr<EventBox> latest_call_events() const;
  std::optional<Pending> take(int64_t id);  // removes and returns a call in flight
  void to_listener(Event event);

  TagSource tags_;
  std::atomic<int64_t> next_id_{0};
  mutable std::mutex calls_mutex_;  // pending_, exit_reason_, stopped_, initialize_result_
  std::string initialize_result_;
  std::map<int64_t, Pending> pending_;
  std::string exit_reason_ = "backend connection closed";
  bool stopped_ = false;
  std::mutex listener_mutex_;
  std::function<void(Event)> listener_;
};

// `_meta.progressToken` of a request's params, as JSON text ("" when absent).
std::string progress_token(const std::string& params);

}  // namespace awmg::backend
