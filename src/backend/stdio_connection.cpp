#include "backend/stdio_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "base/version.hpp"
#include "log/logger.hpp"
#include "log/rpc_log.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::backend {

namespace asio = boost::asio;

namespace {

constexpr size_t kMaxLine = 64u << 20;  // a backend line larger than this ends the connection
constexpr size_t kStderrTail = 20;

std::string initialize_params() {
  return R"({"protocolVersion":")" + std::string(mcp::kLatestProtocolVersion) +
         R"(","capabilities":{},"clientInfo":{"name":"awmg","version":)" +
         json::quote(base::version_string()) + "}}";
}

// `_meta.progressToken` of a request's params, as JSON text ("" when absent).
std::string progress_token(const std::string& params) {
  if (params.find("progressToken") == std::string::npos) return "";
  auto doc = json::parse(params);
  if (!doc) return "";
  const json::Value* meta = json::member(*doc, "_meta");
  const json::Value* token = meta ? json::member(*meta, "progressToken") : nullptr;
  return token ? json::to_string(*token) : "";
}

}  // namespace

StdioConnection::StdioConnection(asio::io_context& io, Options options, SpawnedProcess process)
    : options_(std::move(options)),
      process_(process),
      strand_(asio::make_strand(io)),
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
  auto process = spawn_process(options.argv, options.env);
  if (!process) co_return Error{"failed to start " + options.server_id + ": " + process.error().message};
  auto conn = std::make_shared<StdioConnection>(io, options, *process);
  conn->begin_reading();
  const std::string method = "initialize", params = initialize_params();
  const std::shared_ptr<EventBox> no_events;
  auto reply = co_await conn->call(method, params, deadline, no_events);
  if (!reply || reply->error_code) {
    std::string why = !reply ? reply.error().message : "initialize failed: " + reply->error_message;
    std::string tail = conn->recent_stderr();
    conn->close();
    co_return Error{why + (tail.empty() ? "" : "; stderr: " + tail)};
  }
  conn->initialize_result_ = reply->result;
  conn->notify("notifications/initialized", "");
  co_return conn;
}

void StdioConnection::begin_reading() {
  auto self = shared_from_this();
  asio::co_spawn(
      strand_, [self]() { return self->read_stdout(); }, asio::detached);
  asio::co_spawn(
      strand_, [self]() { return self->read_stderr(); }, asio::detached);
}

asio::awaitable<Result<RpcReply>> StdioConnection::call(const std::string& method, const std::string& params,
                                                        Deadline deadline,
                                                        const std::shared_ptr<EventBox>& events) {
  auto executor = co_await asio::this_coro::executor;
  auto reply = async::Mailbox<Result<RpcReply>>::create(executor);
  int64_t id = ++next_id_;
  std::string token = events ? progress_token(params) : "";
  std::string line = mcp::request_message(std::to_string(id), method, params);
  log::write_rpc_record({"OUT", options_.server_id, method, mcp::notification_message(method, params), "",
                         options_.tags ? options_.tags() : std::nullopt});
  asio::post(strand_,
             [self = shared_from_this(), id, reply, events, token, line = std::move(line)]() mutable {
               if (!self->alive_) {
                 reply->push(Error{self->exit_reason_});
                 return;
               }
               self->pending_[id] = Pending{reply, events, token};
               self->send_line(std::move(line));
             });
  auto answer = co_await reply->receive(deadline);
  if (answer) co_return std::move(*answer);
  asio::post(strand_, [self = shared_from_this(), id] { self->pending_.erase(id); });
  notify("notifications/cancelled", R"({"requestId":)" + std::to_string(id) + R"(,"reason":"timeout"})");
  co_return Error{"backend " + options_.server_id + " did not answer " + method + " in time"};
}

void StdioConnection::notify(std::string method, std::string params) {
  asio::post(strand_,
             [self = shared_from_this(), line = mcp::notification_message(method, params)]() mutable {
               if (self->alive_) self->send_line(std::move(line));
             });
}

void StdioConnection::send_line(std::string line) {
  line += '\n';
  write_queue_.push_back(std::move(line));
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(
      strand_, [self = shared_from_this()]() { return self->write_queued(); }, asio::detached);
}

asio::awaitable<void> StdioConnection::write_queued() {
  while (!write_queue_.empty()) {
    std::string batch;  // everything queued so far goes out in one write
    for (auto& l : write_queue_) batch += l;
    write_queue_.clear();
    boost::system::error_code ec;
    co_await asio::async_write(stdin_, asio::buffer(batch), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      exit_reason_ = "backend " + options_.server_id + " stopped reading its stdin: " + ec.message();
      mark_dead();
      fail_all(exit_reason_);
      break;
    }
  }
  writing_ = false;
}

asio::awaitable<void> StdioConnection::read_stdout() {
  auto self = shared_from_this();
  std::string buffer;
  boost::system::error_code ec;
  while (true) {
    size_t n = co_await asio::async_read_until(stdout_, asio::dynamic_buffer(buffer, kMaxLine), '\n',
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    handle_line(std::string_view(buffer.data(), n - 1));
    buffer.erase(0, n);
  }
  if (ec == asio::error::not_found) {
    exit_reason_ = "backend " + options_.server_id + " wrote a line longer than 64 MiB";
  } else if (alive_) {
    std::string tail = recent_stderr();
    exit_reason_ =
        "backend " + options_.server_id + " exited" + (tail.empty() ? "" : " (stderr: " + tail + ")");
    log::Logger::instance().server(options_.server_id, log::Level::kError, "backend", exit_reason_);
  }
  mark_dead();
  fail_all(exit_reason_);
}

asio::awaitable<void> StdioConnection::read_stderr() {
  auto self = shared_from_this();
  std::string buffer;
  boost::system::error_code ec;
  while (true) {
    size_t n = co_await asio::async_read_until(stderr_, asio::dynamic_buffer(buffer, 1u << 20), '\n',
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    std::string line = buffer.substr(0, n - 1);
    buffer.erase(0, n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    log::Logger::instance().server(options_.server_id, log::Level::kInfo, "backend", "[stderr] " + line);
    std::lock_guard lock(tail_mutex_);
    stderr_tail_.push_back(std::move(line));
    if (stderr_tail_.size() > kStderrTail) stderr_tail_.pop_front();
  }
}

void StdioConnection::handle_line(std::string_view line) {
  if (line.empty() || line == "\r") return;
  auto doc = json::parse(line);
  if (!doc) {
    log::Logger::instance().server(options_.server_id, log::Level::kWarn, "backend",
                                   "ignoring non-JSON line on stdout: " + std::string(line.substr(0, 200)));
    return;
  }
  switch (mcp::classify(*doc)) {
    case mcp::MessageKind::kResponse:
      handle_response(doc.value(), line);
      break;
    case mcp::MessageKind::kNotification:
      handle_notification(doc.value(), line);
      break;
    case mcp::MessageKind::kRequest:  // server->client requests are relayed by a later version
      send_line(mcp::error_message(json::to_string((*doc)["id"]), mcp::kMethodNotFound,
                                   "the gateway does not relay server-to-client requests"));
      break;
    case mcp::MessageKind::kInvalid:
      log::Logger::instance().server(
          options_.server_id, log::Level::kWarn, "backend",
          "ignoring invalid JSON-RPC message: " + std::string(line.substr(0, 200)));
  }
}

void StdioConnection::handle_response(const json::Value& message, std::string_view line) {
  const json::Value& id = message["id"];
  auto it = id.IsInt64() ? pending_.find(id.GetInt64()) : pending_.end();
  log::write_rpc_record(
      {"IN", options_.server_id, "", std::string(line), "", options_.tags ? options_.tags() : std::nullopt});
  if (it == pending_.end()) return;  // late answer to a call that timed out, or an id we never sent
  RpcReply reply;
  if (const json::Value* error = json::member(message, "error")) {
    const json::Value* code = json::member(*error, "code");
    reply.error_code = code && code->IsInt() ? code->GetInt() : mcp::kInternalError;
    reply.error_message = json::string_or(*error, "message", "unknown error");
  } else {
    reply.result = json::to_string(message["result"]);
  }
  it->second.reply->push(std::move(reply));
  pending_.erase(it);
}

void StdioConnection::handle_notification(const json::Value& message, std::string_view line) {
  std::string method = json::string_or(message, "method");
  if (method == "notifications/progress") {
    const json::Value* params = json::member(message, "params");
    const json::Value* token = params ? json::member(*params, "progressToken") : nullptr;
    std::string token_json = token ? json::to_string(*token) : "";
    for (auto& [id, p] : pending_) {
      if (p.events && !token_json.empty() && p.progress_token == token_json)
        p.events->push(Event{std::string(line)});
    }
  } else if (method == "notifications/message") {
    for (auto& [id, p] : pending_) {
      if (p.events) p.events->push(Event{std::string(line)});
    }
  }
}

void StdioConnection::fail_all(const std::string& reason) {
  for (auto& [id, p] : pending_) p.reply->push(Error{reason});
  pending_.clear();
}

void StdioConnection::close() {
  if (!alive_) return;
  mark_dead();
  asio::post(strand_, [self = shared_from_this()] {
    boost::system::error_code ec;
    self->stdin_.close(ec);
    self->stdout_.close(ec);  // a stray descendant holding the pipes must not keep the readers alive
    self->stderr_.close(ec);
    self->exit_reason_ = "backend " + self->options_.server_id + " connection closed";
    self->fail_all(self->exit_reason_);
  });
}

std::string StdioConnection::recent_stderr() const {
  std::lock_guard lock(tail_mutex_);
  std::string out;
  for (const auto& l : stderr_tail_) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace awmg::backend
