#include "gateway/difc_log.hpp"

#include "mcp/jsonrpc.hpp"

#include <chrono>

#include "json/json.hpp"
#include "log/logger.hpp"
#include "log/sanitizer.hpp"

namespace awmg::gateway {
namespace {

std::string tag_array(const difc::Label& label) {
  std::string out = "[";
  for (const auto& tag : label.tags()) out += (out.size() > 1 ? "," : "") + json::quote(tag);
  return out + "]";
}

// Fields copied from the item's data when present (GitHub's shapes, REST and GraphQL spellings).
std::string item_metadata(const std::string& data) {
  auto doc = json::parse(data);
  if (!doc || !doc->IsObject()) return "";
  std::string out;
  auto copy = [&](const char* key, const json::Value* value) {
    if (value && (value->IsString() || value->IsNumber()))
      out += "," + json::quote(key) + ":" + json::to_string(*value);
  };
  const json::Value* association = json::member(*doc, "author_association");
  copy("author_association", association ? association : json::member(*doc, "authorAssociation"));
  const json::Value* user = json::member(*doc, "user");
  if (!user) user = json::member(*doc, "author");
  copy("author_login", user && user->IsObject() ? json::member(*user, "login") : nullptr);
  const json::Value* url = json::member(*doc, "html_url");
  copy("html_url", url ? url : json::member(*doc, "htmlUrl"));
  copy("number", json::member(*doc, "number"));
  copy("sha", json::member(*doc, "sha"));
  return out;
}

}  // namespace

void log_filtered_items(const std::string& server_id, const std::string& tool,
                        const std::vector<difc::Filtered>& filtered) {
  if (filtered.empty()) return;
  std::vector<std::string> lines;
  std::string records;
  std::string now = json::quote(log::timestamp(std::chrono::system_clock::now()));
  for (const difc::Filtered& f : filtered) {
    const difc::Item& item = *f.item;
    std::string fields = log::sanitize(
        R"("server_id":)" + json::quote(server_id) + R"(,"tool_name":)" + json::quote(tool) +
        R"(,"description":)" + json::quote(item.labels.description) + R"(,"reason":)" +
        json::quote(f.reason) + R"(,"secrecy_tags":)" + tag_array(item.labels.labels.secrecy) +
        R"(,"integrity_tags":)" + tag_array(item.labels.labels.integrity) + item_metadata(item.data));
    lines.push_back("[DIFC-FILTERED] {" + fields + "}");
    records += (records.empty() ? "" : "\n") + std::string(R"({"timestamp":)") + now +
               R"(,"event":"difc_filtered","_schema":"difc-filtered/v2",)" + fields + "}";
  }
  log::Logger::instance().server_lines(server_id, log::Level::kInfo, "difc", lines);
  log::Logger::instance().markdown(log::Level::kInfo, "difc",
                                   "filtered " + std::to_string(filtered.size()) + " item(s) from `" +
                                       server_id + "/" + tool + "` (" + difc::filtering_policy(filtered) +
                                       ")");
  log::Logger::instance().jsonl(records);
}

std::string difc_denial(const std::string& server_id, const std::string& tool, const std::string& text,
                        const std::string& summary) {
  log::Logger::instance().markdown(
      log::Level::kWarn, "difc",
      "denied `" + server_id + "/" + tool + "`: " + (summary.empty() ? text : summary));
  return mcp::tool_error_result(text);
}

}  // namespace awmg::gateway
