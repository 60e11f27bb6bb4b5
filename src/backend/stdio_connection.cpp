#include "backend/stdio_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "log/logger.hpp"

namespace awmg::backend {

namespace asio = boost::asio;

namespace {

constexpr size_t kMaxLine = 64u << 20;  // a backend line larger than this ends the connection
constexpr size_t kStderrTail = 20;

}  // namespace

StdioConnection::StdioConnection(asio::io_context& io, Options options, SpawnedProcess process)
    : RpcConnection(io, options.server_id, options.tags),
      options_(std::move(options)),
      process_(process),
      stdin_(strand_, process.stdin_fd),
      stdout_(strand_, process.stdout_fd),
      stderr_(strand_, process.stderr_fd) {}

StdioConnection::~StdioConnection() {
  mark_dead();
}

void StdioConnection::mark_dead() {
  if (alive_.exchange(false) && process_.pid > 0) terminate_process_async(process_.pid);
}

asio::awaitable<Result<std::shared_ptr<StdioConnection>>> StdioConnection::start(asio::io_context& io,
                                                                                 const Options& options,
                                                                                 Deadline deadline) {
  auto process = spawn_process(options.argv, options.env, true, options.working_directory);
  if (!process) co_return Error{"failed to start " + options.server_id + ": " + process.error().message};
  auto conn = std::make_shared<StdioConnection>(io, options, *process);
  conn->begin_reading();
  auto ready = co_await conn->handshake(deadline);
  if (!ready) {
    std::string tail = conn->recent_stderr();
    conn->close();
    co_return Error{ready.error().message + (tail.empty() ? "" : "; stderr: " + tail)};
  }
  co_return conn;
}

void StdioConnection::begin_reading() {
  auto me = self();
  asio::co_spawn(
      strand_, [me]() { return me->read_stdout(); }, asio::detached);
  asio::co_spawn(
      strand_, [me]() { return me->read_stderr(); }, asio::detached);
}

void StdioConnection::transmit(std::string message, std::optional<int64_t>, const asio::any_io_executor&) {
  message += '\n';
  asio::post(strand_, [me = self(), message = std::move(message)]() mutable {
    me->write_queue_.push_back(std::move(message));
    if (me->writing_) return;
    me->writing_ = true;
    asio::co_spawn(
        me->strand_, [me]() { return me->write_queued(); }, asio::detached);
  });
}

asio::awaitable<void> StdioConnection::write_queued() {
  while (!write_queue_.empty()) {
    std::string batch;  // everything queued so far goes out in one write
    for (auto& l : write_queue_) batch += l;
    write_queue_.clear();
    boost::system::error_code ec;
    co_await asio::async_write(stdin_, asio::buffer(batch), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      mark_dead();
      fail_all("backend " + server_id_ + " stopped reading its stdin: " + ec.message());
      break;
    }
  }
  writing_ = false;
}

asio::awaitable<void> StdioConnection::read_stdout() {
  auto me = self();
  std::string buffer;
  boost::system::error_code ec;
  while (true) {
    size_t n = co_await asio::async_read_until(stdout_, asio::dynamic_buffer(buffer, kMaxLine), '\n',
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    std::string_view line(buffer.data(), n - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) receive(line);
    buffer.erase(0, n);
  }
  std::string reason = "backend " + server_id_ + " connection closed";
  if (ec == asio::error::not_found) {
    reason = "backend " + server_id_ + " wrote a line longer than 64 MiB";
  } else if (alive_) {
    std::string tail = recent_stderr();
    reason = "backend " + server_id_ + " exited" + (tail.empty() ? "" : " (stderr: " + tail + ")");
    log::Logger::instance().server(server_id_, log::Level::kError, "backend", reason);
  }
  mark_dead();
  fail_all(reason);
}

asio::awaitable<void> StdioConnection::read_stderr() {
  auto me = self();
  std::string buffer;
  boost::system::error_code ec;
  while (true) {
    size_t n = co_await asio::async_read_until(stderr_, asio::dynamic_buffer(buffer, 1u << 20), '\n',
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    std::string line = buffer.substr(0, n - 1);
    buffer.erase(0, n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    log::Logger::instance().server(server_id_, log::Level::kInfo, "backend", "[stderr] " + line);
    std::lock_guard lock(tail_mutex_);
    stderr_tail_.push_back(std::move(line));
    if (stderr_tail_.size() > kStderrTail) stderr_tail_.pop_front();
  }
}

void StdioConnection::close() {
  if (!alive_) return;
  mark_dead();
  asio::post(strand_, [me = self()] {
    boost::system::error_code ec;
    me->stdin_.close(ec);
    me->stdout_.close(ec);  // a stray descendant holding the pipes must not keep the readers alive
    me->stderr_.close(ec);
    me->fail_all("backend " + me->server_id_ + " connection closed");
  });
}

std::string StdioConnection::recent_stderr() const {
  std::lock_guard lock(tail_mutex_);
  std::string out;
  for (const auto& l : stderr_tail_) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace awmg::backend
