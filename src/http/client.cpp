#include "http/client.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "base/strings.hpp"

#include <algorithm>

namespace awmg::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

bool closed(const beast::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor;
}

}  // namespace

Result<Url> Url::parse(std::string_view text) {
  Url url;
  url.tls = base::starts_with(text, "https://");
  if (!url.tls && !base::starts_with(text, "http://"))
    return Error{"the URL must start with http:// or https://: " + std::string(text)};
  if (url.tls) url.port = "443";
  std::string_view rest = text.substr(url.tls ? 8 : 7);
  auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.target = std::string(rest.substr(slash));
  if (url.target.front() != '/') url.target.insert(0, "/");
  if (auto hash = url.target.find('#'); hash != std::string::npos) url.target.erase(hash);
  if (authority.find('@') != std::string_view::npos) return Error{"credentials in the URL are not supported"};
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Error{"bad IPv6 address in URL " + std::string(text)};
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') url.port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) url.port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return Error{"the URL has no host: " + std::string(text)};
  if (url.port.empty() || url.port.find_first_not_of("0123456789") != std::string::npos)
    return Error{"bad port in URL " + std::string(text)};
  return url;
}

Url Url::resolve(std::string_view reference) const {
  if (base::starts_with(reference, "http://") || base::starts_with(reference, "https://")) {
    auto parsed = Url::parse(reference);
    return parsed ? *parsed : *this;
  }
  Url out = *this;
  if (!reference.empty() && reference.front() == '/') {
    out.target = std::string(reference);
  } else {
    std::string base = target.substr(0, target.find('?'));
    out.target = base.substr(0, base.rfind('/') + 1) + std::string(reference);
  }
  return out;
}

Exchange::Exchange(std::shared_ptr<Client> client, std::shared_ptr<Transport> stream)
    : client_(std::move(client)), stream_(std::move(stream)) {
  parser_.body_limit(std::uint64_t{1}
                     << 62);  // (not boost::none: Beast 1.74 then refuses any Content-Length)
  parser_.header_limit(64 * 1024);
}

Exchange::~Exchange() {
  if (abort_) abort_->stream_.reset();  // a late abort must not close a connection someone else now uses
  if (done_ && parser_.keep_alive()) {
    client_->give_back(std::move(stream_), context_);
  } else if (stream_) {
    stream_->close();
  }
}

void Abort::operator()() {
  aborted_ = true;
  asio::post(executor_, [self = shared_from_this()] {
    if (auto s = self->stream_.lock()) s->close();
  });
}

std::string Exchange::header(std::string_view name) const {
  auto it = parser_.get().find(beast::string_view(name.data(), name.size()));
  return it == parser_.get().end() ? "" : std::string(it->value());
}

std::string Exchange::content_type() const {
  std::string value = header("Content-Type");
  return base::to_lower(base::trim(std::string_view(value).substr(0, value.find(';'))));
}

asio::awaitable<Result<std::string>> Exchange::read_some() {
  char piece[16384];
  while (!done_) {
    if (parser_.is_done()) break;
    parser_.get().body().data = piece;
    parser_.get().body().size = sizeof piece;
    beast::error_code ec = co_await stream_->read_some(buffer_, parser_);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) co_return Error{closed(ec) ? "the connection was closed" : ec.message()};
    size_t n = sizeof piece - parser_.get().body().size;
    if (parser_.is_done()) done_ = true;
    if (n > 0) co_return std::string(piece, n);
  }
  done_ = true;
  co_return std::string();
}

asio::awaitable<Result<std::string>> Exchange::read_all(size_t limit) {
  std::string body;
  while (!done_) {
    auto piece = co_await read_some();
    if (!piece) co_return piece.error();
    body += *piece;
    if (body.size() > limit)
      co_return Error{"the response body is larger than " + std::to_string(limit) + " bytes"};
  }
  co_return body;
}

Client::Client(Url origin, std::chrono::milliseconds connect_timeout)
    : origin_(std::move(origin)), connect_timeout_(connect_timeout) {
  if (!origin_.tls) return;
  tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  tls_->set_default_verify_paths();  // the system's CAs (SSL_CERT_FILE / SSL_CERT_DIR override them)
  tls_->set_verify_mode(asio::ssl::verify_peer);
}

void Client::give_back(std::shared_ptr<Transport> stream, const void* context) {
  std::lock_guard lock(mutex_);
  auto mine = std::count_if(idle_.begin(), idle_.end(), [&](const Idle& i) { return i.context == context; });
  if (static_cast<size_t>(mine) < kMaxIdle)
    idle_.push_back({std::move(stream), std::chrono::steady_clock::now(), context});
}

std::shared_ptr<Transport> Client::take_idle(const void* context) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  std::shared_ptr<Transport> found;
  for (size_t i = idle_.size(); i-- > 0;) {
    if (now - idle_[i].since >= kIdleReuse) {
      // servers drop idle keep-alive connections (Node: after 5 s); do not race them
      idle_[i].stream->close();
      idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (!found && idle_[i].context == context) {
      found = std::move(idle_[i].stream);
      idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  return found;
}

void Client::close_idle() {
  std::lock_guard lock(mutex_);
  for (auto& entry : idle_) entry.stream->close();
  idle_.clear();
}

asio::awaitable<Result<std::unique_ptr<Exchange>>> Client::send(
    bhttp::verb verb, const std::string& target, const std::map<std::string, std::string>& headers,
    const std::string& body, const std::shared_ptr<Abort>& abort) {
  OutgoingRequest request{verb, target, 11};
  request.set(bhttp::field::host, origin_.host_header());
  request.set(bhttp::field::user_agent, "awmg");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (verb != bhttp::verb::get || !body.empty()) request.body() = body;
  request.prepare_payload();
  auto executor = co_await asio::this_coro::executor;
  const void* context = &asio::query(executor, asio::execution::context);
  while (true) {  // every pass takes an idle connection or makes a new one; only a reused one is retried
    std::shared_ptr<Transport> stream = take_idle(context);
    bool reused = stream != nullptr;
    if (abort && abort->aborted()) co_return Error{"the connection was closed"};
    if (!stream) {
      auto timeout = connect_timeout_;
      if (abort && abort->deadline() != std::chrono::steady_clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(abort->deadline() -
                                                                          std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds(0)) co_return Error{"the connection was closed"};
        timeout = std::min(timeout, left);
      }
      auto connected = co_await Transport::connect(origin_.host, origin_.port, tls_.get(), timeout);
      if (!connected) co_return connected.error();
      stream = std::move(*connected);
    }
    if (abort) abort->stream_ = stream;
    if (abort && abort->aborted()) co_return Error{"the connection was closed"};
    // (no write timeout: a pooled connection's timer would fire on its first executor)
    beast::error_code ec = co_await stream->write(request);
    auto exchange = std::make_unique<Exchange>(shared_from_this(), stream);
    exchange->abort_ = abort;
    exchange->context_ = context;
    if (!ec) ec = co_await stream->read_header(exchange->buffer_, exchange->parser_);
    // Interim answers (100 Continue, 103 Early Hints) come before the answer: read past them, or the answer
    // would stay on a pooled connection for the next request to read as its own.
    for (int interim = 0; !ec && exchange->status() >= 100 && exchange->status() < 200; ++interim) {
      if (interim == 8 || exchange->status() == 101) {
        co_return Error{origin_.host_header() + " answered with interim responses only"};
      }
      auto next = std::make_unique<Exchange>(shared_from_this(), stream);
      next->buffer_ = std::move(exchange->buffer_);  // (it may hold the start of the answer)
      next->abort_ = abort;
      next->context_ = context;
      exchange->stream_ = nullptr;  // neither closed nor given back by the interim exchange
      exchange->abort_ = nullptr;
      exchange = std::move(next);
      ec = co_await stream->read_header(exchange->buffer_, exchange->parser_);
    }
    if (!ec) co_return exchange;
    if (reused && (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                   ec == asio::error::broken_pipe || ec == asio::error::eof))
      continue;  // the server closed an idle keep-alive connection before reading: once more
    if (closed(ec) || (abort && abort->aborted())) co_return Error{"the connection was closed"};
    co_return Error{origin_.host_header() + " did not answer: " + ec.message()};
  }
}

asio::awaitable<Result<Fetched>> fetch(const Url& url, const std::map<std::string, std::string>& headers,
                                       const std::chrono::steady_clock::time_point& deadline,
                                       const size_t& limit) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left <= std::chrono::milliseconds(0)) co_return Error{"the deadline passed"};
  auto client = std::make_shared<Client>(url, left);
  auto executor = co_await asio::this_coro::executor;
  auto abort = std::make_shared<Abort>(executor, deadline);
  asio::steady_timer timer(executor, deadline);
  timer.async_wait([abort](boost::system::error_code ec) {
    if (!ec) (*abort)();
  });
  const std::string no_body;
  auto exchange = co_await client->send(bhttp::verb::get, url.target, headers, no_body, abort);
  if (!exchange) co_return exchange.error();
  auto body = co_await (*exchange)->read_all(limit);
  timer.cancel();
  if (!body) co_return body.error();
  co_return Fetched{(*exchange)->status(), std::move(*body)};
}

}  // namespace awmg::http
