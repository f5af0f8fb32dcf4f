// Publishing canonical events: the numbering shared by every sink, the ZeroMQ publisher used by
// bridges, and an in-process capturing sink for tests.
//
// A bridge builds a ccmon::v1::Envelope carrying one event and its ACD time, and hands it to an
// EnvelopeSink. The sink stamps what the wire contract requires (DESIGN.md §2): source,
// source_epoch, tenant, the topic derived from the event, and seq = 1, 2, 3, … per topic without
// gaps; a Heartbeat additionally gets the last seq of every other topic published so far.
// Publisher sends [topic][Envelope] on a ZeroMQ PUB socket; CapturingSink keeps them in memory
// with exactly the same numbering, so producers can be tested without sockets.
//
// Threading: none of these classes is thread-safe. One thread owns a sink and publishes through
// it (a ZeroMQ socket must not be shared between threads).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ccmon/v1/events.pb.h"
#include "common/clock.h"
#include "common/status.h"

namespace ccmon {

// Where a producer of events sends them.
class EnvelopeSink {
 public:
  virtual ~EnvelopeSink() = default;

  // Stamps `env` (source, source_epoch, tenant, seq; heartbeat positions) and publishes it. The
  // caller sets the event and time_unix_ms. InvalidArgument: no event set, or a contact event
  // without a queue (nothing is published and no seq is used). Other failures are the
  // transport's (Unavailable, IoError); a failed publish uses no seq either.
  virtual Status Publish(v1::Envelope& env) = 0;
};

// Topics and per-topic sequence numbers of one (source, source_epoch, tenant).
class TopicSequencer {
 public:
  // The result of Stamp(): the envelope's topic and the counter to advance on Commit().
  class Ticket {
   public:
    const std::string& topic() const { return *topic_; }
    std::uint64_t seq() const { return *last_seq_ + 1; }

   private:
    friend class TopicSequencer;
    Ticket(const std::string* topic, std::uint64_t* last_seq)
        : topic_(topic), last_seq_(last_seq) {}
    const std::string* topic_;
    std::uint64_t* last_seq_;
  };

  TopicSequencer(std::string source, std::uint64_t source_epoch, std::string tenant);
  TopicSequencer(const TopicSequencer&) = delete;
  TopicSequencer& operator=(const TopicSequencer&) = delete;

  // Fills source, source_epoch and tenant, and seq = (last seq of the event's topic) + 1. For a
  // Heartbeat, replaces its positions with the last seq of every topic published so far except
  // the heartbeat topic itself (heartbeats are numbered on their own topic), in topic order.
  // Nothing is recorded until Commit(ticket); stamping again without a commit reuses the seq.
  // InvalidArgument: no event set, or a contact event with an empty queue.
  Result<Ticket> Stamp(v1::Envelope& env);

  // Records that the envelope stamped with `ticket` was published. The ticket must come from the
  // latest Stamp() of this sequencer.
  void Commit(const Ticket& ticket) { ++*ticket.last_seq_; }

  // Last seq published on `topic`; 0 if none.
  std::uint64_t LastSeq(const std::string& topic) const;

  // Continues the numbering of `topic` after `last_seq` (a restart that resumes an epoch).
  void Resume(const std::string& topic, std::uint64_t last_seq);

  // Every topic published on (committed at least once) with its last seq, in topic order.
  std::vector<std::pair<std::string, std::uint64_t>> Positions() const;

  const std::string& source() const { return source_; }
  std::uint64_t source_epoch() const { return source_epoch_; }
  const std::string& tenant() const { return tenant_; }

 private:
  using Counters = std::map<std::string, std::uint64_t, std::less<>>;

  Counters::iterator CounterFor(std::string topic);

  std::string source_;
  std::uint64_t source_epoch_;
  std::string tenant_;
  // Stable nodes: by_queue_ and the fixed topics point into it. Several queue names may share a
  // topic after sanitising ("a.b" and "a_b"); they then share one counter.
  Counters counters_;
  std::unordered_map<std::string, Counters::iterator> by_queue_;
  Counters::iterator agent_;
  Counters::iterator heartbeat_;
};

// Where a Publisher writes every stamped envelope before sending it (the bridge journal,
// bridges/core/journal.h). Append() must make the record survive a crash of the process; once it
// succeeded the envelope's seq is used even if the send fails, because replay can deliver it.
class PublishJournal {
 public:
  virtual ~PublishJournal() = default;
  virtual Status Append(const std::string& topic, const v1::Envelope& env,
                        const std::string& serialized) = 0;
};

struct PublisherOptions {
  // Where the PUB socket listens or connects: "bind:tcp://*:5556", "connect:tcp://host:5557",
  // or an endpoint without a prefix (bound). At least one.
  std::vector<std::string> endpoints;
  std::string source;              // Bridge instance name; required.
  std::uint64_t source_epoch = 0;  // 0 = the start time in Unix milliseconds.
  std::string tenant;              // Empty = the daemon's default tenant.
  int sndhwm = 1'000'000;          // Messages queued per subscriber before ZeroMQ drops.
  int linger_ms = 2'000;           // How long closing waits to flush queued messages.
  // Written before every send when set (not owned; must outlive the Publisher).
  PublishJournal* journal = nullptr;
  // Numbering to continue from (topic → last seq published in source_epoch), e.g. recovered
  // from the journal after a restart.
  std::vector<std::pair<std::string, std::uint64_t>> resume_positions;
};

// An EnvelopeSink over a ZeroMQ XPUB socket (a PUB that also shows subscriptions): each envelope
// is one two-frame message [topic][serialized Envelope].
class Publisher final : public EnvelopeSink {
 public:
  // Opens the socket and binds/connects every endpoint. InvalidArgument: no source, no endpoint,
  // an unknown prefix, or a non-positive sndhwm. Unavailable: ZeroMQ refused an endpoint (address
  // in use, bad address); the message names it.
  static Result<std::unique_ptr<Publisher>> Create(PublisherOptions options);

  ~Publisher() override;
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  Status Publish(v1::Envelope& env) override;

  // Publishes a Heartbeat at `time` carrying every topic's last seq and the ACD connection state.
  Status PublishHeartbeat(UnixMs time, v1::AcdConnection connection,
                          std::uint32_t interval_ms = 1000);

  // Waits until at least one subscriber has subscribed to anything (the socket is an XPUB, so
  // subscriptions are visible), for at most `timeout_ms`. True if one arrived. Lets a bridge that
  // replays a file hold its first event until the daemon listens (PUB drops messages for
  // subscribers that have not subscribed yet), without guessing a delay.
  bool WaitForSubscriber(int timeout_ms);

  // The endpoints as ZeroMQ resolved them (a bound "tcp://127.0.0.1:*" shows its real port), in
  // the order given, without prefixes.
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  const TopicSequencer& sequencer() const { return sequencer_; }
  std::uint64_t published() const { return published_; }
  // Journaled envelopes whose send failed (subscribers recover them by replay).
  std::uint64_t send_failures() const { return send_failures_; }

 private:
  struct Socket;  // ZeroMQ context and socket; kept out of this header.

  // Sends [topic][buffer_].
  Status Send(const std::string& topic);

  Publisher(PublisherOptions options, std::unique_ptr<Socket> socket,
            std::vector<std::string> endpoints);

  std::unique_ptr<Socket> socket_;
  std::vector<std::string> endpoints_;
  PublishJournal* journal_;
  TopicSequencer sequencer_;
  std::string buffer_;  // Reused serialisation buffer.
  std::uint64_t published_ = 0;
  std::uint64_t send_failures_ = 0;
};

// An in-process EnvelopeSink that numbers envelopes like Publisher and keeps every message. For
// tests and tools that want the stream without sockets.
class CapturingSink final : public EnvelopeSink {
 public:
  struct Message {
    std::string topic;
    v1::Envelope envelope;
  };

  explicit CapturingSink(std::string source = "capture", std::uint64_t source_epoch = 1,
                         std::string tenant = "");

  Status Publish(v1::Envelope& env) override;

  const std::vector<Message>& messages() const { return messages_; }
  // Forgets the captured messages; numbering continues.
  void Clear() { messages_.clear(); }
  const TopicSequencer& sequencer() const { return sequencer_; }

 private:
  TopicSequencer sequencer_;
  std::vector<Message> messages_;
};

}  // namespace ccmon
