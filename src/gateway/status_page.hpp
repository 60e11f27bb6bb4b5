#pragma once
#include <string>

#include "backend/server_status.hpp"
#include "gateway/decision_log.hpp"

namespace awmg::gateway {

// The live status page (/status): a self-contained HTML page (no external assets) whose script reads the API
// key from the URL's fragment (#key=..., never sent to the server) or asks for it, then polls /status.json
// with it every second.
const std::string& status_page_html();
// Its Content-Security-Policy: its own script only (by hash), no frames, no other origin.
const std::string& status_page_policy();

// /status.json: servers and their states, open sessions, the latest DIFC decisions.
std::string status_document(const std::map<std::string, backend::ServerHealth>& servers,
                            const std::map<std::string, std::string>& circuits, size_t sessions,
                            const DecisionLog& decisions);

}  // namespace awmg::gateway
