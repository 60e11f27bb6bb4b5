#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace awmg::wasm {

// The persisted compiled-code cache: `<dir>/<engine-version>/<module-sha256>-<compiler-id>.so`, the digest
// cut to its first 96 bits so paths stay readable in logs (the sanitizer redacts 32+ hex digits). Entries are
// written to a unique temporary file and renamed into place, so gateways sharing a directory never see half
// an entry; each ends with a trailer holding its SHA-256, so a corrupt or truncated entry is detected and
// rebuilt. Without a usable directory the cache lives in a private temporary directory removed when the cache
// closes.
class CodeCache {
 public:
  explicit CodeCache(const std::string& dir);  // "" = in memory
  ~CodeCache();
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  bool persistent() const { return persistent_; }
  const std::string& dir() const { return dir_; }
  std::string entry_path(const std::string& module_sha, const std::string& compiler_id) const;

  bool usable() const { return !dir_.empty(); }

  enum class Lookup { kHit, kMiss, kCorrupt };
  // kHit sets `object` to the verified shared object (the caller loads these bytes, never the file again, so
  // the bytes checked are the bytes loaded). An entry that fails the checksum, or is not ours alone (another
  // owner, writable by others), is kCorrupt: removed, `why` says what was wrong.
  Lookup lookup(const std::string& path, std::string* why, std::string* object) const;
  Status store(const std::string& path, std::string_view shared_object) const;

  struct Entry {
    std::string path;
    std::string engine;  // the version directory it sits in
    uint64_t bytes = 0;
    bool current = false;  // built by this engine version
  };
  std::vector<Entry> list() const;
  // Removes entries of other engine versions (all entries when `all`); returns how many were removed.
  size_t clean(bool all) const;

 private:
  std::string dir_;
  bool persistent_ = true;
};

}  // namespace awmg::wasm
