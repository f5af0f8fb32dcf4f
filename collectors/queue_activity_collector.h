// QueueActivityCollector: what happened to the contacts offered to each queue, as monotonic
// counters per {queue, channel} (DESIGN §3 counting rules; docs/metrics.md "Queue activity").
//
//   callcenter_contacts_offered_total, _answered_total, _abandoned_total,
//   _short_abandoned_total, callcenter_contacts_exited_total{reason},
//   callcenter_contacts_transferred_in_total,
//   callcenter_contacts_transferred_out_total{phase="before_answer"|"after_answer"},
//   callcenter_callbacks_requested_total, callcenter_contacts_evicted_total{phase},
//   callcenter_ring_timeouts_total
//
// A callback request is an exit (exited_total{reason="callback"}) and is counted as well in
// callbacks_requested_total. Invariant per {queue, channel}: offered = answered + abandoned +
// Σ exited + transferred_out{before_answer} + evicted{waiting} + waiting now.
//
// Series: every queue of the registry has its QueueSettings::channel at 0 from the start if it
// was declared; other channels appear when a fact names them. Counters live in plain arrays
// indexed by QueueId × channel; the fact path does no lookup or allocation (the array grows only
// when a fact names a queue created since the last growth).
//
// Engine thread only (see Collector).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "collectors/collector.h"

namespace ccmon::collectors {

class QueueActivityCollector final : public Collector {
 public:
  // `model` must outlive the collector.
  explicit QueueActivityCollector(const state::Model& model);

  std::string_view Name() const override { return "queue_activity"; }
  void OnFact(const state::Fact& fact) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  // Counters of one {queue, channel}.
  struct Counts {
    std::uint64_t offered = 0;
    std::uint64_t answered = 0;
    std::uint64_t abandoned = 0;
    std::uint64_t short_abandoned = 0;
    std::array<std::uint64_t, state::kExitReasonCount> exited{};
    std::uint64_t transferred_in = 0;
    std::array<std::uint64_t, 2> transferred_out{};  // [0] before answer, [1] after answer.
    std::uint64_t callbacks_requested = 0;
    std::array<std::uint64_t, 2> evicted{};  // [0] while waiting, [1] after the outcome.
    std::uint64_t ring_timeouts = 0;
  };

  // Counters of {q, c}; zeros for a pair never seen. For tests and checkpoints.
  const Counts& counts(state::QueueId q, state::Channel c) const;

 private:
  struct PerQueue {
    std::array<Counts, state::kChannelCount> by_channel{};
    std::uint32_t channels_seen = 0;  // Bit c: a fact named channel c.
  };

  const state::Model& model_;
  std::vector<PerQueue> queues_;
};

}  // namespace ccmon::collectors
