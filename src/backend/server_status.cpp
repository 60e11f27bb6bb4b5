#include "backend/server_status.hpp"

namespace awmg::backend {

ServerStatus::ServerStatus(const std::vector<std::string>& server_ids) {
  for (const auto& id : server_ids) entries_[id];
}

void ServerStatus::record_start(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto& e = entries_[id];
  e.error.clear();
  e.retries = 0;
  if (!e.started) e.started = std::chrono::steady_clock::now();
}

void ServerStatus::record_error(const std::string& id, const std::string& error) {
  std::lock_guard lock(mutex_);
  entries_[id].error = error.empty() ? "unknown error" : error;
}

void ServerStatus::record_starting(const std::string& id, bool starting) {
  std::lock_guard lock(mutex_);
  entries_[id].starting = starting;
}

void ServerStatus::record_retry(const std::string& id, int attempt) {
  std::lock_guard lock(mutex_);
  entries_[id].retries = attempt;
}

void ServerStatus::record_down(const std::string& id, const std::string& why, bool was_running) {
  std::lock_guard lock(mutex_);
  auto& e = entries_[id];
  e.down = why.empty() ? "unknown error" : why;
  e.error.clear();  // from now on: what the attempts to start it again say
  e.retries = 0;
  if (was_running) ++e.restarts;
}

void ServerStatus::record_recovered(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto& e = entries_[id];
  e.down.reset();
  e.error.clear();
  e.retries = 0;
  e.started = std::chrono::steady_clock::now();
}

std::optional<std::string> ServerStatus::down(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? std::nullopt : it->second.down;
}

void ServerStatus::record_stop(const std::string& id) {
  std::lock_guard lock(mutex_);
  entries_[id] = Entry{};
}

std::map<std::string, ServerHealth> ServerStatus::snapshot() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, ServerHealth> out;
  auto now = std::chrono::steady_clock::now();
  for (const auto& [id, e] : entries_) {
    ServerHealth h;
    h.restarts = e.restarts;
    h.ever_started = e.started.has_value();
    if (e.down) {
      h.status = "restarting";
      h.error = e.error.empty() ? *e.down : *e.down + "; last attempt: " + e.error;
      h.retries = e.retries;
    } else if (!e.error.empty()) {
      h.status = "error";
      h.error = e.error;
      h.retries = e.retries;
    } else if (e.started) {
      h.status = "running";
      h.uptime_seconds = std::chrono::duration_cast<std::chrono::seconds>(now - *e.started).count();
    } else {
      h.status = e.starting ? "starting" : "stopped";
    }
    out[id] = h;
  }
  return out;
}

}  // namespace awmg::backend
