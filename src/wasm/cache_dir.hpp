#pragma once
#include <string>

namespace awmg::wasm {

// The guard compilation cache directory as configured at startup.
struct CacheDir {
  std::string path;     // empty: the cache lives in memory for this process only
  std::string warning;  // set when the configured directory was unusable
};

// Creates `dir` (0700) when missing and proves it is a writable directory. Any failure becomes the upstream
// WARN text and an in-memory cache; startup never aborts for a cache problem.
CacheDir prepare_cache_dir(const std::string& dir);

}  // namespace awmg::wasm
