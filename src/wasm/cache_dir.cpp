#include "wasm/cache_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/files.hpp"
#include "base/random.hpp"

namespace awmg::wasm {
namespace {

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
    error = writable_error(dir);
  }
  if (error.empty()) return {dir, ""};
  return {"", "Falling back to in-memory WASM compilation cache after \"" + dir + "\" failed: " + error};
}

}  // namespace awmg::wasm
