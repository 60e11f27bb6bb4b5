#include "base/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/strings.hpp"

namespace awmg::base {
namespace {

Error errno_error(const std::string& what) {
  return Error{what + ": " + std::strerror(errno)};
}

}  // namespace

Result<std::string> read_fd(int fd, size_t limit) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read failed");
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > limit) {
      return Error{"input is larger than " + std::to_string(limit >> 20) + " MiB"};
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> read_file(const std::string& path, size_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open " + path);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Error{"read " + path + ": is a directory"};
  }
  auto data = read_fd(fd, limit);
  ::close(fd);
  if (!data) return Error{"read " + path + ": " + data.error().message};
  return data;
}

Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  // A fresh name each time (never a fixed one another process or a planted symlink could hold).
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return errno_error("create " + tmp);
  ::fchmod(fd, mode);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto err = errno_error("write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return err;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = errno_error("rename " + tmp);
    ::unlink(tmp.c_str());
    return err;
  }
  return ok_status();
}

Status make_dirs(const std::string& path, unsigned mode) {
  if (path.empty()) return Error{"mkdir: empty path"};
  std::string current;
  for (const auto& part : split(path, '/')) {
    current += part;
    if (!current.empty() && current != ".") {
      if (::mkdir(current.c_str(), mode) != 0 && errno != EEXIST) return errno_error("mkdir " + current);
      struct stat st {};
      if (::stat(current.c_str(), &st) != 0) return errno_error("stat " + current);
      if (!S_ISDIR(st.st_mode)) return Error{"mkdir " + current + ": not a directory"};
    }
    current += '/';
  }
  return ok_status();
}

std::string clean_path(std::string_view path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> out;
  for (const auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!out.empty() && out.back() != "..") {
        out.pop_back();
      } else if (!rooted) {
        out.push_back(part);
      }
      continue;
    }
    out.push_back(part);
  }
  std::string joined = join(out, "/");
  if (rooted) return "/" + joined;
  return joined.empty() ? "." : joined;
}

std::string dir_name(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return clean_path("");
  return clean_path(path.substr(0, slash + 1));
}

}  // namespace awmg::base
