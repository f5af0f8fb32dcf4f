// A reconnecting TCP client for the bridges that talk to their platform over a socket (Asterisk
// AMI, the FreeSWITCH event socket), and the backoff between its attempts.
//
// TcpClient owns one Asio event loop (io_context) and runs it on the thread that calls Run(): it
// resolves and connects, hands every received chunk of bytes to its Handler, writes what the
// handler sends, calls the handler's OnTick() every tick (connected or not, so heartbeats and
// deadlines keep running while the platform is away), and when the connection fails or closes it
// waits a capped exponential backoff and connects again, until Stop(). The protocol itself
// (greeting, login, framing) lives in the handler; the handler calls ResetBackoff() once a session
// is really established (logged in), so a server that accepts and drops at once is still retried
// at a falling rate.
//
// Threading: everything runs on the Run() thread; the handler is called only there and may call
// Send(), Disconnect(), ResetBackoff() and Stop() from its callbacks. Stop() is also safe from any
// other thread (tests). The Asio types are kept out of this header.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ccmon::bridges {

// What a platform session (login, framing, mapping on top of a TcpClient) tells the command that
// runs it: when the session is established and lost (the ACD connection state the heartbeats
// report), every tick, and a failure that retrying cannot fix. Called on the Run() thread.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  // Logged in (or authenticated and subscribed): the ACD connection is up.
  virtual void OnSessionUp() = 0;
  // The established session ended (connection lost, closed, or stopping).
  virtual void OnSessionDown() = 0;
  // Every client tick; `up` is the current state.
  virtual void OnSessionTick(bool up) = 0;
  // The platform refused us for good (credentials rejected): the command stops with an error.
  virtual void OnSessionFatal(const Status& status) = 0;
};

// Delays between reconnection attempts: initial, initial·factor, initial·factor², … capped at max.
// With jitter j > 0 each delay is drawn uniformly from [d·(1 − j), d], so many bridges restarted
// together do not reconnect in lockstep. Not thread-safe.
class Backoff {
 public:
  // initial_ms ≥ 1 and max_ms ≥ initial_ms are assumed (the command line checks them); factor ≥ 1;
  // jitter in [0, 1).
  Backoff(std::int64_t initial_ms, std::int64_t max_ms, double factor = 2.0, double jitter = 0.0,
          std::uint64_t seed = 1);

  // The delay before the next attempt; each call grows the next one (up to the cap).
  std::int64_t NextDelayMs();
  // Back to the initial delay (after a successful session).
  void Reset() { attempt_ = 0; }
  // Delays handed out since the last Reset().
  int attempts() const { return attempt_; }

 private:
  std::int64_t initial_ms_;
  std::int64_t max_ms_;
  double factor_;
  double jitter_;
  int attempt_ = 0;
  std::mt19937_64 random_;
};

struct TcpClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::int64_t connect_timeout_ms = 5'000;  // Resolve + connect, per attempt.
  std::int64_t reconnect_initial_ms = 500;
  std::int64_t reconnect_max_ms = 30'000;
  double reconnect_jitter = 0.2;
  // Close the connection when nothing arrived for this long (0 = never). The handler keeps a
  // quiet but healthy connection busy (AMI Ping, FreeSWITCH HEARTBEAT events).
  std::int64_t idle_timeout_ms = 0;
  std::int64_t tick_ms = 100;  // How often Handler::OnTick() runs.
  // Name used in log lines ("asterisk-ami").
  std::string log_name = "tcp";
};

class TcpClient {
 public:
  // The protocol on top of the byte stream. All calls come from the Run() thread.
  class Handler {
   public:
    virtual ~Handler() = default;
    // A connection is open; send the greeting or wait for the server's.
    virtual void OnConnected() = 0;
    // Bytes arrived on the open connection (any split: a message may span several calls).
    virtual void OnData(std::string_view bytes) = 0;
    // The connection that OnConnected() announced is closed: by the peer, an error, the idle
    // timeout, Disconnect() or Stop(). `reason` is for logs.
    virtual void OnDisconnected(const std::string& reason) = 0;
    // Every tick_ms while Run() runs, connected or not.
    virtual void OnTick() = 0;
  };

  // `handler` must outlive the client.
  TcpClient(TcpClientOptions options, Handler* handler);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  // Connects (and reconnects) and dispatches until Stop(); returns when every pending operation
  // has finished. Call once.
  void Run();

  // Queues bytes for the open connection; dropped when not connected.
  void Send(std::string bytes);
  // Closes the open connection (OnDisconnected follows at once) and reconnects after the backoff.
  void Disconnect(const std::string& reason);
  // Closes the connection and ends Run(). Safe from any thread.
  void Stop();
  // The next reconnection waits the initial delay again.
  void ResetBackoff();

  bool connected() const;
  // Connections opened so far (the first one included).
  std::uint64_t connections() const;
  // "host:port" as configured.
  std::string target() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a credential (AMI secret, event-socket password) from a file: the whole file without its
// trailing line break and blanks, so `echo secret > file` works. NotFound / IoError name the
// file; InvalidArgument if it is empty. Secrets stay off the command line (visible in ps).
Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace ccmon::bridges
