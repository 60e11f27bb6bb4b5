#include "gateway/status_page.hpp"

#include "base/digest.hpp"
#include "base/version.hpp"
#include "json/json.hpp"

namespace awmg::gateway {

namespace {

// The page's one script, for its hash in the Content-Security-Policy.
std::string script_of(const std::string& page) {
  auto start = page.find("<script>") + 8;
  return page.substr(start, page.find("</script>") - start);
}

}  // namespace

const std::string& status_page_policy() {
  static const std::string policy = "default-src 'none'; script-src 'sha256-" +
                                    base::sha256_base64(script_of(status_page_html())) +
                                    "'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; "
                                    "frame-ancestors 'none'; base-uri 'none'";
  return policy;
}

const std::string& status_page_html() {
  static const std::string page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>awmg status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1f2328;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:1.5em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.running,.allowed,.closed{color:#1a7f37}.error,.denied,.open{color:#cf222e}.starting,.filtered{color:#9a6700}
#state{color:#57606a}form{margin:1em 0}
</style></head><body>
<h1>awmg status</h1><div id="state">connecting…</div>
<form id="login" hidden><label>API key <input id="key" type="password" autocomplete="off"></label> <button>Show</button></form>
<h2>Servers</h2><table><thead><tr><th>server</th><th>state</th><th>circuit</th><th>uptime (s)</th><th>last error</th></tr></thead><tbody id="servers"></tbody></table>
<h2>Recent DIFC decisions</h2><table><thead><tr><th>time</th><th>agent</th><th>server</th><th>tool</th><th>decision</th><th>reason</th></tr></thead><tbody id="decisions"></tbody></table>
<script>
"use strict";
let key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
if (location.hash) history.replaceState(null, "", location.pathname);  // the key leaves the address bar
function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; }
function render(s) {
  document.getElementById("state").textContent =
      "gateway " + s.gatewayVersion + " \u2014 " + s.sessions + " open session(s) \u2014 updated " + new Date().toLocaleTimeString();
  const servers = document.getElementById("servers"); servers.replaceChildren();
  for (const [id, v] of Object.entries(s.servers)) {
    const r = servers.insertRow();
    cell(r, id); cell(r, v.status + (v.retries ? " (retry " + v.retries + ")" : ""), v.status);
    cell(r, v.circuit || "", v.circuit); cell(r, String(v.uptime)); cell(r, v.error || "");
  }
  const decisions = document.getElementById("decisions"); decisions.replaceChildren();
  for (const d of s.decisions.slice().reverse()) {
    const r = decisions.insertRow();
    cell(r, d.time); cell(r, d.agent); cell(r, d.server); cell(r, d.tool);
    cell(r, d.decision, d.decision.includes("filtered") ? "filtered" : d.decision); cell(r, d.reason);
  }
}
async function poll() {
  if (!key) { document.getElementById("login").hidden = false; document.getElementById("state").textContent = "API key needed"; return; }
  try {
    const answer = await fetch("/status.json", {headers: {"Authorization": key}, cache: "no-store"});
    if (answer.status === 401) { key = ""; return poll(); }
    render(await answer.json());
  } catch (e) { document.getElementById("state").textContent = "gateway unreachable: " + e; }
  setTimeout(poll, 1000);
}
document.getElementById("login").addEventListener("submit", e => {
  e.preventDefault(); key = document.getElementById("key").value;
  document.getElementById("login").hidden = true; poll();
});
poll();
</script></body></html>
)html";
  return page;
}

std::string status_document(const std::map<std::string, backend::ServerHealth>& servers,
                            const std::map<std::string, std::string>& circuits, size_t sessions,
                            const DecisionLog& decisions) {
  std::string out = R"({"gatewayVersion":)" + json::quote(base::version_string()) + R"(,"sessions":)" +
                    std::to_string(sessions) + R"(,"servers":{)";
  bool first = true;
  for (const auto& [id, h] : servers) {
    out += (first ? "" : ",") + json::quote(id) + R"(:{"status":)" + json::quote(h.status) + R"(,"uptime":)" +
           std::to_string(h.uptime_seconds) + R"(,"retries":)" + std::to_string(h.retries) + R"(,"error":)" +
           json::quote(h.error);
    if (auto circuit = circuits.find(id); circuit != circuits.end())
      out += R"(,"circuit":)" + json::quote(circuit->second);
    out += "}";
    first = false;
  }
  out += R"(},"decisions":[)";
  first = true;
  for (const auto& d : decisions.since(0)) {
    out += std::string(first ? "" : ",") + R"({"time":)" + json::quote(d.time) + R"(,"agent":)" +
           json::quote(d.agent) + R"(,"server":)" + json::quote(d.server) + R"(,"tool":)" +
           json::quote(d.tool) + R"(,"decision":)" + json::quote(d.decision) + R"(,"reason":)" +
           json::quote(d.reason) + "}";
    first = false;
  }
  return out + "]}";
}

}  // namespace awmg::gateway
