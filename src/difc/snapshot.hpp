#pragma once
#include <string>

#include "difc/agents.hpp"
#include "difc/evaluator.hpp"

namespace awmg::difc {

// The /reflect body: every agent's labels (tags sorted), the default mode, and `utc_time`
// (YYYY-MM-DDTHH:MM:SSZ).
std::string snapshot_document(const AgentRegistry& agents, Mode mode, const std::string& utc_time);

}  // namespace awmg::difc
