#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awmg::http {

// One message (a line of JSON, say) as a server-sent event of type `message`.
std::string sse_event(std::string_view data);

// One server-sent event (HTML living standard, "event stream interpretation").
struct SseEvent {
  std::string id;  // empty: the event carried no id
  std::string type = "message";
  std::string data;
};

// Turns an event stream, fed in arbitrary pieces, into events. Comments are skipped; `retry:` is kept.
class SseParser {
 public:
  std::vector<SseEvent> feed(std::string_view bytes);
  const std::string& last_event_id() const { return last_id_; }
  std::optional<int> retry_ms() const { return retry_ms_; }
  // Bytes of an unfinished line or event held so far (a backend that never ends a line is cut off).
  size_t buffered() const { return line_.size() + data_.size(); }

 private:
  void field(std::string_view line, std::vector<SseEvent>& out);

  std::string line_;
  std::string data_;
  std::string type_;
  std::string id_;
  std::string last_id_;
  bool has_data_ = false;
  bool has_id_ = false;
  bool after_cr_ = false;
  std::optional<int> retry_ms_;
};

}  // namespace awmg::http
