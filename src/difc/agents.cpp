#include "difc/agents.hpp"

namespace awmg::difc {

Labels AgentRegistry::get(const std::string& agent) {
  std::lock_guard lock(mutex_);
  return agents_[agent];
}

std::optional<Labels> AgentRegistry::find(const std::string& agent) const {
  std::lock_guard lock(mutex_);
  auto it = agents_.find(agent);
  if (it == agents_.end()) return std::nullopt;
  return it->second;
}

void AgentRegistry::add(const std::string& agent, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Labels& current = agents_[agent];
  current.secrecy.add_all(labels.secrecy);
  current.integrity.add_all(labels.integrity);
}

void AgentRegistry::accumulate_read(const std::string& agent, const Labels& data) {
  std::lock_guard lock(mutex_);
  Labels& current = agents_[agent];
  current.secrecy.add_all(data.secrecy);
  current.integrity.intersect(data.integrity);
}

std::map<std::string, Labels> AgentRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  return agents_;
}

}  // namespace awmg::difc
