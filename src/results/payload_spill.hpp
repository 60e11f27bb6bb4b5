#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/result.hpp"

namespace awmg::results {

// Tool results too large for an MCP response are written to disk and replaced by a description the agent can
// act on: where the file is, its size, a preview and the shape of its JSON. Files live in
// <dir>/<session>/<query>/payload.json (directories 0700, files 0600, written whole under a temporary name
// and renamed, so a file that exists is complete). The directory must be a real directory of this user (not a
// symbolic link, not someone else's): anything else is refused. Payloads older than `retention` are removed
// (0: kept forever).
struct SpillOptions {
  std::string dir;
  std::string path_prefix;  // the directory as the agent sees it ("" = `dir`)
  int64_t threshold = 524288;
  std::chrono::seconds retention{24 * 3600};
};

class PayloadSpill {
 public:
  explicit PayloadSpill(SpillOptions options);

  // `result` (an MCP tool result, JSON) as the client gets it: unchanged when small enough or an error
  // result; else the description of the file it was written to, or an error result saying why it could not
  // be.
  std::string process(const std::string& session, const std::string& result);

  const SpillOptions& options() const { return options_; }

 private:
  Result<std::string> write(const std::string& session, const std::string& query, const std::string& data);
  void sweep();  // removes expired payloads, at most once a minute

  SpillOptions options_;
  std::mutex sweep_mutex_;
  std::chrono::steady_clock::time_point last_sweep_{};
};

// The shape of a JSON value: objects map keys to shapes, arrays become [shape of the first element] (or []),
// scalars their type name ("string", "number", "boolean", "null").
std::string infer_schema(const std::string& json);

// The first `limit` bytes of `text`, cut back to a UTF-8 boundary, with "..." when cut.
std::string preview(const std::string& text, size_t limit);

}  // namespace awmg::results
