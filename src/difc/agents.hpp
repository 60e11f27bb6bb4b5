#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "difc/labels.hpp"

namespace awmg::difc {

// The labels of every agent: created empty on first use, shared by all servers of the
// agent's session. Thread-safe.
class AgentRegistry {
 public:
  Labels get(const std::string& agent);
  std::optional<Labels> find(const std::string& agent) const;  // without creating it
  // label_agent results are unioned in: guards can only add tags, never remove them.
  void add(const std::string& agent, const Labels& labels);
  // Propagate mode after a read: secrecy grows by the data's secrecy, integrity shrinks to what the data had
  // (an empty data integrity clears the agent's).
  void accumulate_read(const std::string& agent, const Labels& data);
  std::map<std::string, Labels> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Labels> agents_;
};

}  // namespace awmg::difc
