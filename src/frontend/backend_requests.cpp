#include "frontend/backend_requests.hpp"

#include "json/json.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::frontend {
namespace {

// `message` with its id replaced by `id_json`, digit for digit.
std::string with_id(const json::Value& message, const std::string& id_json) {
  return json::with_raw_member(message, "id", id_json);
}

}  // namespace

std::optional<std::string> to_client(Session& session, const backend::Event& request) {
  auto doc = json::parse(request.json);
  if (!doc) return std::nullopt;
  std::string method = json::string_or(*doc, "method");
  std::string backend_id = mcp::exact_id(*doc, request.json);
  auto origin = request.origin.lock();
  if (!origin) return std::nullopt;
  if (!session.takes(method)) {
    origin->respond(mcp::error_message(backend_id, mcp::kMethodNotFound,
                                       "the client behind the gateway does not support " + method));
    return std::nullopt;
  }
  auto client_id = session.add_outbound(Session::Outbound{request.origin, backend_id});
  if (!client_id) {
    origin->respond(mcp::error_message(backend_id, mcp::kInternalError,
                                       "the client has too many requests from the gateway left unanswered"));
    return std::nullopt;
  }
  return with_id(*doc, *client_id);
}

bool from_client(Session& session, const json::Value& message) {
  auto outbound = session.take_outbound(json::to_string(message["id"]));
  if (!outbound) return false;
  if (auto origin = outbound->origin.lock()) origin->respond(with_id(message, outbound->backend_id));
  return true;
}

void refuse(const backend::Event& request, const std::string& reason) {
  auto doc = json::parse(request.json);
  auto origin = request.origin.lock();
  if (doc && origin)
    origin->respond(mcp::error_message(mcp::exact_id(*doc, request.json), mcp::kInternalError, reason));
}

}  // namespace awmg::frontend
