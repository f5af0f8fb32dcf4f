#include "daemon/export/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "daemon/export/request_parsing.h"
#include "daemon/export/router.h"

namespace ccmon::web {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

// Rejected connections (over max_connections) still cost a descriptor while they are answered
// 503; beyond this many at once, further ones are closed without an answer.
constexpr std::size_t kMaxRejecting = 64;
// Bytes read per attempt while waiting for a keep-alive connection's next request or draining.
constexpr std::size_t kReadChunk = 4096;
// Draining after an error response stops after this much, whatever the linger timeout says.
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
// How long to wait before accepting again after accept() failed (e.g. out of descriptors).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

std::string FormatEndpoint(const tcp::endpoint& ep) {
  const net::ip::address a = ep.address();
  if (a.is_v6()) return "[" + a.to_string() + "]:" + std::to_string(ep.port());
  return a.to_string() + ":" + std::to_string(ep.port());
}

// IMF-fixdate (RFC 9110 §5.6.7), written by hand because strftime's names follow the locale.
std::string HttpDate(UnixMs now_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[64];
  std::snprintf(out, sizeof(out), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

// Header names must be tokens and values must not break the message framing: a handler that
// echoes request data into a header must not be able to inject headers.
bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || c == ':') return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

const char* ReasonForError(int status) {
  switch (status) {
    case 413:
      return "Request body too large\n";
    case 431:
      return "Request header too large\n";
    case 503:
      return "Too many connections\n";
    default:
      return "Bad request\n";
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

// What HttpServerCore knows of a connection: enough to close it on Stop().
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Closes the connection now; pending operations complete as cancelled and do nothing.
  virtual void Abort() = 0;
  bool rejecting() const { return rejecting_; }

 protected:
  explicit ConnectionBase(bool rejecting) : rejecting_(rejecting) {}

 private:
  bool rejecting_;
};

// The server's state, shared with every pending operation so that a completion arriving after
// HttpServer is gone (Stop(), then destruction, then the io_context drains) finds it alive.
class HttpServerCore : public std::enable_shared_from_this<HttpServerCore> {
 public:
  using Options = HttpServer::Options;

  HttpServerCore(net::io_context& io, Options options)
      : io_(io),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &wall_clock_),
        acceptor_(io),
        retry_timer_(io),
        accept_log_limiter_(clock_) {
    limits_.max_header_bytes = options_.max_request_header_bytes;
    limits_.max_body_bytes = options_.max_body_bytes;
  }

  Status Start();
  void Stop();
  bool running() const { return state_ == State::kRunning; }

  void Register(ConnectionBase* c) {
    connections_.insert(c);
    if (c->rejecting()) {
      ++rejecting_;
    } else {
      ++stats_.open_connections;
    }
  }
  void Unregister(ConnectionBase* c) {
    if (connections_.erase(c) == 0) return;
    if (c->rejecting()) {
      --rejecting_;
    } else {
      --stats_.open_connections;
    }
  }

  // The Date header value, formatted at most once a second.
  const std::string& Date() {
    const UnixMs second = clock_->NowMs() / 1000;
    if (second != date_second_) {
      date_second_ = second;
      date_ = HttpDate(second * 1000);
    }
    return date_;
  }

  const Options& options() const { return options_; }
  const RequestLimits& limits() const { return limits_; }
  Router& router() { return router_; }
  HttpStats& stats() { return stats_; }
  std::uint16_t port() const { return bound_ ? bound_->port() : 0; }
  std::string local_address() const { return bound_ ? FormatEndpoint(*bound_) : std::string(); }

 private:
  enum class State { kNew, kRunning, kStopped };

  Status Listen(const std::vector<tcp::endpoint>& candidates);
  void Accept();
  void OnAccept(const error_code& ec, tcp::socket socket);

  net::io_context& io_;
  Options options_;
  WallClock wall_clock_;
  const Clock* clock_;
  RequestLimits limits_;
  Router router_;
  HttpStats stats_;
  State state_ = State::kNew;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::optional<tcp::endpoint> bound_;
  std::unordered_set<ConnectionBase*> connections_;
  std::size_t rejecting_ = 0;
  UnixMs date_second_ = -1;
  std::string date_;
  LogRateLimiter accept_log_limiter_;
};

// ---------------------------------------------------------------------------------------------
// One client connection. Written over a generic Beast stream so that a TLS stream
// (beast::ssl_stream<beast::tcp_stream>) can reuse it: timeouts and closing go through the
// lowest layer, which is a beast::tcp_stream either way. A TLS variant adds a handshake before
// the first read and an async_shutdown before Linger().
//
// Every completion handler first checks closed_ (set by Stop() and by every close), so an
// operation that completes after the connection was given up does nothing.

template <typename Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(std::shared_ptr<HttpServerCore> server, Stream stream, std::string remote,
             bool rejecting)
      : ConnectionBase(rejecting),
        server_(std::move(server)),
        stream_(std::move(stream)),
        remote_(std::move(remote)) {}

  ~Connection() override {
    if (!closed_) server_->Unregister(this);
  }

  void Start() {
    server_->Register(this);
    if (rejecting()) {
      SendError(503, "over max_connections");
    } else {
      ReadRequest();
    }
  }

  void Abort() override { Close(); }

 private:
  auto& Lowest() { return beast::get_lowest_layer(stream_); }
  std::shared_ptr<Connection> Self() { return this->shared_from_this(); }

  // Runs a completion handler's body; anything it throws (a library error, bad_alloc) closes
  // this connection instead of unwinding through io_context::run() into the engine.
  template <typename F>
  void Guarded(const char* where, F&& body) {
    try {
      body();
    } catch (const std::exception& e) {
      spdlog::error("http: {} for {} failed: {}", where, remote_, e.what());
      Close();
    }
  }

  void ReadRequest() {
    parser_.emplace();
    ApplyLimits(server_->limits(), &*parser_);
    if (first_request_ || buffer_.size() > 0) {
      ReadRest();
      return;
    }
    // Between requests the idle timeout applies; the read timeout starts with the next byte.
    Lowest().expires_after(server_->options().idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = Self()](const error_code& ec, std::size_t n) { self->OnIdleRead(ec, n); });
  }

  void OnIdleRead(const error_code& ec, std::size_t n) {
    if (closed_ || ec == net::error::operation_aborted) return;
    Guarded("idle read", [&] {
      if (ec) {
        if (ec == beast::error::timeout) ++server_->stats().connections_idle_closed;
        Close();  // The timeout, or the client closed its keep-alive connection.
        return;
      }
      buffer_.commit(n);
      ReadRest();
    });
  }

  void ReadRest() {
    Lowest().expires_after(server_->options().read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](const error_code& ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(const error_code& ec) {
    if (closed_ || ec == net::error::operation_aborted) return;
    Guarded("request", [&] {
      if (ec) {
        OnReadError(ec);
        return;
      }
      const bool keep_alive = parser_->get().keep_alive();
      Result<Request> request = ToRequest(parser_->release(), remote_);
      parser_.reset();
      if (!request.ok()) {
        ++server_->stats().requests_malformed;
        SendError(400, request.status().message());
        return;
      }
      const std::string* route = server_->router().FindRoute(request->path);
      // Copied before dispatching: a handler may replace its own route.
      const std::string handler(route != nullptr ? std::string_view(*route) : kHandlerUnmatched);
      Response response = server_->router().Dispatch(*request);
      if (closed_) return;  // The handler stopped the server.
      Send(std::move(response), handler, request->method == Method::kHead, request->version,
           keep_alive && server_->running());
    });
  }

  void OnReadError(const error_code& ec) {
    if (ec == beast::error::timeout) {
      ++server_->stats().connections_timed_out;
      spdlog::debug("http: {} sent no complete request in time; dropped", remote_);
      Close();
      return;
    }
    const int status = StatusForReadError(ec);
    if (status == 0) {  // The client went away (cleanly or not); nobody to answer.
      Close();
      return;
    }
    HttpStats& stats = server_->stats();
    if (status == 431) {
      ++stats.requests_header_too_large;
    } else if (status == 413) {
      ++stats.requests_body_too_large;
    } else {
      ++stats.requests_malformed;
    }
    SendError(status, ec.message());
  }

  // Answers with an error status and closes after a lingering drain.
  void SendError(int status, std::string_view why) {
    spdlog::debug("http: answering {} to {}: {}", status, remote_, why);
    Send(Response::Text(status, ReasonForError(status)), kHandlerNone, /*head=*/false,
         /*version=*/11, /*keep_alive=*/false);
  }

  // `handler` names the route for the counters (HttpStats::responses).
  void Send(Response r, std::string_view handler, bool head, int version, bool keep_alive) {
    close_after_write_ = !keep_alive;
    HttpStats& stats = server_->stats();
    ++stats.responses_by_class[static_cast<std::size_t>(r.status / 100 - 1)];
    // std::map nodes stay put, so the entry can take the bytes when the write completes.
    counts_ = &stats.responses[{std::string(handler), r.status}];
    ++counts_->responses;

    response_.emplace();
    auto& res = *response_;
    res.version(static_cast<unsigned>(version));
    res.result(static_cast<unsigned>(r.status));
    res.set(http::field::server, "ccmond");
    res.set(http::field::date, server_->Date());
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) {
      if (IsSafeHeader(name, value)) {
        res.insert(name, value);
      } else {
        spdlog::error("http: dropped unsafe response header \"{}\"", name);
      }
    }
    if (StatusHasNoBody(r.status)) {
      res.erase(http::field::content_type);
    } else {
      const std::size_t size = r.body.size();
      // HEAD: the headers of the GET answer, including its Content-Length, but no body.
      if (!head) res.body() = std::move(r.body);
      res.content_length(size);
    }
    res.keep_alive(keep_alive);

    Lowest().expires_after(server_->options().write_timeout);
    http::async_write(stream_, res, [self = Self()](const error_code& ec, std::size_t n) {
      self->OnWrite(ec, n);
    });
  }

  void OnWrite(const error_code& ec, std::size_t bytes) {
    if (counts_ != nullptr) counts_->bytes += bytes;  // Also what a failed write got out.
    counts_ = nullptr;
    if (closed_ || ec == net::error::operation_aborted) return;
    Guarded("response", [&] {
      response_.reset();
      if (ec) {
        if (ec == beast::error::timeout) ++server_->stats().connections_timed_out;
        Close();
        return;
      }
      if (close_after_write_) {
        Linger();
        return;
      }
      first_request_ = false;
      ReadRequest();
    });
  }

  void ShutdownSend() {
    error_code ignored;  // The peer may be gone already; closing follows either way.
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Closing a socket with unread input makes the kernel send a reset, which can destroy the last
  // response (typically a 4xx/503 sent before the request was read whole) before the client reads
  // it. So: stop sending, read and discard until the client closes or the linger timeout passes,
  // then close.
  void Linger() {
    ShutdownSend();
    buffer_.clear();
    Lowest().expires_after(server_->options().linger_timeout);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = Self()](const error_code& ec, std::size_t n) { self->OnDrain(ec, n); });
  }

  void OnDrain(const error_code& ec, std::size_t n) {
    if (closed_ || ec == net::error::operation_aborted) return;
    Guarded("drain", [&] {
      drained_ += n;
      if (ec || drained_ > kMaxDrainBytes) {
        Close();
        return;
      }
      Drain();
    });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    Lowest().close();  // Also cancels the stream's timer and pending operations.
    server_->Unregister(this);
  }

  std::shared_ptr<HttpServerCore> server_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::optional<http::response<http::string_body>> response_;
  HttpResponseCounts* counts_ = nullptr;  // Of the response being written.
  bool closed_ = false;
  bool first_request_ = true;
  bool close_after_write_ = false;
  std::size_t drained_ = 0;
};

using PlainConnection = Connection<beast::tcp_stream>;

// ---------------------------------------------------------------------------------------------

Status HttpServerCore::Start() {
  if (state_ != State::kNew) {
    return Status::InvalidArgument("http server: Start() called twice or after Stop()");
  }
  const ListenAddress& address = options_.listen_address;
  std::vector<tcp::endpoint> candidates;
  try {
    switch (address.kind) {
      case ListenAddress::HostKind::kAny:
        // Dual-stack [::] where the system has IPv6, 0.0.0.0 where it does not.
        candidates.emplace_back(net::ip::address_v6::any(), address.port);
        candidates.emplace_back(net::ip::address_v4::any(), address.port);
        break;
      case ListenAddress::HostKind::kIpv4:
      case ListenAddress::HostKind::kIpv6: {
        error_code ec;
        const net::ip::address ip = net::ip::make_address(address.host, ec);
        if (ec) {
          return Status::InvalidArgument("\"" + address.host + "\" is not an IP address")
              .WithContext("listen on " + address.ToString());
        }
        candidates.emplace_back(ip, address.port);
        break;
      }
      case ListenAddress::HostKind::kHostName: {
        error_code ec;
        tcp::resolver resolver(io_);
        // Resolving blocks; it happens once, at start-up, before the loop serves anything.
        const auto results = resolver.resolve(address.host, std::to_string(address.port),
                                              tcp::resolver::numeric_service, ec);
        if (ec) {
          return Status::Unavailable("cannot resolve \"" + address.host + "\": " + ec.message())
              .WithContext("listen on " + address.ToString());
        }
        for (const auto& entry : results) candidates.push_back(entry.endpoint());
        // Like Go exporters, bind a name's IPv4 address first: "localhost:9464" should answer
        // scrapes of 127.0.0.1:9464 even where localhost also (or first) resolves to ::1.
        std::stable_partition(candidates.begin(), candidates.end(),
                              [](const tcp::endpoint& ep) { return ep.address().is_v4(); });
        break;
      }
    }
    if (Status s = Listen(candidates); !s.ok()) {
      return s.WithContext("listen on " + address.ToString());
    }
  } catch (const std::exception& e) {
    return Status::Internal(e.what()).WithContext("listen on " + address.ToString());
  }
  state_ = State::kRunning;
  spdlog::info("http: listening on {}", local_address());
  Accept();
  return Status::Ok();
}

Status HttpServerCore::Listen(const std::vector<tcp::endpoint>& candidates) {
  if (candidates.empty()) return Status::Unavailable("the host name has no addresses");
  error_code ec;
  for (const tcp::endpoint& ep : candidates) {
    error_code ignored;
    acceptor_.close(ignored);
    if (acceptor_.open(ep.protocol(), ec)) continue;
    if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec)) continue;
    if (ep.address().is_v6() && ep.address().is_unspecified()) {
      // Best effort: where IPv6-only is forced, [::] serves IPv6 alone.
      acceptor_.set_option(net::ip::v6_only(false), ignored);
    }
    if (acceptor_.bind(ep, ec)) continue;
    if (acceptor_.listen(net::socket_base::max_listen_connections, ec)) continue;
    const tcp::endpoint local = acceptor_.local_endpoint(ec);
    if (ec) continue;
    bound_ = local;
    return Status::Ok();
  }
  error_code ignored;
  acceptor_.close(ignored);
  return Status::IoError(ec.message());
}

void HttpServerCore::Accept() {
  acceptor_.async_accept(io_, [self = shared_from_this()](const error_code& ec, tcp::socket s) {
    self->OnAccept(ec, std::move(s));
  });
}

void HttpServerCore::OnAccept(const error_code& ec, tcp::socket socket) {
  if (state_ != State::kRunning || ec == net::error::operation_aborted) return;
  try {
    if (ec) {
      ++stats_.accept_errors;
      std::uint64_t suppressed = 0;
      if (accept_log_limiter_.Allow(&suppressed)) {
        spdlog::warn("http: accept failed: {} ({} similar messages suppressed)", ec.message(),
                     suppressed);
      }
      // Retrying at once would spin while the cause (no free descriptors) lasts.
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](const error_code& wait_ec) {
        if (wait_ec == net::error::operation_aborted || !self->running()) return;
        self->Accept();
      });
      return;
    }
    error_code endpoint_ec;
    const tcp::endpoint remote = socket.remote_endpoint(endpoint_ec);
    std::string remote_text = endpoint_ec ? std::string("?") : FormatEndpoint(remote);
    bool rejecting = false;
    if (stats_.open_connections >= options_.max_connections) {
      ++stats_.connections_rejected;
      rejecting = true;
      if (rejecting_ >= kMaxRejecting) {
        error_code ignored;
        socket.close(ignored);
        Accept();
        return;
      }
    } else {
      ++stats_.connections_accepted;
    }
    auto connection =
        std::make_shared<PlainConnection>(shared_from_this(), beast::tcp_stream(std::move(socket)),
                                          std::move(remote_text), rejecting);
    connection->Start();
  } catch (const std::exception& e) {
    spdlog::error("http: setting up a connection failed: {}", e.what());
  }
  Accept();
}

void HttpServerCore::Stop() {
  if (state_ == State::kStopped) return;
  const bool was_running = state_ == State::kRunning;
  state_ = State::kStopped;
  error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  // Abort() unregisters each connection; work on a copy of the set.
  const std::vector<ConnectionBase*> open(connections_.begin(), connections_.end());
  for (ConnectionBase* c : open) c->Abort();
  connections_.clear();
  if (was_running) spdlog::info("http: stopped");
}

// ---------------------------------------------------------------------------------------------

HttpServer::HttpServer(net::io_context& io_context, Options options)
    : core_(std::make_shared<HttpServerCore>(io_context, std::move(options))) {}

HttpServer::~HttpServer() { core_->Stop(); }

void HttpServer::Route(std::string path, Methods allowed, Handler handler) {
  core_->router().Route(std::move(path), allowed, std::move(handler));
}

void HttpServer::RoutePrefix(std::string prefix, Methods allowed, Handler handler) {
  core_->router().RoutePrefix(std::move(prefix), allowed, std::move(handler));
}

void HttpServer::SetAuthorizer(Authorizer authorizer) {
  core_->router().SetAuthorizer(std::move(authorizer));
}

Status HttpServer::Start() { return core_->Start(); }

void HttpServer::Stop() { core_->Stop(); }

std::uint16_t HttpServer::port() const { return core_->port(); }

std::string HttpServer::local_address() const { return core_->local_address(); }

const HttpStats& HttpServer::stats() const { return core_->stats(); }

}  // namespace ccmon::web
