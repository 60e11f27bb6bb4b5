#pragma once
#include <atomic>
#include <functional>

#include "backend/server_status.hpp"
#include "config/model.hpp"
#include "config/settings.hpp"
#include "http/server.hpp"

namespace awmg::gateway {

// What the HTTP routes need from the running gateway.
struct RouteContext {
  const config::Config* config = nullptr;
  const config::Settings* settings = nullptr;
  backend::ServerStatus* status = nullptr;
  std::atomic<bool>* shutting_down = nullptr;
  std::function<void()> request_shutdown;  // called once by /close after its response is queued
};

// The gateway's routes (spec gateway §3.2): /health, /close, the OAuth discovery 404s, and a plain 404 for
// everything else. MCP routes plug in here.
http::Handler make_routes(RouteContext context);

}  // namespace awmg::gateway
