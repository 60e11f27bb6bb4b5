#include "wasm/code_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/digest.hpp"
#include "base/files.hpp"
#include "wasm/module.hpp"
#include "wasm/native_compiler.hpp"

namespace awmg::wasm {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "AWMG-NATIVE-v1\n";  // 15 bytes + NUL pad to 16
constexpr size_t kTrailerSize = 16 + 64;                 // magic, hex SHA-256 of the shared object

std::string trailer_for(std::string_view object) {
  std::string trailer(kMagic);
  trailer.resize(16, '\0');
  return trailer + base::sha256_hex(object);
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{std::strerror(errno)};
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

}  // namespace

CodeCache::CodeCache(const std::string& dir) : dir_(dir) {
  if (!dir_.empty()) return;
  persistent_ = false;
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/awmg-wasm-cache-XXXXXX";
  if (::mkdtemp(pattern.data())) dir_ = pattern;
}

CodeCache::~CodeCache() {
  if (persistent_ || dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string CodeCache::entry_path(const std::string& module_sha, const std::string& compiler_id) const {
  return dir_ + "/" + engine_version() + "/" + module_sha.substr(0, 24) + "-" + compiler_id + ".so";
}

CodeCache::Lookup CodeCache::lookup(const std::string& path, std::string* why, std::string* object) const {
  int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (file < 0 && errno == ENOENT) return Lookup::kMiss;
  struct stat st {};
  std::string problem;
  std::string bytes;
  if (file < 0) {
    problem = std::strerror(errno);
  } else if (::fstat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
    problem = "not a regular file";
  } else if (st.st_uid != ::geteuid() || (st.st_mode & 022)) {
    problem = "not owned by this user alone";
  } else {
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pread(file, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done != bytes.size()) {
      problem = "short read";
    } else if (bytes.size() < kTrailerSize) {
      problem = "truncated (" + std::to_string(bytes.size()) + " bytes)";
    } else {
      std::string_view all(bytes);
      std::string_view verified = all.substr(0, all.size() - kTrailerSize);
      if (all.substr(verified.size()) != trailer_for(verified)) problem = "checksum mismatch";
    }
  }
  if (problem.empty()) {
    ::close(file);
    bytes.resize(bytes.size() - kTrailerSize);
    if (object) *object = std::move(bytes);
    return Lookup::kHit;
  }
  if (file >= 0) ::close(file);
  if (why) *why = problem;
  ::unlink(path.c_str());
  return Lookup::kCorrupt;
}

Status CodeCache::store(const std::string& path, std::string_view shared_object) const {
  std::string dir = base::dir_name(path);
  AWMG_CHECK(base::make_dirs(dir, 0700));
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return Error{"create " + temp + ": " + std::strerror(errno)};
  Status written = write_all(fd, shared_object);
  if (written) written = write_all(fd, trailer_for(shared_object));
  ::fchmod(fd, 0600);
  ::close(fd);
  if (written && ::rename(temp.c_str(), path.c_str()) != 0) written = Error{std::strerror(errno)};
  if (!written) {
    ::unlink(temp.c_str());
    return Error{"write " + path + ": " + written.error().message};
  }
  return ok_status();
}

std::vector<CodeCache::Entry> CodeCache::list() const {
  std::vector<Entry> entries;
  std::error_code ec;
  for (const auto& version : fs::directory_iterator(dir_, ec)) {
    if (!version.is_directory(ec)) continue;
    std::string engine = version.path().filename().string();
    for (const auto& file : fs::directory_iterator(version.path(), ec)) {
      if (file.path().extension() != ".so" || !file.is_regular_file(ec)) continue;
      entries.push_back({file.path().string(), engine, static_cast<uint64_t>(file.file_size(ec)),
                         engine == engine_version()});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  return entries;
}

size_t CodeCache::clean(bool all) const {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& version : fs::directory_iterator(dir_, ec)) {
    if (!version.is_directory(ec)) continue;
    if (!all && version.path().filename() == engine_version()) continue;
    for (const auto& file : fs::directory_iterator(version.path(), ec)) {
      if (file.path().extension() == ".so") ++removed;
    }
    fs::remove_all(version.path(), ec);
  }
  return removed;
}

}  // namespace awmg::wasm
