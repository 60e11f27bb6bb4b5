#include "wasm/cache_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/files.hpp"
#include "base/random.hpp"

namespace awmg::wasm {
namespace {

// Native code is loaded from this directory: nobody else may be able to put files there.
std::string ownership_error(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return "stat " + dir + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return dir + " is not a directory";
  if (st.st_uid != ::geteuid() || (st.st_mode & 022))
    return dir + " must be owned by this user and writable by nobody else (mode " +
           std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
           std::to_string(st.st_mode & 7) + ")";
  return "";
}

std::string writable_error(const std::string& dir) {
  std::string probe = dir + "/.probe-" + base::random_hex(6);
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return "open " + probe + ": " + std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return "";
}

}  // namespace

CacheDir prepare_cache_dir(const std::string& dir) {
  std::string error;
  if (auto made = base::make_dirs(dir, 0700); !made) {
    error = made.error().message;
  } else {
    error = ownership_error(dir);
    if (error.empty()) error = writable_error(dir);
  }
  if (error.empty()) return {dir, ""};
  return {"", "Falling back to in-memory WASM compilation cache after \"" + dir + "\" failed: " + error};
}

}  // namespace awmg::wasm
