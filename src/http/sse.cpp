#include "http/sse.hpp"

#include <charconv>

namespace awmg::http {

std::string sse_event(std::string_view data) {
  std::string out = "event: message\ndata: ";
  out.append(data).append("\n\n");
  return out;
}

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  for (char c : bytes) {
    if (after_cr_ && c == '\n') {  // the LF of a CRLF pair
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c != '\n' && c != '\r') {
      line_ += c;
      continue;
    }
    field(line_, out);
    line_.clear();
  }
  return out;
}

void SseParser::field(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {  // dispatch
    if (has_id_) last_id_ = id_;
    if (has_data_) {
      if (!data_.empty() && data_.back() == '\n') data_.pop_back();
      out.push_back(SseEvent{has_id_ ? id_ : "", type_.empty() ? "message" : type_, std::move(data_)});
    }
    data_.clear();
    type_.clear();
    has_data_ = has_id_ = false;
    return;
  }
  if (line.front() == ':') return;  // a comment (keepalive)
  auto colon = line.find(':');
  std::string_view name = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (name == "data") {
    data_.append(value).push_back('\n');
    has_data_ = true;
  } else if (name == "event") {
    type_ = value;
  } else if (name == "id" && value.find('\0') == std::string_view::npos) {
    id_ = value;
    has_id_ = true;
  } else if (name == "retry") {
    int ms = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc() && end == value.data() + value.size()) retry_ms_ = ms;
  }
}

}  // namespace awmg::http
