#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace awmg::base {

// Reads a whole file; `limit` bytes at most (a larger file is an error naming the limit).
Result<std::string> read_file(const std::string& path, size_t limit = 64u << 20);

// Reads a stream (stdin) to its end, `limit` bytes at most.
Result<std::string> read_fd(int fd, size_t limit);

// Writes `<path>.tmp` then renames it over `path`, so readers never see a half-written file.
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);

// mkdir -p with `mode` for the directories it creates.
Status make_dirs(const std::string& path, unsigned mode = 0755);

// Go's filepath.Clean and filepath.Dir, for paths whose exact shape users see.
std::string clean_path(std::string_view path);
std::string dir_name(std::string_view path);

}  // namespace awmg::base
