#pragma once
#include <string>
#include <vector>

#include "difc/labeled_data.hpp"

namespace awmg::gateway {

// The filtered items of one response, logged (spec guard-difc §5.8): per item an INFO line `[DIFC-FILTERED]
// <json>` in the unified and the server's log, and a `difc-filtered/v2` record in rpc-messages.jsonl with
// what the item's data says of its author, URL, number and commit. One write per file for the whole response.
void log_filtered_items(const std::string& server_id, const std::string& tool,
                        const std::vector<difc::Filtered>& filtered);

}  // namespace awmg::gateway
