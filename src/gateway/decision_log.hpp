#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace awmg::gateway {

// The latest DIFC decisions on tool calls, for the live status page: when, which agent, server and tool, what
// was decided and why. Never tool data or arguments; reasons pass the secret sanitizer. Thread-safe, bounded.
class DecisionLog {
 public:
  static constexpr size_t kKept = 200;
  struct Entry {
    uint64_t sequence = 0;
    std::string time;  // RFC 3339, UTC
    std::string agent, server, tool, decision, reason;
  };
  void record(const std::string& agent, const std::string& server, const std::string& tool,
              const std::string& decision, const std::string& reason);
  // Entries after `sequence` (0: all kept), oldest first.
  std::vector<Entry> since(uint64_t sequence) const;

 private:
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
  uint64_t next_ = 0;
};

}  // namespace awmg::gateway
