#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace awmg::log {

enum class Level { kInfo, kWarn, kError, kDebug };
const char* level_name(Level level);

// `[YYYY-MM-DDTHH:MM:SS.mmmZ] [LEVEL] [category] message`.
std::string format_line(std::chrono::system_clock::time_point when, Level level, std::string_view category,
                        std::string_view message);
// RFC 3339 UTC with milliseconds, as in the text lines and JSONL records.
std::string timestamp(std::chrono::system_clock::time_point when);

// One markdown entry of gateway.md, without the trailing newline.
std::string format_markdown(Level level, std::string_view category, std::string_view message);

// The process's log set in one directory: mcp-gateway.log, <server>.log, gateway.md and
// rpc-messages.jsonl. Every message is sanitized before it is written. Thread-safe. Lines are not written on
// the caller's thread: a writer thread writes what gathered every kFlushDelay (and at close), one write per
// file, flushed, not fsynced; a process that dies unexpectedly loses at most that window. A file that gathers
// kMaxPending bytes is written by the caller instead, so memory stays bounded and nothing is dropped. Before
// open(), and when the directory cannot be created, text lines go to stderr at once.
class Logger {
 public:
  static constexpr auto kFlushDelay = std::chrono::milliseconds(10);
  static constexpr size_t kMaxPending = 4u << 20;

  static Logger& instance();
  Logger();
  ~Logger();

  // Creates the directory and opens the files. On failure the unified log falls back to stderr, markdown
  // and per-server logs are off, and the returned text says why (the caller logs it as a warning).
  // The gateway's set: mcp-gateway.log, gateway.md, rpc-messages.jsonl, per-server logs and
  // observed-url-domains.json; the proxy's: proxy.log, gateway.md and rpc-messages.jsonl.
  enum class LogSet { kGateway, kProxy };
  std::string open(const std::string& dir, LogSet set = LogSet::kGateway);
  void close();  // writes the markdown footer; idempotent

  bool has_dir() const;
  std::string dir() const;

  void write(Level level, std::string_view category, std::string_view message);
  // `<id>.log` plus the unified log with a `[<id>] ` prefix. Ids that are not safe file names go to the
  // unified log only.
  void server(std::string_view server_id, Level level, std::string_view category, std::string_view message);
  // Several lines of one server at once: one write per file, however many lines.
  void server_lines(std::string_view server_id, Level level, std::string_view category,
                    const std::vector<std::string>& messages);
  void markdown(Level level, std::string_view category, std::string_view message);
  void jsonl(std::string_view records);  // compact JSON objects, one per line, already built and sanitized
  // One JSON object line of about `bytes`, built (and sanitized) by `make` on the writer thread. `make` must
  // not log: it runs under the file's lock.
  void jsonl_deferred(std::function<std::string()> make, size_t bytes);

  // Test seam: lines normally written to stderr go here instead when set.
  void set_stderr(std::FILE* sink) { stderr_ = sink; }

 private:
  // A line to be written, or to be made (sanitized, formatted) on the writer thread first.
  using Line = std::variant<std::string, std::function<std::string()>>;
  struct File {
    std::FILE* handle = nullptr;
    std::mutex mutex;         // handle and queue
    std::mutex write_mutex;   // taken before mutex: batches are written in the order they were taken
    std::vector<Line> queue;  // appended, not yet written
    size_t queued_bytes = 0;  // of the text lines and a guess for the others
    // False when the file is not open; `wake` is set when the writer should be woken.
    bool append(Line line, size_t bytes, bool* wake);
    void write_queue();  // makes and writes what is queued now
    void close();        // writes what is queued, then closes
  };
  std::FILE* err() const { return stderr_ ? stderr_ : ::stderr; }
  File* server_file(std::string_view server_id);
  static bool safe_file_name(std::string_view id);
  bool append(File& file, Line line, size_t bytes);  // false when the file is not open
  static std::string make(Line& line);
  void wake_writer();
  void write_loop();
  void write_all_pending();
  void stop_writer();

  mutable std::mutex state_mutex_;  // guards dir_ and servers_
  std::string dir_;
  File unified_, markdown_, jsonl_;
  std::mutex markdown_mutex_;  // markdown_started_, and the order of the header and the first entry
  bool markdown_started_ = false;
  // Per-server files live as long as the logger (close() only closes them), so a File* handed out stays
  // valid.
  std::map<std::string, std::unique_ptr<File>, std::less<>> servers_;
  std::FILE* stderr_ = nullptr;
  std::mutex writer_mutex_;
  std::condition_variable writer_wake_;
  bool writer_due_ = false, writer_stop_ = false;
  std::thread writer_;
};

// Shorthands for the unified log.
inline void info(std::string_view category, std::string_view message) {
  Logger::instance().write(Level::kInfo, category, message);
}
inline void warn(std::string_view category, std::string_view message) {
  Logger::instance().write(Level::kWarn, category, message);
}
inline void error(std::string_view category, std::string_view message) {
  Logger::instance().write(Level::kError, category, message);
}

}  // namespace awmg::log
