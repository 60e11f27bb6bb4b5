#include "results/jq_filters.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "async/blocking.hpp"
#include "backend/process.hpp"
#include "results/jq_worker.hpp"

namespace awmg::results {

namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Moves `size` bytes through `fd` (writing or reading) before the deadline; false on timeout or a closed
// pipe.
bool transfer(int fd, char* data, size_t size, bool writing, Clock::time_point deadline) {
  while (size > 0) {
    pollfd p{fd, static_cast<short>(writing ? POLLOUT : POLLIN), 0};
    int ready = ::poll(&p, 1, millis_left(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    ssize_t n = writing ? ::write(fd, data, size) : ::read(fd, data, size);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

JqFilters::JqFilters(std::string program) : program_(std::move(program)) {}

void JqFilters::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (int pid : live_) ::kill(-pid, SIGKILL);  // a call still waiting for its filter ends at once
  }
  idle_changed_.notify_all();
}

JqFilters::~JqFilters() {
  stop();
  threads_.join();
  for (auto& worker : idle_) kill(worker);
}

void JqFilters::kill(Worker& worker) {
  if (worker.in >= 0) ::close(worker.in);
  if (worker.out >= 0) ::close(worker.out);
  if (worker.pid > 0) {
    backend::terminate_process(worker.pid, 0);
    std::lock_guard lock(mutex_);
    live_.erase(std::remove(live_.begin(), live_.end(), worker.pid), live_.end());
  }
  worker = Worker{};
}

Result<JqFilters::Worker> JqFilters::take(Clock::time_point deadline) {
  {
    std::unique_lock lock(mutex_);
    bool free = idle_changed_.wait_until(lock, deadline,
                                         [&] { return stopping_ || !idle_.empty() || running_ < kWorkers; });
    if (stopping_) return Error{"the gateway is stopping"};
    if (!free || Clock::now() >= deadline)
      return Error{"the filter did not run before its deadline (every jq worker was busy)"};
    if (!idle_.empty()) {
      Worker worker = idle_.back();
      idle_.pop_back();
      return worker;
    }
    ++running_;
  }
  // No environment: a filter must not read the gateway's secrets ($ENV), however it is spelled.
  auto spawned = backend::spawn_process({program_, "__jq-worker"}, {}, false);
  if (!spawned) {
    std::lock_guard lock(mutex_);
    --running_;
    idle_changed_.notify_one();
    return Error{"cannot start a jq worker: " + spawned.error().message};
  }
  ::close(spawned->stderr_fd);
  std::lock_guard lock(mutex_);
  live_.push_back(spawned->pid);
  return Worker{spawned->pid, spawned->stdin_fd, spawned->stdout_fd};
}

void JqFilters::give_back(Worker worker) {
  std::lock_guard lock(mutex_);
  if (worker.pid > 0) {
    idle_.push_back(worker);
  } else {
    --running_;
  }
  idle_changed_.notify_one();
}

Result<std::string> JqFilters::run_blocking(const std::string& filter, const std::string& input,
                                            Clock::time_point deadline) {
  AWMG_TRY(Worker worker, take(deadline));
  std::string request = jq_request(filter, input);
  char head[5];
  bool ok = transfer(worker.in, request.data(), request.size(), true, deadline) &&
            transfer(worker.out, head, sizeof head, false, deadline);
  uint32_t size = 0;
  std::memcpy(&size, head + 1, sizeof size);
  std::string body;
  if (ok && size <= kMaxJqFrame) {
    body.resize(size);
    ok = transfer(worker.out, body.data(), size, false, deadline);
  } else {
    ok = false;
  }
  if (!ok) {
    bool late = Clock::now() >= deadline;
    kill(worker);  // a worker in an unknown state, or still in the filter, is not used again
    give_back(worker);
    return Error{late ? "the filter did not finish before its deadline" : "the jq worker failed"};
  }
  give_back(worker);
  if (head[0] != 0) return Error{body};
  return body;
}

boost::asio::awaitable<Result<std::string>> JqFilters::run(const std::string& filter,
                                                           const std::string& input,
                                                           const Clock::time_point& deadline) {
  Result<std::string> out = Error{"the filter did not run"};
  std::function<void()> work = [&] { out = run_blocking(filter, input, deadline); };
  co_await async::run_blocking(threads_, work);
  co_return out;
}

}  // namespace awmg::results
