// ReplayServer: the bridge's side of the replay channel (docs/events.md "Replay"). A ZeroMQ
// ROUTER socket on which daemons ask for "the events of (source, epoch, topic) from seq N to M";
// it answers from the bridge's Journal, in chunks of at most `max_events_per_reply` envelopes
// (the daemon asks again for the rest).
//
// Requests and replies are multipart messages; every frame is described in docs/events.md. Bad
// requests never stop the bridge: they are answered with an error status when they can be
// (`bad_request`, `unsupported_version`) and counted either way.
//
// Recent envelopes: most gaps are seconds old, and Journal::ReadFrom scans a stream's segments
// from their start, so the server keeps the most recently journaled envelopes of each stream in
// memory (`recent_bytes`, 64 MiB by default). The Publisher writes through recorder(), which
// appends to the journal first and then remembers the record. The journal stays the truth: what
// it no longer holds (first_available) is never served, even from memory.
//
// Threading: not thread-safe, and needs no thread of its own. The thread that owns the Journal
// (the bridge's publishing thread, since the Journal is not thread-safe either) calls Poll() or
// Wait() regularly; BridgeOutput does it from Tick() and every few hundred publishes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bridges/core/journal.h"
#include "common/publisher.h"
#include "common/status.h"

namespace ccmon::bridges {

struct ReplayServerOptions {
  std::string endpoint;  // ZeroMQ endpoint to bind, e.g. "tcp://127.0.0.1:5557" (port * = any).
  std::size_t max_events_per_reply = 1000;    // Chunk size; the daemon asks again for the rest.
  std::size_t max_bytes_per_reply = 4 << 20;  // Envelope bytes per reply (at least one is sent).
  std::size_t recent_bytes = 64 << 20;        // Recent envelopes kept in memory (0 = none).
};

// What the server has done, by outcome. One request has exactly one outcome.
struct ReplayServerCounts {
  std::uint64_t ok = 0;                   // Answered from the journal, range complete.
  std::uint64_t gone = 0;                 // Retention had removed the start of the range.
  std::uint64_t unknown_stream = 0;       // Another source, or no record of (epoch, topic).
  std::uint64_t bad_request = 0;          // Malformed frames or values (answered if possible).
  std::uint64_t unsupported_version = 0;  // A protocol tag this bridge does not speak.
  std::uint64_t journal_error = 0;        // The journal could not be read.
  std::uint64_t events_sent = 0;          // Envelopes sent (in `ok` and `gone` replies).
  std::uint64_t events_from_memory = 0;   // ... of which from the recent envelopes.

  std::uint64_t requests() const {
    return ok + gone + unknown_stream + bad_request + unsupported_version + journal_error;
  }
};

class ReplayServer {
 public:
  // The protocol tag, first frame of every request and reply.
  static constexpr const char* kProtocol = "CCMON-REPLAY-1";

  // Binds the ROUTER socket. `journal` (not owned) must outlive the server; `source` is the
  // bridge's source name (requests for another source are `unknown_stream`). InvalidArgument:
  // empty endpoint or zero limits; Unavailable: ZeroMQ could not bind (the message names it).
  static Result<std::unique_ptr<ReplayServer>> Create(const ReplayServerOptions& options,
                                                      Journal* journal, std::string source);

  // What the Publisher should write through (PublisherOptions::journal) so that recent
  // envelopes are served from memory: appends to the journal, then remembers the record.
  PublishJournal* recorder() { return &recent_; }

  ~ReplayServer();
  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

  // Answers every request already waiting, without blocking. Returns how many were handled.
  std::size_t Poll();

  // Waits up to `timeout_ms` for requests and answers them as they come; returns after the
  // timeout (or at once when interrupted by a signal). A bridge's idle wait, instead of a sleep.
  std::size_t Wait(int timeout_ms);

  // The bound endpoint as ZeroMQ resolved it ("tcp://127.0.0.1:41234" for a "*" port).
  const std::string& endpoint() const { return endpoint_; }
  const ReplayServerCounts& counts() const { return counts_; }

 private:
  struct Socket;  // ZeroMQ context and socket; kept out of this header.

  // The most recently journaled envelopes of every stream, bounded in bytes, oldest evicted
  // first across streams. Seqs of a stream are contiguous (the Publisher journals in order and
  // uses no seq for a failed append).
  class RecentEnvelopes final : public PublishJournal {
   public:
    RecentEnvelopes(Journal* journal, std::size_t max_bytes);
    Status Append(const std::string& topic, const v1::Envelope& env,
                  const std::string& serialized) override;
    // Copies up to `max` envelopes of (epoch, topic) from seq `from` on (to `to`, 0 = all it
    // has). False when `from` is not in memory.
    bool Read(std::uint64_t epoch, const std::string& topic, std::uint64_t from, std::uint64_t to,
              std::size_t max, std::vector<std::string>* out) const;

   private:
    struct Stream {
      std::uint64_t first_seq = 0;
      std::deque<std::string> envelopes;
    };
    static std::string Key(std::uint64_t epoch, const std::string& topic);

    Journal* journal_;
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::unordered_map<std::string, Stream> streams_;
    std::deque<Stream*> order_;  // Append order, for eviction.
  };

  ReplayServer(const ReplayServerOptions& options, Journal* journal, std::string source,
               std::unique_ptr<Socket> socket, std::string endpoint);

  // Receives and answers one request if one is waiting; false when none was.
  bool HandleOne();

  ReplayServerOptions options_;
  const Journal* journal_;
  RecentEnvelopes recent_;
  std::string source_;
  std::unique_ptr<Socket> socket_;
  std::string endpoint_;
  ReplayServerCounts counts_;
  int bad_requests_logged_ = 0;
};

}  // namespace ccmon::bridges
