#include "results/jq_worker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>

extern "C" {
#include <jq.h>
}

namespace awmg::results {

namespace {

constexpr rlim_t kWorkerMemory = rlim_t{2} << 30;

bool read_exact(int fd, void* data, size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool write_exact(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool read_frame(int fd, std::string& out) {
  uint32_t size = 0;
  if (!read_exact(fd, &size, sizeof size) || size > kMaxJqFrame) return false;
  out.resize(size);
  return read_exact(fd, out.data(), size);
}

bool answer(uint8_t status, const std::string& text) {
  auto size = static_cast<uint32_t>(text.size());
  return write_exact(1, &status, 1) && write_exact(1, &size, sizeof size) &&
         write_exact(1, text.data(), size);
}

void collect_error(void* data, jv message) {
  auto* out = static_cast<std::string*>(data);
  if (jv_get_kind(message) == JV_KIND_STRING && out->empty()) *out = jv_string_value(message);
  jv_free(message);
}

struct Compiled {
  jq_state* jq = nullptr;
  std::string error;
  ~Compiled() {
    if (jq) jq_teardown(&jq);
  }
};

std::string text_of(jv value) {  // consumes `value`
  jv dumped = jv_dump_string(value, 0);
  std::string out = jv_string_value(dumped);
  jv_free(dumped);
  return out;
}

// Runs `filter` on `input`: exactly one result, else an error.
bool run(Compiled& compiled, const std::string& input) {
  jv parsed = jv_parse_sized(input.data(), static_cast<int>(input.size()));
  if (!jv_is_valid(parsed)) {
    jv message = jv_invalid_get_msg(parsed);
    std::string text = jv_get_kind(message) == JV_KIND_STRING ? jv_string_value(message) : "invalid JSON";
    jv_free(message);
    return answer(1, "the input is not JSON: " + text);
  }
  compiled.error.clear();
  jq_start(compiled.jq, parsed, 0);
  std::string first;
  int results = 0;
  jv out = jq_next(compiled.jq);
  for (; jv_is_valid(out); out = jq_next(compiled.jq)) {
    if (++results == 1) {
      first = text_of(out);
    } else {
      jv_free(out);
    }
  }
  if (jv_invalid_has_msg(jv_copy(out))) {  // the filter failed: the stream ends with the error
    jv message = jv_invalid_get_msg(out);
    std::string text = jv_get_kind(message) == JV_KIND_STRING ? std::string(jv_string_value(message))
                                                              : text_of(jv_copy(message));
    jv_free(message);
    return answer(1, "jq error: " + text);
  }
  jv_free(out);
  if (!compiled.error.empty()) return answer(1, compiled.error);
  if (results == 0) return answer(1, "the filter returned no result");
  if (results > 1)
    return answer(1, "the filter returned multiple results \u2014 use array form [...] to collect them");
  return answer(0, first);
}

}  // namespace

std::string jq_request(const std::string& filter, const std::string& input) {
  std::string out;
  auto put = [&out](const std::string& part) {
    auto size = static_cast<uint32_t>(part.size());
    out.append(reinterpret_cast<const char*>(&size), sizeof size);
    out += part;
  };
  put(filter);
  put(input);
  return out;
}

int run_jq_worker() {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a worker in a loop dies with the gateway
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)  // (sanitizers reserve terabytes)
  rlimit memory{kWorkerMemory, kWorkerMemory};
  ::setrlimit(RLIMIT_AS, &memory);  // a filter that builds a huge value fails, the machine stays up
#endif
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);  // jq's `debug` and `stderr` write there
  if (null >= 0) ::dup2(null, 2);
  std::map<std::string, std::unique_ptr<Compiled>> compiled;
  std::string filter, input;
  while (read_frame(0, filter) && read_frame(0, input)) {
    auto& entry = compiled[filter];
    if (!entry) {
      entry = std::make_unique<Compiled>();
      entry->jq = jq_init();
      if (!entry->jq) return 1;
      jq_set_error_cb(entry->jq, collect_error, &entry->error);
      if (!jq_compile(entry->jq, filter.c_str())) {
        std::string message = entry->error.empty() ? "the filter does not compile" : entry->error;
        compiled.erase(filter);
        if (!answer(1, message)) return 1;
        continue;
      }
    }
    if (!run(*entry, input)) return 1;
  }
  return 0;
}

}  // namespace awmg::results
