#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/connection.hpp"
#include "backend/process.hpp"
#include "json/json.hpp"
#include "log/rpc_log.hpp"

namespace awmg::backend {

// An MCP client over a child process's stdin/stdout (newline-delimited JSON-RPC). Its stderr is logged line
// by line to the server's log. Requests get connection-local ids, so callers never collide. All of its state
// lives on one strand; callers wait on their own executor.
class StdioConnection : public Connection, public std::enable_shared_from_this<StdioConnection> {
 public:
  struct Options {
    std::string server_id;
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
    // The agent's DIFC tags for this connection's RPC records (sink servers only); unset: none.
    std::function<std::optional<log::AgentTags>()> tags;
  };

  // Spawns the process and performs the MCP initialize handshake before `deadline`.
  // `options` must outlive the returned awaitable (callers co_await it at once).
  static boost::asio::awaitable<Result<std::shared_ptr<StdioConnection>>> start(boost::asio::io_context& io,
                                                                                const Options& options,
                                                                                Deadline deadline);

  StdioConnection(boost::asio::io_context& io, Options options, SpawnedProcess process);
  ~StdioConnection() override;

  boost::asio::awaitable<Result<RpcReply>> call(const std::string& method, const std::string& params,
                                                Deadline deadline,
                                                const std::shared_ptr<EventBox>& events) override;
  void notify(std::string method, std::string params) override;
  bool alive() const override { return alive_; }
  void close() override;
  const std::string& initialize_result() const override { return initialize_result_; }

 private:
  struct Pending {
    std::shared_ptr<async::Mailbox<Result<RpcReply>>> reply;
    std::shared_ptr<EventBox> events;
    std::string progress_token;
  };

  void begin_reading();
  boost::asio::awaitable<void> read_stdout();
  boost::asio::awaitable<void> read_stderr();
  boost::asio::awaitable<void> write_queued();
  void send_line(std::string line);  // on the strand
  void handle_line(std::string_view line);
  void handle_response(const json::Value& message, std::string_view line);
  void handle_notification(const json::Value& message, std::string_view line);
  void fail_all(const std::string& reason);  // on the strand
  void mark_dead();                          // the first caller stops the process
  std::string recent_stderr() const;

  Options options_;
  SpawnedProcess process_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::posix::stream_descriptor stdin_, stdout_, stderr_;
  std::atomic<bool> alive_{true};
  std::atomic<int64_t> next_id_{0};
  std::map<int64_t, Pending> pending_;
  std::deque<std::string> write_queue_;
  bool writing_ = false;
  mutable std::mutex tail_mutex_;
  std::deque<std::string> stderr_tail_;
  std::string initialize_result_;
  std::string exit_reason_ = "backend process exited";
};

}  // namespace awmg::backend
