// Resequencer: puts every source's events back in order when some were lost on the way, with the
// help of the bridges' journals (DESIGN §5, docs/events.md "Numbering" and "Replay").
//
// Each event claims a position (source, epoch, topic, seq); numbers run 1, 2, 3, … per stream.
// The Resequencer checks every position, drops duplicates, and when a stream skips numbers (a
// gap), or a heartbeat's positions show that a stream's last events never came (a lost tail), it
// asks the bridge behind that subscription for the missing range (a ReplayRequest, sent by the
// ingest thread) and holds back the source's later events until the answer arrives or the
// subscription's replay timeout passes. Recovered events are applied in the gap's place, followed
// by the held ones; what the bridge no longer has (or did not send in time) is counted as missing,
// logged, and skipped — never silently.
//
// Holding is per source, not per stream: a source's events are applied in the order they arrived
// (minus the lost ones, which take the place of the event that revealed them), so a contact that
// moves between queues (topics) keeps its order. See daemon/ingest/README.md for why.
//
// Cross-topic predecessors: a lost event is only noticed when a later event of its own topic (or
// a heartbeat) arrives, and events of other topics that arrived before that were applied already.
// When such an event needs a predecessor on another topic (a contact queued after a transfer whose
// ContactTransferred is missing), the engine's ApplyFn declines it and names that topic; the
// Resequencer then holds the source from that event on and sends a *probe*: a request for the
// topic's events after the last one received. Of the answer it keeps those provably published
// before the declined event — earlier in time, or at the same time and of the same contact, and
// every seq before such an event — as a recovered gap, applied before the declined event, which is
// then applied as it is. Events the probe cannot prove lost are left to the usual gap detection.
//
// Baselines: the first position seen of a stream normally sets its baseline (a daemon that
// joins late has not lost what came before it). Two cases know better: (1) after the first
// heartbeat of a source's epoch the daemon knows every stream's position, so a stream that
// appears later is owed from seq 1; (2) on a subscription with replay, an epoch that began after
// this daemon started listening (epochs default to the bridge's start time in Unix ms) is owed
// from seq 1, so even messages lost before the subscription was established come back.
//
// Memory: held events are bounded per subscription (max_held_events). At the limit the source
// holding the most gives up its open gaps (counted missing, requests `abandoned`) and releases
// what it held.
//
// Checkpoint hook: Positions() says, per stream, up to which seq everything was applied (or
// declared lost); Restore() puts such a position back before the first event after a restart.
// The restored streams' first live event or heartbeat then reveals what the daemon missed while
// it was down, and replay fetches it like any other gap.
//
// Engine thread only (it is part of the state a checkpoint saves).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/ingest/envelope_decoder.h"
#include "daemon/ingest/replay_protocol.h"
#include "daemon/state/ingest_stats.h"

namespace ccmon::ingest {

struct ResequencerSubscription {
  bool replay = false;                     // The subscription has a replay endpoint.
  std::vector<std::string> topics{"v1."};  // Prefixes subscribed; other heartbeat positions
                                           // are ignored.
  std::int64_t replay_timeout_ms = 2000;   // Per request; a chunked range may take several.
  std::size_t max_held_events = 100'000;   // Held events of this subscription's sources.
};

struct ResequencerOptions {
  // By DecodedEvent::subscription. Events of an index beyond the list: no replay, all topics.
  std::vector<ResequencerSubscription> subscriptions;
  // When this daemon began listening (wall clock, Unix ms): see "Baselines" above.
  std::int64_t listening_since_ms = 0;
};

class Resequencer {
 public:
  // Applies one event to the state, in order, and returns true. With `may_decline` (only on
  // subscriptions with replay, and once per event) it may instead return false and set
  // *check_topic: the event must wait until that topic of the same source was checked for lost
  // events published before it. The event may be modified or moved from after it was applied.
  using ApplyFn =
      std::function<bool(DecodedEvent& event, bool may_decline, std::string* check_topic)>;
  // Sends a replay request (to the ingest thread). Fire and forget: a lost request times out.
  using RequestFn = std::function<void(const ReplayRequest&)>;

  // `stats` receives gaps, missing, duplicates, epoch changes, recovered events, request results
  // and the held/awaited gauges; it must outlive the Resequencer.
  Resequencer(ResequencerOptions options, state::IngestStats* stats, ApplyFn apply,
              RequestFn request);
  ~Resequencer();
  Resequencer(const Resequencer&) = delete;
  Resequencer& operator=(const Resequencer&) = delete;

  // Takes one event: from the bus (replay_request == 0) it is checked, then applied at once,
  // held back, or dropped as a duplicate; a replayed one (replay_request != 0) fills its gap.
  // `now_ms` (wall clock) starts the timeout of any request this sends. event.event.source must
  // already be resolved.
  void Offer(DecodedEvent& event, std::int64_t now_ms);

  // Takes a reply's header, after the reply's events were offered: resolves the gap (what did
  // not come is missing), or asks for the next chunk. Unknown request ids (a late reply to a
  // request that timed out) are ignored.
  void OnAnswer(const ReplayAnswer& answer, std::int64_t now_ms);

  // Gives up requests whose timeout passed (their missing events are counted and skipped) and
  // applies what they held back. Call at least every few hundred milliseconds.
  void Expire(std::int64_t now_ms);

  // Where a stream stands: every seq ≤ `seq` of (source, epoch, topic) was applied or counted
  // missing. For checkpoints.
  struct Position {
    std::string source;
    std::uint32_t subscription = 0;
    std::uint64_t epoch = 0;
    std::string topic;
    std::uint64_t seq = 0;
  };
  std::vector<Position> Positions() const;

  // Puts a saved position back (before the first event). The source's epoch counts as anchored
  // (its streams are known), so a stream that shows up later in that epoch is owed from seq 1.
  void Restore(const Position& position);

  std::size_t stream_count() const { return streams_.size(); }
  std::size_t requests_outstanding() const { return by_request_.size(); }

 private:
  struct Source;
  struct Stream;
  struct Gap;
  // One entry of a source's hold queue: an event, or the place of a gap's recovered events.
  struct Held {
    std::unique_ptr<Gap> gap;  // Set: a gap marker. Otherwise `event` is a held event.
    DecodedEvent event;
  };

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const ResequencerSubscription& SubscriptionOf(std::uint32_t index) const;
  Source& SourceFor(const DecodedEvent& e);
  Stream* FindStream(std::string_view source, std::string_view topic);
  Stream& AddStream(Source& source, std::string_view topic, std::uint64_t epoch,
                    std::uint64_t baseline);
  std::uint64_t Baseline(const Source& source, std::uint64_t epoch, std::uint64_t first_seq) const;

  void OfferLive(DecodedEvent& e, std::int64_t now_ms);
  void OfferReplayed(DecodedEvent& e);
  void CheckPositions(Source& source, const DecodedEvent& heartbeat, std::int64_t now_ms);
  // A gap of [from, to] in `stream`: asks for it and marks its place in the hold queue, or
  // counts it missing at once when the subscription has no replay.
  void OpenGap(Source& source, Stream& stream, std::uint64_t from, std::uint64_t to,
               std::int64_t now_ms);
  void SendRequest(Gap& gap, std::uint64_t from, std::int64_t now_ms);
  void ForgetRequest(Gap& gap);
  // The gap is settled: whatever did not come is missing (logged with `why`).
  void Resolve(Gap& gap, std::string_view why);
  // A probe's answer: keeps the events provably published before the event that asked for it.
  void ResolveProbe(Gap& probe, const ReplayAnswer& answer);
  // Keeps the probe's events up to `keep_to` and settles it (nothing is counted missing).
  void SettleProbe(Gap& probe, std::uint64_t keep_to);
  // Applies the front of the source's hold queue as far as settled gaps allow.
  void Release(Source& source);
  // Applies `e` unless the engine declines it; then puts a probe at the front of the source's
  // queue (the caller keeps `e` where it is, at the front) and returns false.
  bool TryApply(Source& source, DecodedEvent& e, Stream* stream = nullptr);
  bool OpenProbe(Source& source, const std::string& topic, const DecodedEvent& e);
  void Hold(Source& source, DecodedEvent& e);
  void MakeRoom(std::uint32_t subscription);
  void GiveUp(Source& source);
  void LogLost(const Gap& gap, std::uint64_t lost, std::string_view why);

  ResequencerOptions options_;
  ResequencerSubscription default_subscription_;
  state::IngestStats* stats_;
  ApplyFn apply_;
  RequestFn request_;

  std::unordered_map<std::string, std::unique_ptr<Source>, Hash, std::equal_to<>> sources_;
  // Key: source + '\0' + topic. Lookups reuse key_ to avoid allocating per event.
  std::unordered_map<std::string, std::unique_ptr<Stream>, Hash, std::equal_to<>> streams_;
  std::string key_;

  std::uint64_t next_request_id_ = 1;
  std::unordered_map<std::uint64_t, Gap*> by_request_;
  std::set<std::pair<std::int64_t, std::uint64_t>> deadlines_;  // (deadline, request id).
  std::vector<std::uint64_t> held_;  // Held events per subscription index.

  // Rate limit of the "events lost" log lines (per minute of the wall clock).
  std::int64_t log_minute_ = -1;
  int logged_this_minute_ = 0;
  std::uint64_t unlogged_losses_ = 0;
  std::int64_t now_ms_ = 0;
};

}  // namespace ccmon::ingest
