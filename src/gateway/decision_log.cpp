#include "gateway/decision_log.hpp"

#include "log/logger.hpp"
#include "log/sanitizer.hpp"

namespace awmg::gateway {

namespace {

// At most 500 bytes, cut on a character (after the sanitizer has seen the whole text).
std::string shortened(std::string text) {
  if (text.size() <= 500) return text;
  size_t cut = 500;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace

void DecisionLog::record(const std::string& agent, const std::string& server, const std::string& tool,
                         const std::string& decision, const std::string& reason) {
  Entry entry{0,
              log::timestamp(std::chrono::system_clock::now()),
              log::short_session_id(agent),
              server,
              tool,
              decision,
              shortened(log::sanitize(reason))};
  std::lock_guard lock(mutex_);
  entry.sequence = ++next_;
  entries_.push_back(std::move(entry));
  if (entries_.size() > kKept) entries_.pop_front();
}

std::vector<DecisionLog::Entry> DecisionLog::since(uint64_t sequence) const {
  std::lock_guard lock(mutex_);
  std::vector<Entry> out;
  for (const auto& e : entries_)
    if (e.sequence > sequence) out.push_back(e);
  return out;
}

}  // namespace awmg::gateway
