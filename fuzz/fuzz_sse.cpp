// A backend's event stream: the bytes split where the input's first byte says, fed to the parser in pieces as
// the network delivers them; the events must not depend on the split.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/sse.hpp"

using namespace awmg;

namespace {

std::string flatten(const std::vector<http::SseEvent>& events) {
  std::string out;
  for (const auto& e : events) out += e.type + "\x1f" + e.data + "\x1f" + e.id + "\x1e";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t piece = data[0] % 16 + 1;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::SseParser whole, split;
  std::string at_once = flatten(whole.feed(stream));
  std::string in_pieces;
  for (size_t at = 0; at < stream.size(); at += piece)
    in_pieces += flatten(split.feed(stream.substr(at, piece)));
  if (at_once != in_pieces || whole.last_event_id() != split.last_event_id()) std::abort();
  return 0;
}
