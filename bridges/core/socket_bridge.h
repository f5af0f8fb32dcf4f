// What the bridges that talk to their platform over a TCP socket (`asterisk-ami`, `freeswitch`)
// share as commands: the connection and timing options and their checks, the end of a dry run,
// and the run loop (one BridgeOutput, one reconnecting TcpClient, heartbeats that follow the
// session up and down, the final heartbeat and the exit summary).
//
// A socket bridge command declares AddSocketTargetOptions(), its own options (credentials,
// protocol knobs) and then AddSocketBridgeOptions(); at run time it checks them with
// ParseSocketBridgeTiming(), builds its platform's session on top of a SocketBridgeLoop's output
// and hands it to Run():
//
//   bridges::SocketBridgeLoop loop("asterisk-ami", options, timing);
//   if (int code = loop.Open(); code != 0) return code;
//   Mapper mapper(&loop.output(), &loop.output().caller_keys(), mapper_options);
//   Session session(session_options, &mapper, &loop.wall_clock(), loop.observer());
//   return loop.Run(&session, " as " + options.username);
//
// Threading: everything runs on the thread that calls Run() (the TcpClient's Asio event loop).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bridges/core/input_counts.h"
#include "bridges/core/output.h"
#include "bridges/core/tcp_client.h"
#include "common/clock.h"
#include "common/status.h"

namespace ccmon::bridges {

// The options every socket bridge has, as typed on the command line. A bridge's options derive
// from it and preset the platform's port and idle timeout.
struct SocketBridgeOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string idle_timeout = "30s";
  std::string connect_timeout = "5s";
  std::string reconnect_min = "500ms";
  std::string reconnect_max = "30s";
  std::string decision_hold = "2s";
  std::string summary_interval = "60s";
  bool dry_run = false;
  OutputOptions output;
};

// The durations of SocketBridgeOptions in milliseconds.
struct SocketBridgeTiming {
  std::int64_t idle_ms = 0;
  std::int64_t connect_ms = 0;
  std::int64_t reconnect_min_ms = 0;
  std::int64_t reconnect_max_ms = 0;
  std::int64_t decision_hold_ms = 0;
  std::int64_t summary_ms = 0;
};

// The help texts that differ between platforms.
struct SocketBridgeHelp {
  const char* host;           // "Asterisk host name or address"
  const char* port;           // "AMI port"
  const char* idle_timeout;   // What keeps a quiet connection busy.
  const char* decision_hold;  // Which decision waits.
};

// Adds --host and --port to `cmd` (first, so --help shows where the bridge connects before the
// platform's own options), writing into *options (which must outlive the parse).
void AddSocketTargetOptions(CLI::App* cmd, const SocketBridgeHelp& help,
                            SocketBridgeOptions* options);

// Adds the timing options, --dry-run and the output options (AddOutputOptions) to `cmd`, after
// the platform's own; the source defaults to `name`.
void AddSocketBridgeOptions(CLI::App* cmd, std::string_view name, const SocketBridgeHelp& help,
                            SocketBridgeOptions* options);

// Parses and checks the durations, the port and the source. InvalidArgument names the option.
Result<SocketBridgeTiming> ParseSocketBridgeTiming(const SocketBridgeOptions& options);

// The end of a --dry-run: checks the output options that name files or durations (heartbeat
// interval, caller key file) and prints "<name>: configuration OK", the `details` lines (each
// ending in "\n") and the publish line. Returns the exit code: 0, or 2 after logging the error.
int FinishDryRun(std::string_view name, const OutputOptions& output, const std::string& details);

// The shared timing options as a dry run prints them: "idle timeout 30s, connect timeout 5s,
// reconnect 500ms..30s, decision hold 2s".
std::string DescribeTiming(const SocketBridgeOptions& options);

// The session of one platform on top of the client: a TcpClient::Handler that reports to a
// SessionObserver and counts its inputs.
class PlatformSession : public TcpClient::Handler {
 public:
  // The client this session talks through; set before the client runs.
  void Attach(TcpClient* client) { client_ = client; }
  // What became of every input so far (logged at exit).
  virtual const InputCounts& input_counts() const = 0;

 protected:
  // For OnTick(): true once every `interval_ms` (the first call starts the first period; never
  // with interval 0), when the session logs its periodic summary.
  bool PeriodicSummaryDue(UnixMs now, std::int64_t interval_ms) {
    if (interval_ms <= 0 || now - last_summary_ < interval_ms) return false;
    const bool due = last_summary_ != 0;
    last_summary_ = now;
    return due;
  }

  TcpClient* client_ = nullptr;

 private:
  UnixMs last_summary_ = 0;
};

// One run of a socket bridge: the output, the observer that turns the session's state into
// heartbeats, and the client. Not thread-safe; see the file comment.
class SocketBridgeLoop {
 public:
  // `name` prefixes every log line ("asterisk-ami"); `options` and `timing` must outlive the loop.
  SocketBridgeLoop(std::string name, const SocketBridgeOptions& options,
                   const SocketBridgeTiming& timing);
  ~SocketBridgeLoop();
  SocketBridgeLoop(const SocketBridgeLoop&) = delete;
  SocketBridgeLoop& operator=(const SocketBridgeLoop&) = delete;

  // Creates the output (publisher, journal, caller key; waits for a subscriber if asked to).
  // Returns 0, or the exit code after logging why: 1 an endpoint unavailable, 2 bad options.
  int Open();

  // After Open(): what the session publishes into, the clock it reads, and whom it reports to.
  BridgeOutput& output() { return *output_; }
  const Clock& wall_clock() const { return wall_clock_; }
  SessionObserver* observer();

  // Connects `session` to the platform and runs until a stop request (SIGINT/SIGTERM) or a fatal
  // session error, reconnecting with backoff meanwhile; then publishes the final heartbeat (DOWN,
  // with every topic's last seq) and logs the input summary. `login` is appended to the
  // "connecting to host:port" log line (" as ccmon", or empty). Returns the exit code: 0 stopped,
  // 2 the platform refused us (credentials).
  int Run(PlatformSession* session, std::string_view login);

 private:
  class Observer;

  std::string name_;
  const SocketBridgeOptions& options_;
  const SocketBridgeTiming& timing_;
  const WallClock wall_clock_;
  std::unique_ptr<BridgeOutput> output_;
  std::unique_ptr<Observer> observer_;
};

}  // namespace ccmon::bridges
