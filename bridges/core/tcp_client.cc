#include "bridges/core/tcp_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace ccmon::bridges {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

Backoff::Backoff(std::int64_t initial_ms, std::int64_t max_ms, double factor, double jitter,
                 std::uint64_t seed)
    : initial_ms_(std::max<std::int64_t>(1, initial_ms)),
      max_ms_(std::max(max_ms, std::max<std::int64_t>(1, initial_ms))),
      factor_(std::max(1.0, factor)),
      jitter_(std::clamp(jitter, 0.0, 0.99)),
      random_(seed) {}

std::int64_t Backoff::NextDelayMs() {
  // initial · factor^attempt, computed in floating point and capped before converting back.
  const double raw = static_cast<double>(initial_ms_) * std::pow(factor_, attempt_);
  const double capped = std::min(raw, static_cast<double>(max_ms_));
  if (capped < static_cast<double>(max_ms_)) ++attempt_;  // Stop growing once at the cap.
  double delay = capped;
  if (jitter_ > 0) {
    std::uniform_real_distribution<double> draw(1.0 - jitter_, 1.0);
    delay *= draw(random_);
  }
  return std::max<std::int64_t>(1, std::llround(delay));
}

struct TcpClient::Impl {
  Impl(TcpClientOptions o, Handler* h)
      : options(std::move(o)),
        handler(h),
        resolver(io),
        socket(io),
        connect_timer(io),
        retry_timer(io),
        tick_timer(io),
        backoff(options.reconnect_initial_ms, options.reconnect_max_ms, 2.0,
                options.reconnect_jitter, std::random_device{}()) {}

  std::string Target() const { return options.host + ":" + std::to_string(options.port); }

  void StartConnect() {
    if (stopping) return;
    const std::uint64_t attempt = ++generation;
    connect_timer.expires_after(std::chrono::milliseconds(options.connect_timeout_ms));
    connect_timer.async_wait([this, attempt](const error_code& ec) {
      if (ec || attempt != generation || connected) return;
      // The attempt took too long: cancelling fails the pending resolve or connect.
      resolver.cancel();
      error_code ignored;
      socket.close(ignored);
      timed_out = true;
    });
    timed_out = false;
    resolver.async_resolve(
        options.host, std::to_string(options.port),
        [this, attempt](const error_code& ec, const tcp::resolver::results_type& results) {
          if (attempt != generation || stopping) return;
          if (ec) {
            AttemptFailed(timed_out ? "timed out" : "resolve: " + ec.message());
            return;
          }
          socket = tcp::socket(io);
          net::async_connect(socket, results,
                             [this, attempt](const error_code& cec, const tcp::endpoint&) {
                               if (attempt != generation || stopping) return;
                               if (cec) {
                                 AttemptFailed(timed_out ? "timed out" : cec.message());
                                 return;
                               }
                               OnOpen();
                             });
        });
  }

  void AttemptFailed(const std::string& why) {
    connect_timer.cancel();
    error_code ignored;
    socket.close(ignored);
    ScheduleReconnect("cannot connect to " + Target() + ": " + why);
  }

  void OnOpen() {
    connect_timer.cancel();
    connected = true;
    ++connections;
    last_data = SteadyClock::now();
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    socket.set_option(net::socket_base::keep_alive(true), ignored);
    spdlog::info("{}: connected to {}", options.log_name, Target());
    const std::uint64_t connection = generation;
    handler->OnConnected();
    if (connected && connection == generation) StartRead(connection);
  }

  void StartRead(std::uint64_t connection) {
    socket.async_read_some(
        net::buffer(buffer), [this, connection](const error_code& ec, std::size_t n) {
          if (connection != generation || !connected) return;
          if (ec) {
            Close(ec == net::error::eof ? std::string("closed by the server") : ec.message());
            return;
          }
          last_data = SteadyClock::now();
          handler->OnData(std::string_view(buffer.data(), n));
          if (connected && connection == generation) StartRead(connection);
        });
  }

  void Send(std::string bytes) {
    if (!connected) return;
    outbox.push_back(std::move(bytes));
    if (!writing) WriteNext(generation);
  }

  void WriteNext(std::uint64_t connection) {
    if (outbox.empty()) {
      writing = false;
      return;
    }
    writing = true;
    net::async_write(socket, net::buffer(outbox.front()),
                     [this, connection](const error_code& ec, std::size_t) {
                       if (connection != generation || !connected) return;
                       if (ec) {
                         Close("write: " + ec.message());
                         return;
                       }
                       outbox.pop_front();
                       WriteNext(connection);
                     });
  }

  // Closes the open connection, tells the handler, and reconnects unless stopping.
  void Close(const std::string& reason) {
    if (!connected) return;
    connected = false;
    ++generation;  // Handlers of the old socket see a different generation and do nothing.
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    outbox.clear();
    writing = false;
    handler->OnDisconnected(reason);
    if (!stopping) ScheduleReconnect("connection to " + Target() + " lost: " + reason);
  }

  void ScheduleReconnect(const std::string& why) {
    if (stopping) return;
    const std::int64_t delay = backoff.NextDelayMs();
    spdlog::warn("{}: {}; reconnecting in {} ms", options.log_name, why, delay);
    retry_timer.expires_after(std::chrono::milliseconds(delay));
    retry_timer.async_wait([this](const error_code& ec) {
      if (ec || stopping) return;
      StartConnect();
    });
  }

  void ScheduleTick() {
    tick_timer.expires_after(std::chrono::milliseconds(options.tick_ms));
    tick_timer.async_wait([this](const error_code& ec) {
      if (ec || stopping) return;
      if (connected && options.idle_timeout_ms > 0 &&
          SteadyClock::now() - last_data > std::chrono::milliseconds(options.idle_timeout_ms)) {
        Close("nothing received for " + std::to_string(options.idle_timeout_ms) + " ms");
      }
      handler->OnTick();
      if (!stopping) ScheduleTick();
    });
  }

  void DoStop() {
    if (stopping) return;
    stopping = true;  // First, so that closing does not schedule a reconnection.
    Close("stopped");
    ++generation;
    resolver.cancel();
    connect_timer.cancel();
    retry_timer.cancel();
    tick_timer.cancel();
    error_code ignored;
    socket.close(ignored);
  }

  TcpClientOptions options;
  Handler* handler;
  net::io_context io;
  tcp::resolver resolver;
  tcp::socket socket;
  net::steady_timer connect_timer;
  net::steady_timer retry_timer;
  net::steady_timer tick_timer;
  Backoff backoff;
  std::array<char, 16 * 1024> buffer{};
  std::deque<std::string> outbox;
  bool writing = false;
  bool connected = false;
  bool stopping = false;
  bool timed_out = false;
  std::uint64_t generation = 0;
  std::atomic<std::uint64_t> connections{0};
  SteadyClock::time_point last_data{};
};

TcpClient::TcpClient(TcpClientOptions options, Handler* handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

TcpClient::~TcpClient() = default;

void TcpClient::Run() {
  net::post(impl_->io, [this] {
    impl_->StartConnect();
    impl_->ScheduleTick();
  });
  impl_->io.run();
}

void TcpClient::Send(std::string bytes) { impl_->Send(std::move(bytes)); }

void TcpClient::Disconnect(const std::string& reason) { impl_->Close(reason); }

void TcpClient::Stop() {
  net::post(impl_->io, [this] { impl_->DoStop(); });
}

void TcpClient::ResetBackoff() { impl_->backoff.Reset(); }

bool TcpClient::connected() const { return impl_->connected; }

std::uint64_t TcpClient::connections() const { return impl_->connections.load(); }

std::string TcpClient::target() const { return impl_->Target(); }

Result<std::string> ReadSecretFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed");
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                             secret.back() == ' ' || secret.back() == '\t')) {
    secret.pop_back();
  }
  if (secret.empty()) return Status::InvalidArgument(path + ": the file is empty");
  return secret;
}

}  // namespace ccmon::bridges
