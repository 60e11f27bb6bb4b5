#include "log/logger.hpp"

#include <ctime>

#include "base/files.hpp"
#include "log/sanitizer.hpp"

namespace awmg::log {

const char* level_name(Level level) {
  switch (level) {
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
    case Level::kDebug:
      return "DEBUG";
  }
  return "INFO";
}

std::string timestamp(std::chrono::system_clock::time_point when) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string format_line(std::chrono::system_clock::time_point when, Level level, std::string_view category,
                        std::string_view message) {
  std::string line = "[" + timestamp(when) + "] [" + level_name(level) + "] [";
  line.append(category).append("] ").append(message);
  return line;
}

std::string format_markdown(Level level, std::string_view category, std::string_view message) {
  const char* emoji = level == Level::kInfo    ? "\xE2\x9C\x93"              // ✓
                      : level == Level::kWarn  ? "\xE2\x9A\xA0\xEF\xB8\x8F"  // ⚠️
                      : level == Level::kError ? "\xE2\x9C\x97"              // ✗
                                               : "\xF0\x9F\x94\x8D";         // 🔍
  std::string head = std::string("- ") + emoji + " **" + std::string(category) + "**";
  bool preformatted = message.find('\n') != std::string_view::npos ||
                      message.find("command=") != std::string_view::npos ||
                      message.find("args=") != std::string_view::npos;
  if (!preformatted) return head + " " + std::string(message);
  std::string out = head + "\n  ```\n";
  size_t start = 0;
  while (start <= message.size()) {
    size_t nl = message.find('\n', start);
    std::string_view line =
        message.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += "  ";
    out += line;
    out += "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out + "  ```";
}

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

// The sanitizer's rules are built first, so that they outlive the logger, whose writer may still sanitize at
// exit.
Logger::Logger() {
  sanitize("");
}

Logger::~Logger() {
  stop_writer();
}

bool Logger::File::append(Line line, size_t bytes, bool* wake) {
  {
    std::lock_guard lock(mutex);
    if (!handle) return false;
    *wake = queue.empty();
    queue.push_back(std::move(line));
    queued_bytes += bytes;
    if (queued_bytes < kMaxPending) return true;
  }
  write_queue();  // the writer fell behind: pay here, lose nothing
  return true;
}

void Logger::File::write_queue() {
  std::lock_guard write_lock(write_mutex);
  std::vector<Line> batch;
  {
    std::lock_guard lock(mutex);
    batch.swap(queue);
    queued_bytes = 0;
  }
  if (batch.empty()) return;
  std::string text;
  for (auto& line : batch) text += make(line);
  // Written under write_mutex alone: callers appending meanwhile never wait for the disk. The handle changes
  // only under both mutexes.
  if (!handle) return;
  std::fwrite(text.data(), 1, text.size(), handle);
  std::fflush(handle);
}

std::string Logger::make(Line& line) {
  if (auto* made = std::get_if<std::string>(&line)) return std::move(*made);
  try {
    return std::get<std::function<std::string()>>(line)();
  } catch (const std::exception& e) {  // a line that cannot be made must not end the writer thread
    return std::string("[log line lost: ") + e.what() + "]\n";
  }
}

bool Logger::append(File& file, Line line, size_t bytes) {
  bool wake = false;
  if (!file.append(std::move(line), bytes, &wake)) return false;
  if (wake) wake_writer();
  return true;
}

void Logger::wake_writer() {
  {
    std::lock_guard lock(writer_mutex_);
    if (writer_due_) return;
    writer_due_ = true;
  }
  writer_wake_.notify_one();
}

// Sleeps until something is appended, lets kFlushDelay's worth gather, writes it all.
void Logger::write_loop() {
  std::unique_lock lock(writer_mutex_);
  while (!writer_stop_) {
    writer_wake_.wait(lock, [&] { return writer_due_ || writer_stop_; });
    writer_wake_.wait_for(lock, kFlushDelay, [&] { return writer_stop_; });
    writer_due_ = false;
    lock.unlock();
    write_all_pending();
    lock.lock();
  }
}

void Logger::write_all_pending() {
  for (File* f : {&unified_, &markdown_, &jsonl_}) f->write_queue();
  std::vector<File*> servers;
  {
    std::lock_guard lock(state_mutex_);
    for (auto& [id, file] : servers_) servers.push_back(file.get());  // they live as long as the logger
  }
  for (File* f : servers) f->write_queue();
}

void Logger::stop_writer() {
  {
    std::lock_guard lock(writer_mutex_);
    writer_stop_ = true;
  }
  writer_wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  write_all_pending();
  std::lock_guard lock(writer_mutex_);
  writer_stop_ = false;
  writer_due_ = false;
}

std::string Logger::open(const std::string& dir, LogSet set) {
  const std::string main_log = set == LogSet::kProxy ? "proxy.log" : "mcp-gateway.log";
  if (auto made = base::make_dirs(dir, 0755); !made) {
    return "failed to create log directory " + dir + ": " + made.error().message +
           " (logging to stderr; markdown, JSONL and per-server logs are off)";
  }
  auto open_file = [&](File& file, const char* name, const char* mode) {
    std::lock_guard write_lock(file.write_mutex);
    std::lock_guard lock(file.mutex);
    file.handle = std::fopen((dir + "/" + name).c_str(), mode);
    return file.handle != nullptr;
  };
  if (!open_file(unified_, main_log.c_str(), "ae"))
    return "failed to open " + dir + "/" + main_log + " (logging to stderr)";
  open_file(markdown_, "gateway.md", "we");
  open_file(jsonl_, "rpc-messages.jsonl", "ae");
  if (set == LogSet::kGateway) {
    if (auto made = base::write_file_atomic(dir + "/observed-url-domains.json", "{}\n", 0600); !made)
      write(Level::kWarn, "startup", "cannot create observed-url-domains.json: " + made.error().message);
  }
  {
    std::lock_guard lock(state_mutex_);
    dir_ = dir;
  }
  if (!writer_.joinable()) writer_ = std::thread([this] { write_loop(); });
  return "";
}

bool Logger::has_dir() const {
  std::lock_guard lock(state_mutex_);
  return !dir_.empty();
}

std::string Logger::dir() const {
  std::lock_guard lock(state_mutex_);
  return dir_;
}

void Logger::close() {
  {
    std::lock_guard lock(markdown_mutex_);
    bool wake = false;
    if (markdown_started_) markdown_.append(std::string("\n</details>\n"), 12, &wake);
    markdown_started_ = false;
  }
  stop_writer();
  for (File* f : {&unified_, &markdown_, &jsonl_}) f->close();
  std::lock_guard lock(state_mutex_);
  for (auto& [id, file] : servers_) file->close();
  dir_.clear();
}

void Logger::File::close() {
  write_queue();
  std::lock_guard write_lock(write_mutex);
  std::lock_guard lock(mutex);
  if (!handle) return;
  for (auto& line : queue) {  // appended since: the last lines, written here
    std::string text = make(line);
    std::fwrite(text.data(), 1, text.size(), handle);
  }
  queue.clear();
  std::fclose(handle);
  handle = nullptr;
}

void Logger::write(Level level, std::string_view category, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  auto make = [now, level, category = std::string(category), message = std::string(message)] {
    return format_line(now, level, category, sanitize(message)) + "\n";
  };
  size_t bytes = message.size() + 64;
  if (!append(unified_, make, bytes)) {
    std::string line = make();
    std::fwrite(line.data(), 1, line.size(), err());
  }
}

bool Logger::safe_file_name(std::string_view id) {
  if (id.empty() || id == "." || id == ".." || id.size() > 200) return false;
  for (char c : id) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

Logger::File* Logger::server_file(std::string_view server_id) {
  if (!safe_file_name(server_id)) return nullptr;
  std::lock_guard lock(state_mutex_);
  if (dir_.empty()) return nullptr;
  auto it = servers_.find(server_id);
  if (it != servers_.end()) return it->second->handle ? it->second.get() : nullptr;
  auto file = std::make_unique<File>();
  file->handle = std::fopen((dir_ + "/" + std::string(server_id) + ".log").c_str(), "ae");
  return servers_.emplace(std::string(server_id), std::move(file)).first->second.get();
}

void Logger::server(std::string_view server_id, Level level, std::string_view category,
                    std::string_view message) {
  server_lines(server_id, level, category, {std::string(message)});
}

void Logger::server_lines(std::string_view server_id, Level level, std::string_view category,
                          const std::vector<std::string>& messages) {
  // Made once on the writer thread for both files.
  struct Lines {
    std::chrono::system_clock::time_point now;
    Level level;
    std::string category;
    std::vector<std::string> messages;
    std::once_flag cleaned;
    std::string text(const std::string& prefix) {
      std::call_once(cleaned, [this] {
        for (auto& m : messages) m = sanitize(m);
      });
      std::string out;
      for (const auto& m : messages) out += format_line(now, level, category, prefix + m) + "\n";
      return out;
    }
  };
  auto lines = std::make_shared<Lines>();
  lines->now = std::chrono::system_clock::now();
  lines->level = level;
  lines->category = std::string(category);
  lines->messages = messages;
  size_t bytes = 0;
  for (const auto& message : messages) bytes += message.size() + 64;
  if (File* f = server_file(server_id))
    append(
        *f, [lines] { return lines->text(""); }, bytes);
  auto unified = [lines, prefix = "[" + std::string(server_id) + "] "] { return lines->text(prefix); };
  if (!append(unified_, unified, bytes)) {
    std::string text = unified();
    std::fwrite(text.data(), 1, text.size(), err());
  }
}

void Logger::markdown(Level level, std::string_view category, std::string_view message) {
  std::string entry = format_markdown(level, category, sanitize(message)) + "\n";
  bool wake = false;
  {
    std::lock_guard lock(markdown_mutex_);
    if (!markdown_started_) entry = "<details>\n<summary>MCP Gateway</summary>\n\n" + entry;
    size_t bytes = entry.size();
    if (!markdown_.append(std::move(entry), bytes, &wake)) return;
    markdown_started_ = true;
  }
  if (wake) wake_writer();
}

void Logger::jsonl(std::string_view record) {
  std::string line(record);
  line += "\n";
  size_t bytes = line.size();
  append(jsonl_, std::move(line), bytes);
}

void Logger::jsonl_deferred(std::function<std::string()> make, size_t bytes) {
  append(
      jsonl_, [make = std::move(make)] { return make() + "\n"; }, bytes);
}

}  // namespace awmg::log
