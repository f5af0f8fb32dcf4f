// Lifecycle: applies canonical events to the Model and turns them into Facts (DESIGN §3).
//
// The contact state machine (see daemon/state/README.md):
//   (new) --Queued--> Waiting --Answered--> Talking <--Held/Resumed--> Held
//   Waiting --Abandoned | Exited | CallbackRequested--> (gone)       [outcome]
//   Waiting --Transferred(to queue)--> Transferring --Queued(new queue)--> Waiting   [flow-out]
//   Talking/Held --Ended--> WrapUp --WrapUpEnded--> (gone)
//   Talking/Held --Transferred--> Transferring (to a queue) or WrapUp (elsewhere)
// Every other combination is counted as an Anomaly and never crashes or double counts.
//
// Time: each source has an event clock (its latest ACD timestamp, advanced also by heartbeats).
// A waiting contact breaches service-level threshold T when its source's clock passes
// enqueue + T; the kSlBreached fact is stamped enqueue + T, so replay and live give the same
// numbers. Events for a contact not (yet) known are held back for `pending_ttl_ms` of source
// time, in case its ContactQueued arrives late, and counted as kUnknownContact if it never does.
//
// Engine thread only. Facts go synchronously to the FactSink given at construction.
#pragma once

#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/state/event.h"
#include "daemon/state/fact.h"
#include "daemon/state/model.h"

namespace ccmon::state {

struct LifecycleOptions {
  std::int64_t max_contact_age_ms = 12LL * 3600 * 1000;  // No event for this long: evicted.
  std::int64_t wrap_up_timeout_ms = 2LL * 3600 * 1000;   // Wrap-up never reported: dropped.
  std::int64_t pending_ttl_ms = 60'000;     // How long events of unknown contacts are held back.
  std::size_t max_pending = 100'000;        // Held-back events in total.
  std::size_t max_contacts = 2'000'000;     // Live contacts; beyond, new contacts are rejected.
  std::int64_t sweep_interval_ms = 60'000;  // How often (source time) stale contacts are swept.

  bool operator==(const LifecycleOptions&) const = default;
};

class Lifecycle {
 public:
  // `model` and `sink` must outlive the Lifecycle.
  Lifecycle(Model* model, FactSink* sink, LifecycleOptions options = {});

  // Applies one event whose `source` has been resolved (event.source != kNoSource). Advances the
  // source's clock to event.time_ms first (firing due service-level breaches), then applies the
  // transition. Never fails: what cannot be placed is counted in model->ingest.
  void Apply(const Event& event);

  // Advances a source's event clock without an event (e.g. replay end). Fires due breaches and
  // sweeps stale contacts.
  void AdvanceSource(SourceId source, UnixMs now);

  // Replaces the timeouts and caps (a config reload). They apply from the next event or sweep;
  // nothing already held or evicted changes.
  void SetOptions(const LifecycleOptions& options) { options_ = options; }
  const LifecycleOptions& options() const { return options_; }

  // Logs out every agent of `source` at time t (its ACD connection was lost).
  void LogOutAgentsOf(SourceId source, UnixMs t);

  std::size_t pending_count() const { return pending_total_; }

 private:
  struct Deadline {
    UnixMs at;
    ContactSlot slot;
    std::uint32_t generation;
    std::uint8_t threshold_index;
    bool operator>(const Deadline& o) const { return at > o.at; }
  };
  using DeadlineHeap = std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>>;
  struct PerSource {
    DeadlineHeap deadlines;
    UnixMs last_sweep_ms = 0;
  };
  struct PendingKey {
    SourceId source;
    std::string id;
    bool operator==(const PendingKey&) const = default;
  };
  struct PendingKeyHash {
    std::size_t operator()(const PendingKey& k) const {
      return std::hash<std::string>{}(k.id) ^ (static_cast<std::size_t>(k.source) << 1);
    }
  };

  PerSource& Source(SourceId s);
  void ApplyContactEvent(const Event& e);
  void ApplyAgentEvent(const Event& e);
  void ApplyHeartbeat(const Event& e);

  void OnQueued(const Event& e, ContactSlot slot);
  void Offer(ContactSlot slot, QueueId queue, UnixMs t, bool transferred_in);
  void ScheduleNextDeadline(ContactSlot slot);
  void FireDeadlines(SourceId s, UnixMs now);
  void Sweep(SourceId s, UnixMs now);
  void Hold(std::vector<Event>* list, const Event& e);
  void ExpirePending(SourceId s, UnixMs now);

  // Outcomes of a waiting contact. Each takes it off the waiting list.
  void EmitWaitOutcome(FactType type, ContactSlot slot, UnixMs t, ExitReason reason,
                       QueueId target_queue);
  void EndLeg(ContactSlot slot, UnixMs t, EndedBy by);
  Fact BaseFact(FactType type, const Contact& c, UnixMs t) const;
  void Anomaly(state::Anomaly a) { ++model_->ingest.anomalies[static_cast<int>(a)]; }
  void Emit(const Fact& f) { sink_->OnFact(f); }

  Model* model_;
  FactSink* sink_;
  LifecycleOptions options_;
  std::vector<PerSource> per_source_;
  std::unordered_map<PendingKey, std::vector<Event>, PendingKeyHash> pending_;
  std::size_t pending_total_ = 0;
};

}  // namespace ccmon::state
