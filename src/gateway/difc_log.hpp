#pragma once
#include <string>
#include <vector>

#include "difc/labeled_data.hpp"

namespace awmg::gateway {

// The filtered items of one response, logged: per item an INFO line `[DIFC-FILTERED]
// <json>` in the unified and the server's log, and a `difc-filtered/v2` record in rpc-messages.jsonl with
// what the item's data says of its author, URL, number and commit. One write per file for the whole response.
void log_filtered_items(const std::string& server_id, const std::string& tool,
                        const std::vector<difc::Filtered>& filtered);

// A call DIFC refused, for the run's summary: a WARN entry in gateway.md (the GitHub step summary) naming the
// server, the tool and `summary` (the reason; never the agent id, which may be a key). Returns the tool error
// result the agent gets, with `text`.
std::string difc_denial(const std::string& server_id, const std::string& tool, const std::string& text,
                        const std::string& summary = "");

}  // namespace awmg::gateway
