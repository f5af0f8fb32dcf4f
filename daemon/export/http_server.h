// HttpServer: the daemon's HTTP/1.1 server (Boost.Beast over Asio) that serves /metrics, the
// health endpoints and, later, the JSON API and the wallboard.
//
// It runs on the engine's io_context, so route handlers run on the engine thread and may read
// engine state directly, without locks. prometheus-cpp's civetweb Exposer is not used (no TLS on
// Debian 12). Untrusted input never escapes as an exception: malformed requests are answered
// 400/413/431 and counted, slow clients are dropped, a connection flood beyond max_connections is
// answered 503. TLS and basic auth are planned: the connection code is written over a generic
// Beast stream (a TLS stream slots in after a handshake step), and SetAuthorizer() is the hook
// for the auth check.
//
// Threading: construct, configure and Start() before the io_context runs or on its thread; every
// other method, and every handler, runs on the io_context thread. The io_context must be run by
// one thread only, and must outlive the HttpServer.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/status.h"
#include "daemon/export/http_message.h"
#include "daemon/export/listen_address.h"

namespace ccmon::web {

// The `handler` of a response that no route produced: the path has no route (404), or the request
// was refused before routing (400, 413, 431, or 503 over max_connections). Routes start with '/',
// so neither can be a route's path.
inline constexpr std::string_view kHandlerUnmatched = "unmatched";
inline constexpr std::string_view kHandlerNone = "none";

// Responses written for one handler and status code.
struct HttpResponseCounts {
  std::uint64_t responses = 0;
  std::uint64_t bytes = 0;  // Status line, headers and body as written (HEAD: no body).
};

// Counters of the server's own health, rendered as ccmond_http_* by the MetricsEndpoint
// registered on the server (daemon/export/http_metrics.h). Read and written on the io_context
// thread only.
struct HttpStats {
  std::uint64_t connections_accepted = 0;       // Admitted and served.
  std::uint64_t connections_rejected = 0;       // Over max_connections: answered 503 or closed.
  std::uint64_t connections_timed_out = 0;      // A request or response not done in time.
  std::uint64_t connections_idle_closed = 0;    // Keep-alive connections idle for too long.
  std::uint64_t accept_errors = 0;              // accept() failures (e.g. out of descriptors).
  std::uint64_t requests_malformed = 0;         // Answered 400 before reaching a route.
  std::uint64_t requests_header_too_large = 0;  // Answered 431.
  std::uint64_t requests_body_too_large = 0;    // Answered 413.
  // Responses written or being written, by status class: [0] 1xx, [1] 2xx, ... [4] 5xx.
  std::array<std::uint64_t, 5> responses_by_class{};
  std::uint64_t open_connections = 0;  // Now, not counting rejected ones still being answered.
  // Every response by handler (the path of the route that matched, or kHandlerUnmatched or
  // kHandlerNone) and status code. Bounded: the routes plus two, times the codes they answer.
  std::map<std::pair<std::string, int>, HttpResponseCounts> responses;
};

class HttpServerCore;  // The state shared with pending operations; see http_server.cc.

class HttpServer {
 public:
  struct Options {
    ListenAddress listen_address;  // Default: every interface, a port the kernel picks.
    std::size_t max_request_header_bytes = 8 * 1024;  // Larger: 431.
    std::size_t max_body_bytes = 64 * 1024;           // Larger: 413.
    std::size_t max_connections = 512;                // More at once: 503 and close.
    // A request must arrive whole within this time, counted from the accept for the first request
    // of a connection and from its first byte for later ones. Slower clients are dropped.
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds write_timeout{10'000};  // A response must be taken this fast.
    // How long a keep-alive connection may wait for its next request. Longer than a typical
    // one-minute scrape interval, so Prometheus reuses its connection between scrapes.
    std::chrono::milliseconds idle_timeout{120'000};
    // Before closing a connection (after an error response such as 400/413/431/503, or when the
    // client asked for close) the server stops sending and reads and discards what the client
    // still sends for up to this long, so that the client reads the response instead of a reset.
    std::chrono::milliseconds linger_timeout{1'000};
    // For the Date header and log rate limits; null: the wall clock. Must outlive the server.
    const Clock* clock = nullptr;
  };

  HttpServer(boost::asio::io_context& io_context, Options options);
  // Stops the server (see Stop()).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `path` with `handler` for the `allowed` methods (GET implies HEAD); see Router::Route.
  // The handler (and whatever it points to) must stay valid until Stop().
  void Route(std::string path, Methods allowed, Handler handler);

  // Serves every path under `prefix` that has no exact route; see Router::RoutePrefix.
  void RoutePrefix(std::string prefix, Methods allowed, Handler handler);

  // Checks every request before routing (basic auth later); see Authorizer.
  void SetAuthorizer(Authorizer authorizer);

  // Resolves the listen address, binds and starts accepting. Port 0 binds a free port (read it
  // with port()). Fails with InvalidArgument if called twice or after Stop(), Unavailable if the
  // host name does not resolve, IoError if the address cannot be bound ("address already in
  // use"); the message names the address.
  Status Start();

  // Closes the listening socket and every connection, abandoning responses in flight; pending
  // operations complete as cancelled and touch nothing. Once it returns, the server adds no work
  // to the io_context, so io_context::run() returns when the rest of the daemon is done.
  // Idempotent.
  void Stop();

  // The bound port; 0 before Start().
  std::uint16_t port() const;
  // The bound address as "127.0.0.1:9464" or "[::]:9464"; empty before Start().
  std::string local_address() const;

  const HttpStats& stats() const;

 private:
  std::shared_ptr<HttpServerCore> core_;
};

}  // namespace ccmon::web
