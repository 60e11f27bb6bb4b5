// awmg-demo-server: an MCP server over stdio (newline-delimited JSON-RPC 2.0) with a few tools.
// It needs no network and no Docker, so the demo config and the tests can run anywhere.
//
// Tools: echo {message}, add {a, b}, list_items {} (items labelled public/private), fail {message},
// sleep {ms}, progress {steps} (progress and log notifications), crash {} (exits mid-call).
// Flags for tests of a misbehaving backend: --silent (never answers), --garbage (a non-JSON line before every
// reply), --stderr-chatter (a stderr line per request). `--http PORT` serves Streamable HTTP on 127.0.0.1
// instead of stdio (the benchmark's HTTP backend; progress notifications are sent over stdio only).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "http_transport.hpp"

namespace {

using rapidjson::Document;
using rapidjson::Value;

const char* kTools = R"([
  {"name":"echo","description":"Returns the message it is given.",
   "inputSchema":{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}},
  {"name":"add","description":"Adds two numbers.",
   "inputSchema":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}},
  {"name":"list_items","description":"Lists demo items, some of them private.",
   "inputSchema":{"type":"object","properties":{}}},
  {"name":"fail","description":"Returns a tool error with the given message.",
   "inputSchema":{"type":"object","properties":{"message":{"type":"string"}}}},
  {"name":"sleep","description":"Waits ms milliseconds, then answers.",
   "inputSchema":{"type":"object","properties":{"ms":{"type":"number"}}}},
  {"name":"progress","description":"Sends progress and log notifications, then answers.",
   "inputSchema":{"type":"object","properties":{"steps":{"type":"number"}}}},
  {"name":"crash","description":"Exits in the middle of the call.","inputSchema":{"type":"object"}},
  {"name":"get_repository","description":"One repository of the demo organisation, with its visibility.",
   "inputSchema":{"type":"object","properties":{"owner":{"type":"string"},"repo":{"type":"string"}},"required":["owner","repo"]}},
  {"name":"list_issues","description":"The issues of one repository.",
   "inputSchema":{"type":"object","properties":{"owner":{"type":"string"},"repo":{"type":"string"}},"required":["owner","repo"]}},
  {"name":"search_repositories","description":"Repositories matching a query (repo:owner/name), with their visibility.",
   "inputSchema":{"type":"object","properties":{"query":{"type":"string"},"perPage":{"type":"number"}},"required":["query"]}},
  {"name":"search_issues","description":"Issues across every repository, public and private.",
   "inputSchema":{"type":"object","properties":{"query":{"type":"string"},"repeat":{"type":"number"}}}},
  {"name":"issue_read","description":"One issue.",
   "inputSchema":{"type":"object","properties":{"owner":{"type":"string"},"repo":{"type":"string"},"issue_number":{"type":"number"}},"required":["owner","repo","issue_number"]}},
  {"name":"create_issue","description":"Opens an issue.",
   "inputSchema":{"type":"object","properties":{"owner":{"type":"string"},"repo":{"type":"string"},"title":{"type":"string"}},"required":["owner","repo","title"]}}
])";

// A small "issues and repositories" world for the DIFC demo and tests: one public and one private repository
// of acme, one public repository of another owner.
struct Repository {
  const char* full_name;
  bool is_private;
};
const Repository kRepositories[] = {{"acme/website", false}, {"acme/infra", true}, {"other/tools", false}};

struct Issue {
  const char* repository;
  int number;
  const char* title;
  const char* author;
  const char* association;
};
const Issue kIssues[] = {
    {"acme/website", 1, "Broken link on the home page", "alice", "OWNER"},
    {"acme/website", 2, "Add a dark theme", "mallory", "NONE"},
    {"acme/infra", 3, "Rotate the database password", "bob", "MEMBER"},
    {"other/tools", 4, "Crash on start", "carol", "CONTRIBUTOR"},
};

struct Modes {
  bool silent = false;
  bool garbage = false;
  bool stderr_chatter = false;
};
Modes modes;

const char* kItems =
    R"([{"id":1,"title":"Public roadmap","private":false},{"id":2,"title":"Security report","private":true},)"
    R"({"id":3,"title":"Release notes","private":false}])";

std::string to_json(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

std::string quote(const std::string& s) {
  Value v(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return to_json(v);
}

std::string text_result(const std::string& text, bool is_error = false) {
  return R"({"content":[{"type":"text","text":)" + quote(text) + "}]" +
         (is_error ? R"(,"isError":true)" : "") + "}";
}

std::string number_text(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

std::string issue_json(const Issue& issue, int number_offset = 0) {
  return R"({"number":)" + std::to_string(issue.number + number_offset) + R"(,"title":)" +
         quote(issue.title) + R"(,"repository":)" + quote(issue.repository) + R"(,"user":{"login":)" +
         quote(issue.author) + R"(},"author_association":)" + quote(issue.association) +
         R"(,"html_url":"https://example.test/)" + issue.repository + "/issues/" +
         std::to_string(issue.number) + R"("})";
}

// search_repositories {query: "repo:owner/name"}: that repository, GitHub-shaped, if it exists.
std::string search_repositories(const std::string& query) {
  std::string items;
  for (const auto& r : kRepositories) {
    if (query == std::string("repo:") + r.full_name)
      items = R"({"full_name":)" + quote(r.full_name) + R"(,"private":)" + (r.is_private ? "true" : "false") +
              R"(,"visibility":)" + (r.is_private ? "\"private\"" : "\"public\"") + "}";
  }
  return text_result(R"({"total_count":)" + std::string(items.empty() ? "0" : "1") + R"(,"items":[)" + items +
                     "]}");
}

// The repository tools; an empty string when `name` is not one of them.
// search_issues repeats the issues `repeat` times (renumbered), for benchmarks that need bigger responses.
std::string repository_tool(const std::string& name, const std::string& full_name, int number, int repeat) {
  const Repository* repo = nullptr;
  for (const auto& r : kRepositories) {
    if (full_name == r.full_name) repo = &r;
  }
  if (name == "search_issues") {
    std::string items;
    for (int k = 0; k < std::max(1, repeat); ++k) {
      for (const auto& issue : kIssues) items += (items.empty() ? "" : ",") + issue_json(issue, 10 * k);
    }
    return text_result(R"({"total_count":)" + std::to_string(std::size(kIssues) * std::max(1, repeat)) +
                       R"(,"items":[)" + items + "]}");
  }
  if (name != "get_repository" && name != "list_issues" && name != "issue_read" && name != "create_issue")
    return "";
  if (!repo) return text_result("repository " + full_name + " not found", true);
  if (name == "get_repository") {
    return text_result(R"({"full_name":)" + quote(repo->full_name) + R"(,"private":)" +
                       (repo->is_private ? "true" : "false") + "}");
  }
  if (name == "create_issue") {
    return text_result(R"({"number":100,"html_url":"https://example.test/)" + full_name + R"(/issues/100"})");
  }
  std::string items;
  for (const auto& issue : kIssues) {
    if (full_name != issue.repository || (name == "issue_read" && issue.number != number)) continue;
    if (name == "issue_read") return text_result(issue_json(issue));
    items += (items.empty() ? "" : ",") + issue_json(issue);
  }
  if (name == "issue_read") return text_result("issue not found", true);
  return text_result(R"({"items":[)" + items + "]}");
}

// Returns the JSON result of a tools/call, or an empty string for an unknown tool.
std::string call_tool(const std::string& name, const Value& args) {
  auto str = [&](const char* key) {
    auto it = args.IsObject() ? args.FindMember(key) : args.MemberEnd();
    return args.IsObject() && it != args.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString())
               : std::string();
  };
  auto num = [&](const char* key, bool& ok) {
    auto it = args.IsObject() ? args.FindMember(key) : args.MemberEnd();
    ok = args.IsObject() && it != args.MemberEnd() && it->value.IsNumber();
    return ok ? it->value.GetDouble() : 0.0;
  };
  if (name == "echo") return text_result(str("message"));
  if (name == "add") {
    bool ok_a = false, ok_b = false;
    double sum = num("a", ok_a) + num("b", ok_b);
    return ok_a && ok_b ? text_result(number_text(sum)) : text_result("a and b must be numbers", true);
  }
  if (name == "list_items") return text_result(kItems);
  if (name == "fail") return text_result(str("message").empty() ? "failed" : str("message"), true);
  if (name == "sleep") {
    bool ok = false;
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(num("ms", ok))));
    return text_result("slept");
  }
  if (name == "crash") std::exit(3);
  if (name == "search_repositories") return search_repositories(str("query"));
  bool has_number = false;
  int number = static_cast<int>(num("issue_number", has_number));
  int repeat = static_cast<int>(num("repeat", has_number));
  if (std::string result = repository_tool(name, str("owner") + "/" + str("repo"), number, repeat);
      !result.empty())
    return result;
  return "";
}

// progress {steps}: notifications about the call before its result.
std::string progress_tool(const Value& params, const Value& args) {
  bool ok = false;
  auto it = args.IsObject() ? args.FindMember("steps") : args.MemberEnd();
  ok = args.IsObject() && it != args.MemberEnd() && it->value.IsNumber();
  int steps = ok ? it->value.GetInt() : 3;
  std::string token;
  if (params.IsObject() && params.HasMember("_meta") && params["_meta"].IsObject() &&
      params["_meta"].HasMember("progressToken")) {
    token = to_json(params["_meta"]["progressToken"]);
  }
  for (int i = 1; i <= steps; ++i) {
    if (!token.empty()) {
      std::cout << R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" << token
                << R"(,"progress":)" << i << R"(,"total":)" << steps << "}}\n";
    }
    std::cout << R"({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"step )"
              << i << "\"}}\n"
              << std::flush;
  }
  return text_result("done after " + std::to_string(steps) + " steps");
}

std::string error_reply(const std::string& id, int code, const std::string& message) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"error":{"code":)" + std::to_string(code) + R"(,"message":)" +
         quote(message) + "}}";
}

std::string result_reply(const std::string& id, const std::string& result) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + result + "}";
}

std::string handle(const Document& msg) {
  if (!msg.IsObject() || !msg.HasMember("method") || !msg["method"].IsString()) {
    return msg.IsObject() && msg.HasMember("id") ? error_reply(to_json(msg["id"]), -32600, "invalid request")
                                                 : "";
  }
  std::string method = msg["method"].GetString();
  if (!msg.HasMember("id")) return "";  // a notification
  std::string id = to_json(msg["id"]);
  const Value empty(rapidjson::kObjectType);
  const Value& params = msg.HasMember("params") ? msg["params"] : empty;
  if (method == "initialize") {
    std::string version =
        params.IsObject() && params.HasMember("protocolVersion") && params["protocolVersion"].IsString()
            ? params["protocolVersion"].GetString()
            : "2025-11-25";
    return result_reply(id, R"({"protocolVersion":)" + quote(version) +
                                R"(,"capabilities":{"tools":{"listChanged":false}},)"
                                R"("serverInfo":{"name":"awmg-demo-server","version":"1.0.0"}})");
  }
  if (method == "ping") return result_reply(id, "{}");
  if (method == "tools/list") {
    static const std::string tools = [] {  // one line: the transport is newline-delimited
      Document d;
      d.Parse(kTools);
      return to_json(d);
    }();
    return result_reply(id, R"({"tools":)" + tools + "}");
  }
  if (method == "tools/call") {
    std::string name = params.IsObject() && params.HasMember("name") && params["name"].IsString()
                           ? params["name"].GetString()
                           : "";
    const Value& args = params.IsObject() && params.HasMember("arguments") ? params["arguments"] : empty;
    std::string result = name == "progress" ? progress_tool(params, args) : call_tool(name, args);
    return result.empty() ? error_reply(id, -32602, "unknown tool \"" + name + "\"")
                          : result_reply(id, result);
  }
  return error_reply(id, -32601, "method not found: " + method);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    modes.silent |= flag == "--silent";
    modes.garbage |= flag == "--garbage";
    modes.stderr_chatter |= flag == "--stderr-chatter";
  }
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) != "--http") continue;
    return serve_http(std::atoi(argv[i + 1]), [](const std::string& text) {
      Document msg;
      msg.Parse(text.c_str(), text.size());
      return msg.HasParseError() ? error_reply("null", -32700, "parse error") : handle(msg);
    });
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty() || modes.silent) continue;
    if (modes.stderr_chatter) std::cerr << "request: " << line.substr(0, 60) << std::endl;
    if (modes.garbage) std::cout << "this is not JSON {" << '\n';
    Document msg;
    msg.Parse(line.c_str(), line.size());
    std::string reply = msg.HasParseError() ? error_reply("null", -32700, "parse error") : handle(msg);
    if (!reply.empty()) std::cout << reply << '\n' << std::flush;
  }
  std::fprintf(stderr, "awmg-demo-server: stdin closed, exiting\n");
  return 0;
}
