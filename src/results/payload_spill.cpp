#include "results/payload_spill.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/digest.hpp"
#include "base/random.hpp"
#include "json/json.hpp"
#include "log/logger.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::results {

namespace {

constexpr const char* kInstructions =
    "The payload was too large for an MCP response. The complete original response data is saved as a JSON "
    "file at "
    "payloadPath. The file contains valid JSON that can be parsed directly. The payloadSchema shows the "
    "structure and "
    "types of fields in the full response, but not the actual values. To access the full data with all "
    "values, read "
    "and parse the JSON file at payloadPath.";
constexpr size_t kPreviewBytes = 500;

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// An owned directory descriptor.
struct Dir {
  int fd = -1;
  ~Dir() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens `name` under `parent` (AT_FDCWD: a path) as a directory of this user, creating it (0700) if missing;
// a symbolic link or another user's directory is refused.
Status open_own_dir(int parent, const std::string& name, bool create, Dir& out) {
  if (create && ::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST)
    return Error{errno_text("cannot create " + name)};
  out.fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (out.fd < 0)
    return Error{errno_text("cannot open " + name + " as a directory (symbolic links are refused)")};
  struct stat st {};
  if (::fstat(out.fd, &st) != 0) return Error{errno_text("cannot stat " + name)};
  if (st.st_uid != ::geteuid()) return Error{name + " belongs to another user"};
  return ok_status();
}

Status write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{errno_text("write")};
    done += static_cast<size_t>(n);
  }
  return ok_status();
}

void schema_of(const json::Value& v, json::Value& out, json::Document::AllocatorType& a) {
  if (v.IsObject()) {
    out.SetObject();
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      json::Value shape;
      schema_of(it->value, shape, a);
      out.AddMember(json::Value(it->name, a), shape, a);
    }
  } else if (v.IsArray()) {
    out.SetArray();
    if (!v.Empty()) {
      json::Value shape;
      schema_of(v[0], shape, a);
      out.PushBack(shape, a);
    }
  } else {
    const char* type = v.IsNull() ? "null" : v.IsBool() ? "boolean" : v.IsNumber() ? "number" : "string";
    out.SetString(type, a);
  }
}

// A session's directory: its name, or for a name too long for one, a digest of it.
std::string directory_name(const std::string& session) {
  if (session.size() <= 128) return session;
  return "session-" + base::sha256_hex(session).substr(0, 32);
}

// Only what this spill made is swept: directories named by 32 hex digits.
bool query_name(const char* name) {
  size_t n = 0;
  for (; name[n]; ++n)
    if (!std::isxdigit(static_cast<unsigned char>(name[n]))) return false;
  return n == 32;
}

}  // namespace

std::string infer_schema(const std::string& text) {
  auto doc = json::parse(text);
  if (!doc) return "null";
  json::Document out;
  schema_of(*doc, out, out.GetAllocator());
  return json::to_string(out);
}

std::string preview(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return text.substr(0, cut) + "...";
}

PayloadSpill::PayloadSpill(SpillOptions options) : options_(std::move(options)) {}

std::string PayloadSpill::process(const std::string& session, const std::string& result) {
  // Compact JSON written again is no longer than its text but for rare number spellings ("1e2" -> "100.0"): a
  // result under half the threshold cannot be over it, and is not parsed at all.
  if (result.size() * 2 <= static_cast<size_t>(std::max<int64_t>(options_.threshold, 1))) return result;
  auto doc = json::parse(result);
  if (!doc || !doc->IsObject() || mcp::is_error_result(*doc)) return result;
  auto threshold = static_cast<size_t>(std::max<int64_t>(options_.threshold, 1));
  // (no shortcut on a text's length: escaping can make its JSON several times larger)
  std::string data = json::to_string(*doc);
  if (data.size() <= threshold) return result;
  sweep();
  std::string query = base::random_hex(16);
  auto written = write(session, query, data);
  if (!written) {
    log::warn("payload", "A " + std::to_string(data.size()) + "-byte tool result could not be written to " +
                             options_.dir + ": " + written.error().message);
    return mcp::tool_error_result(
        "the result (" + std::to_string(data.size()) +
        " bytes) is too large for an MCP response and could not be saved to the payload directory: " +
        written.error().message);
  }
  const std::string& base = options_.path_prefix.empty() ? options_.dir : options_.path_prefix;
  std::string path = base + "/" + directory_name(session) + "/" + query + "/payload.json";
  std::string description = R"({"agentInstructions":)" + json::quote(kInstructions) + R"(,"payloadPath":)" +
                            json::quote(path) + R"(,"payloadPreview":)" +
                            json::quote(preview(data, kPreviewBytes)) + R"(,"payloadSchema":)" +
                            infer_schema(data) + R"(,"originalSize":)" + std::to_string(data.size()) + "}";
  return R"({"content":[{"type":"text","text":)" + json::quote(description) + "}]}";
}

Result<std::string> PayloadSpill::write(const std::string& session, const std::string& query,
                                        const std::string& data) {
  if (session.empty() || session == "." || session == ".." || session.find('/') != std::string::npos)
    return Error{"the session has no name a directory can have"};
  Dir root, session_dir, query_dir;
  AWMG_CHECK(open_own_dir(AT_FDCWD, options_.dir, true, root));
  AWMG_CHECK(open_own_dir(root.fd, directory_name(session), true, session_dir));
  AWMG_CHECK(open_own_dir(session_dir.fd, query, true, query_dir));
  int fd =
      ::openat(query_dir.fd, "payload.json.tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Error{errno_text("cannot create the payload file")};
  Status status = write_all(fd, data);
  if (status && ::fsync(fd) != 0) status = Error{errno_text("fsync")};
  if (::close(fd) != 0 && status) status = Error{errno_text("close")};
  if (status && ::renameat(query_dir.fd, "payload.json.tmp", query_dir.fd, "payload.json") != 0)
    status = Error{errno_text("rename")};
  if (!status) {
    ::unlinkat(query_dir.fd, "payload.json.tmp", 0);
    ::unlinkat(session_dir.fd, query.c_str(), AT_REMOVEDIR);
    return status.error();
  }
  return std::string("payload.json");
}

void PayloadSpill::sweep() {
  if (options_.retention.count() <= 0) return;
  {
    std::lock_guard lock(sweep_mutex_);
    auto now = std::chrono::steady_clock::now();
    if (last_sweep_ != std::chrono::steady_clock::time_point{} && now - last_sweep_ < std::chrono::minutes(1))
      return;
    last_sweep_ = now;
  }
  Dir root;
  if (!open_own_dir(AT_FDCWD, options_.dir, false, root)) return;
  const time_t oldest = ::time(nullptr) - static_cast<time_t>(options_.retention.count());
  int listing = ::dup(root.fd);
  DIR* sessions = listing >= 0 ? ::fdopendir(listing) : nullptr;
  if (!sessions) return;
  while (dirent* s = ::readdir(sessions)) {
    if (std::strcmp(s->d_name, ".") == 0 || std::strcmp(s->d_name, "..") == 0) continue;
    Dir session;
    if (!open_own_dir(root.fd, s->d_name, false, session)) continue;
    int queries_fd = ::dup(session.fd);
    DIR* queries = queries_fd >= 0 ? ::fdopendir(queries_fd) : nullptr;
    if (!queries) continue;
    std::vector<std::string> expired;
    while (dirent* q = ::readdir(queries)) {
      struct stat st {};
      if (!query_name(q->d_name) || ::fstatat(session.fd, q->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode) && st.st_mtime < oldest) expired.emplace_back(q->d_name);
    }
    ::closedir(queries);
    for (const auto& name : expired) {
      Dir query;
      if (!open_own_dir(session.fd, name, false, query)) continue;
      ::unlinkat(query.fd, "payload.json", 0);
      ::unlinkat(query.fd, "payload.json.tmp", 0);
      ::unlinkat(session.fd, name.c_str(), AT_REMOVEDIR);
    }
  }
  ::closedir(sessions);
}

}  // namespace awmg::results
