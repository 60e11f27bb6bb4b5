#include "frontend/session.hpp"

#include "base/digest.hpp"
#include "base/random.hpp"
#include "base/strings.hpp"
#include "json/json.hpp"
#include "mcp/jsonrpc.hpp"

namespace awmg::frontend {

namespace {
int64_t now_ns() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}
}  // namespace

bool Session::shows(const backend::Event& event) const {
  int floor = log_level.load();
  if (floor < 0 || event.kind != backend::Event::Kind::kNotification ||
      event.json.find("notifications/message") == std::string::npos)
    return true;
  auto doc = json::parse(event.json);
  if (!doc || json::string_or(*doc, "method") != "notifications/message") return true;
  const json::Value* params = json::member(*doc, "params");
  auto severity = mcp::log_severity(params ? json::string_or(*params, "level") : "");
  return !severity || *severity >= floor;
}

bool Session::takes(std::string_view method) const {
  Capabilities caps = capabilities();
  if (method == "sampling/createMessage") return caps.sampling;
  if (method == "elicitation/create") return caps.elicitation;
  if (method == "roots/list") return caps.roots;
  return true;
}

void Session::touch() {
  last_used_ns = now_ns();
}

bool Session::push_to_stream(std::string message) {
  std::lock_guard lock(stream_mutex);
  if (!stream) return false;
  stream->push(std::move(message));
  return true;
}

void Session::set_capabilities(Capabilities capabilities) {
  std::lock_guard lock(mutex_);
  capabilities_ = capabilities;
}

Session::Capabilities Session::capabilities() const {
  std::lock_guard lock(mutex_);
  return capabilities_;
}

std::optional<std::string> Session::add_outbound(Outbound outbound) {
  std::lock_guard lock(mutex_);
  if (outbound_.size() >= kMaxOutbound) return std::nullopt;
  std::string id = "\"awmg-" + std::to_string(++next_outbound_) + "\"";
  outbound_[id] = std::move(outbound);
  return id;
}

std::optional<Session::Outbound> Session::take_outbound(const std::string& client_id) {
  std::lock_guard lock(mutex_);
  auto it = outbound_.find(client_id);
  if (it == outbound_.end()) return std::nullopt;
  Outbound out = std::move(it->second);
  outbound_.erase(it);
  return out;
}

void Session::add_in_flight(const std::string& client_id, const backend::EventBox* events) {
  std::lock_guard lock(mutex_);
  in_flight_[client_id] = events;
}

void Session::remove_in_flight(const std::string& client_id) {
  std::lock_guard lock(mutex_);
  in_flight_.erase(client_id);
}

const backend::EventBox* Session::in_flight(const std::string& client_id) const {
  std::lock_guard lock(mutex_);
  auto it = in_flight_.find(client_id);
  return it == in_flight_.end() ? nullptr : it->second;
}

int64_t Session::open_stream() {
  std::lock_guard lock(mutex_);
  int64_t stream = ++next_stream_;
  streams_[stream];
  while (streams_.size() > kReplayStreams) streams_.erase(streams_.begin());
  return stream;
}

void Session::record(int64_t stream, std::string frame, bool last) {
  std::shared_ptr<async::Mailbox<std::string>> follower;
  {
    std::lock_guard lock(mutex_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) return;
    Recorded& r = it->second;
    if (r.frames.size() < kReplayFrames) {
      r.frames.push_back(frame);
    } else {
      r.truncated = true;
    }
    r.done = last;
    follower = r.follower;
  }
  if (!follower) return;
  follower->push(std::move(frame));
  if (last) follower->close();
}

std::optional<Session::Replay> Session::resume(int64_t stream, int64_t after,
                                               const std::shared_ptr<async::Mailbox<std::string>>& follower) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end() || it->second.truncated || after < 0 ||
      static_cast<size_t>(after) >= it->second.frames.size())
    return std::nullopt;
  Recorded& r = it->second;
  Replay replay{{r.frames.begin() + after + 1, r.frames.end()}, r.done};
  if (!r.done) {
    if (r.follower) r.follower->close();  // the newest reconnection takes the stream over
    r.follower = follower;
  }
  return replay;
}

void Session::subscribe(const std::string& uri, bool on) {
  std::lock_guard lock(mutex_);
  if (on) {
    subscriptions_.insert(uri);
  } else {
    subscriptions_.erase(uri);
  }
}

bool Session::subscribed(const std::string& uri) const {
  std::lock_guard lock(mutex_);
  return subscriptions_.count(uri) > 0;
}

std::shared_ptr<Session> SessionStore::create(const std::string& agent, const std::string& route) {
  auto s = std::make_shared<Session>();
  s->id = base::random_hex(16);
  s->agent = agent;
  s->route = route;
  s->touch();
  std::shared_ptr<Session> evicted;
  {
    std::lock_guard lock(mutex_);
    size_t mine = 0;
    std::shared_ptr<Session> oldest;
    for (const auto& [id, other] : sessions_) {
      if (other->agent != agent) continue;
      ++mine;
      if (!oldest || other->last_used_ns < oldest->last_used_ns) oldest = other;
    }
    if (mine >= kMaxSessionsPerAgent) {
      evicted = oldest;
      sessions_.erase(oldest->id);
    }
    sessions_[s->id] = s;
  }
  if (evicted) {
    std::lock_guard lock(evicted->stream_mutex);
    if (evicted->stream) evicted->stream->close();
  }
  return s;
}

std::shared_ptr<Session> SessionStore::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  return it->second;
}

bool SessionStore::remove(const std::string& id) {
  std::shared_ptr<Session> removed;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    removed = it->second;
    sessions_.erase(it);
  }
  std::lock_guard lock(removed->stream_mutex);
  if (removed->stream) removed->stream->close();
  return true;
}

std::vector<std::shared_ptr<Session>> SessionStore::expire(std::chrono::nanoseconds idle) {
  std::vector<std::shared_ptr<Session>> stale;
  {
    std::lock_guard lock(mutex_);
    int64_t cutoff = now_ns() - idle.count();
    for (const auto& [id, s] : sessions_) {
      if (s->last_used_ns < cutoff) stale.push_back(s);
    }
  }
  for (const auto& s : stale) remove(s->id);
  return stale;
}

bool SessionStore::has_agent(const std::string& agent) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, s] : sessions_) {
    if (s->agent == agent) return true;
  }
  return false;
}

void SessionStore::close_streams() {
  for (const auto& s : all()) {
    std::lock_guard lock(s->stream_mutex);
    if (s->stream) s->stream->close();
  }
}

size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> SessionStore::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Session>> out;
  for (const auto& [id, s] : sessions_) out.push_back(s);
  return out;
}

namespace {

// The id shows in /reflect, logs and process keys: never the key, only a digest keyed by a secret of this
// process, so that even a weak key cannot be guessed back from it. Every request of a client carries the same
// key: each thread remembers the last one it digested.
std::string key_agent_id(std::string_view key) {
  static const std::string salt = base::random_hex(32);
  thread_local std::string last_key, last_id;
  if (last_id.empty() || last_key != key) {
    last_id = std::string(kKeyAgentPrefix) + base::hmac_sha256_hex(salt, key).substr(0, 16);
    last_key.assign(key);
  }
  return last_id;
}

}  // namespace

std::optional<std::string> agent_identity(std::optional<std::string_view> x_agent_id,
                                          std::optional<std::string_view> authorization, bool scoped_by_key) {
  std::string key_id;
  if (authorization) {
    std::string_view v = *authorization;
    if (base::starts_with(v, "Bearer ")) {
      v = base::trim(v.substr(7));
    } else if (base::starts_with(v, "Agent ")) {
      v = v.substr(6);
    }
    if (!v.empty()) key_id = key_agent_id(v);
  }
  std::string id = x_agent_id ? std::string(base::trim(*x_agent_id)) : key_id;
  if (x_agent_id && base::starts_with(id, kKeyAgentPrefix)) return std::nullopt;  // only keys are named so
  if (id.empty() || id == "." || id == ".." || id.size() > 256) return std::nullopt;
  if (x_agent_id && scoped_by_key) {  // another key's agent of the same name is another agent
    if (key_id.empty()) return std::nullopt;
    id += "@" + key_id;
  }
  for (unsigned char c : id) {
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return std::nullopt;
  }
  return id;
}

}  // namespace awmg::frontend
