#pragma once
// What the guard runtime's tests share: the example guards built from examples/guards, and the unified log.
#include <cstdio>
#include <stdexcept>
#include <string>

#include "base/files.hpp"
#include "log/logger.hpp"

namespace awmg::guard::fixtures {

// The bytes of build/guards/<name>.wasm.
inline std::string guard_bytes(const std::string& name) {
  auto bytes = base::read_file(std::string(AWMG_GUARD_DIR) + "/" + name + ".wasm");
  if (!bytes) throw std::runtime_error(bytes.error().message);
  return *bytes;
}

// Captures the unified log lines the runtime writes while a test runs.
class LogCapture {
 public:
  LogCapture() : file_(std::tmpfile()) { log::Logger::instance().set_stderr(file_); }
  ~LogCapture() {
    log::Logger::instance().set_stderr(nullptr);
    std::fclose(file_);
  }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
    return out;
  }
  size_t count(const std::string& needle) {
    std::string all = text();
    size_t found = 0;
    for (size_t at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1)) ++found;
    return found;
  }

 private:
  std::FILE* file_;
};

}  // namespace awmg::guard::fixtures
