// The publishing side every platform bridge shares: command-line options, the ZeroMQ publisher,
// caller-key hashing and heartbeats.
//
// A bridge subcommand adds AddOutputOptions() to its CLI, creates one BridgeOutput, hands it to
// its mapper as the EnvelopeSink and calls Tick() from its run loop (at least every few hundred
// milliseconds) so heartbeats go out on time even when the platform is quiet. At exit it calls
// Heartbeat() once more: that final heartbeat tells the daemon the last seq of every topic.
//
// Heartbeat time: a heartbeat advances the daemon's event clock for this source (service-level
// breaches of waiting contacts fire on it), so its timestamp must be ACD time. Live sources
// (a tailed file, AMI, the event socket) stamp it with the bridge's wall clock, never earlier than
// the last event; a replay of history stamps it with the last event's time, so a fast replay does
// not jump the daemon's clock to today.
//
// Replay (--replay-listen, needs --journal-dir): a ReplayServer answers daemons' requests for
// missed events from the journal, on the owning thread, with no thread of its own: Tick() and
// every kReplayPollEvery publishes answer what is waiting, and Idle() answers while the bridge
// has nothing to do.
//
// Threading: not thread-safe; one thread owns a BridgeOutput.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/core/journal.h"
#include "bridges/core/replay_server.h"
#include "ccmon/v1/events.pb.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/publisher.h"
#include "common/status.h"

namespace ccmon::bridges {

// Where heartbeat timestamps come from (see the file comment).
enum class HeartbeatTime { kWallClock, kLastEvent };

struct OutputOptions {
  std::vector<std::string> publish{"bind:tcp://127.0.0.1:5556"};
  std::string source;              // Required; subcommands preset a default.
  std::string tenant;              // Empty = the daemon's default tenant.
  std::uint64_t source_epoch = 0;  // 0 = start time in Unix ms.
  std::string caller_key_file;     // Empty = a random key for this run (logged as a warning).
  std::string heartbeat_interval = "1s";
  // Hold the first event until a subscriber has subscribed, at most this long ("" = do not wait).
  std::string wait_for_subscriber;
  // Journal (bridges/core/journal.h); empty directory = no journal.
  std::string journal_dir;
  std::string journal_max_size = "2GiB";
  std::string journal_max_age = "7d";
  std::string journal_segment_size = "64MiB";
  // ROUTER endpoint answering replay requests from the journal ("" = no replay); needs
  // journal_dir. Port * picks a free one (logged).
  std::string replay_listen;
  // Caller-hashing key as 64 hex characters, used when caller_key_file is empty (a subcommand
  // with its own key source, e.g. a simulator profile). Not a command-line option.
  std::string caller_key_hex;
};

// Parses a byte size: a number with an optional unit B, KiB, MiB, GiB (or K, M, G, same binary
// meaning). InvalidArgument names the text.
Result<std::uint64_t> ParseByteSize(std::string_view text);

// Adds --publish, --source, --tenant, --source-epoch, --caller-key-file, --heartbeat-interval,
// --wait-for-subscriber, the --journal-* options and --replay-listen to `cmd`, writing into
// *options (which must outlive the parse).
void AddOutputOptions(CLI::App* cmd, OutputOptions* options);

class BridgeOutput final : public EnvelopeSink {
 public:
  // Opens the journal (continuing its epoch and numbering unless --source-epoch names another
  // epoch), the publisher and the caller key, then waits for a subscriber if asked to, after
  // logging the endpoints as bound (a port 0 shows its real port, so the subscriber knows where
  // to connect).
  // InvalidArgument/NotFound/IoError: bad options or key file, --replay-listen without
  // --journal-dir (exit code 2 material);
  // Unavailable: an endpoint could not be bound or connected, or no subscriber came within
  // --wait-for-subscriber.
  static Result<std::unique_ptr<BridgeOutput>> Create(const OutputOptions& options,
                                                      HeartbeatTime heartbeat_time,
                                                      const Clock& wall_clock);

  // Publishes one event (see EnvelopeSink) and remembers its time as the latest ACD time.
  Status Publish(v1::Envelope& env) override;

  // Answers waiting replay requests, then publishes a heartbeat if the interval has passed on the
  // wall clock since the last one.
  Status Tick(v1::AcdConnection acd);

  // Waits about `timeout_ms`, answering replay requests as they arrive (a plain sleep without
  // --replay-listen). For pacing and idle waits in a bridge's run loop; returns early when a
  // signal interrupts the wait.
  void Idle(int timeout_ms);

  // Publishes a heartbeat now (at exit, and when the ACD connection changes), and syncs the
  // journal to disk.
  Status Heartbeat(v1::AcdConnection acd);

  // The journal, or nullptr without --journal-dir.
  const Journal* journal() const { return journal_.get(); }

  // The replay server, or nullptr without --replay-listen.
  const ReplayServer* replay_server() const { return replay_.get(); }

  // Replay requests are answered at least every this many publishes (and at every Tick()).
  static constexpr std::uint64_t kReplayPollEvery = 256;

  // See Publisher::WaitForSubscriber (what --wait-for-subscriber does at Create).
  bool WaitForSubscriber(int timeout_ms) { return publisher_->WaitForSubscriber(timeout_ms); }

  const CallerKeyHasher& caller_keys() const { return hasher_; }
  const Publisher& publisher() const { return *publisher_; }
  std::uint64_t events_published() const { return events_published_; }
  // Latest ACD time published so far; 0 before the first event.
  UnixMs last_event_time() const { return last_event_time_; }

 private:
  BridgeOutput(std::unique_ptr<Journal> journal, std::unique_ptr<Publisher> publisher,
               CallerKeyHasher hasher, HeartbeatTime heartbeat_time, std::int64_t interval_ms,
               const Clock& wall_clock);

  std::unique_ptr<Journal> journal_;  // Declared first: the publisher writes into it.
  // Reads journal_, and the publisher writes through it: destroyed after the publisher.
  std::unique_ptr<ReplayServer> replay_;
  std::unique_ptr<Publisher> publisher_;
  CallerKeyHasher hasher_;
  HeartbeatTime heartbeat_time_;
  std::int64_t interval_ms_;
  const Clock& wall_clock_;
  UnixMs last_event_time_ = 0;
  UnixMs last_heartbeat_wall_ = 0;
  std::uint64_t events_published_ = 0;
};

}  // namespace ccmon::bridges
