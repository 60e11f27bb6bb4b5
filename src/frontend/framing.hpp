#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace awmg::frontend {

// What a client's Accept header allows: JSON, an event stream, or both.
struct Accepts {
  bool json = false;
  bool sse = false;
};
Accepts parse_accept(std::optional<std::string_view> value);

// The response to one request in the framing the client asked for (an event stream when it takes one).
http::Response framed(const http::Request& req, const Accepts& accepts, const std::string& message,
                      const std::string& session_id);

}  // namespace awmg::frontend
