#pragma once
#include <string>

#include "difc/labeled_data.hpp"

namespace awmg::gateway {

// One filtered item, logged (spec guard-difc §5.8): an INFO line `[DIFC-FILTERED] <json>` in the unified and
// the server's log, and a `difc-filtered/v2` record in rpc-messages.jsonl with what the item's data says of
// its author, URL, number and commit.
void log_filtered_item(const std::string& server_id, const std::string& tool, const difc::Filtered& filtered);

}  // namespace awmg::gateway
