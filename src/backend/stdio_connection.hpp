#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/process.hpp"
#include "backend/rpc_connection.hpp"
#include "json/json.hpp"
#include "log/rpc_log.hpp"

namespace awmg::backend {

// An MCP client over a child process's stdin/stdout (newline-delimited JSON-RPC). Its stderr is logged line
// by line to the server's log.
class StdioConnection : public RpcConnection {
 public:
  struct Options {
    std::string server_id;
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
    std::string working_directory;  // "": the gateway's
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

  void close() override;

 protected:
  void transmit(std::string message, std::optional<int64_t> id,
                const boost::asio::any_io_executor& caller) override;

 private:
  std::shared_ptr<StdioConnection> self() {
    return std::static_pointer_cast<StdioConnection>(shared_from_this());
  }
  void begin_reading();
  boost::asio::awaitable<void> read_stdout();
  boost::asio::awaitable<void> read_stderr();
  boost::asio::awaitable<void> write_queued();
  void mark_dead();  // the first caller stops the process
  std::string recent_stderr() const;

  Options options_;
  SpawnedProcess process_;
  boost::asio::posix::stream_descriptor stdin_, stdout_, stderr_;
  std::deque<std::string> write_queue_;
  bool writing_ = false;
  mutable std::mutex tail_mutex_;
  std::deque<std::string> stderr_tail_;
};

}  // namespace awmg::backend
