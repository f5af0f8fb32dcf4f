// ServiceLevelCollector: service-level events per {queue, threshold}, as counters and as exact
// sliding-window ratios (DESIGN §3 "Service level"; docs/metrics.md "Service level").
//
// The service-level-event rule (applied by collectors/service_level_event.h, shared with
// WindowCollector): for each threshold T of the contact's queue, each stay of a
// contact in a queue produces exactly one SL event —
//   * at its outcome, if the outcome came at wait ≤ T and T's bit is not in the outcome fact's
//     breached_mask: answered within T, abandoned within T (and short-abandoned within T when
//     the abandon was short), or exited within T (exits and transfers out before an answer);
//   * otherwise at the kSlBreached fact for T (stamped enqueue + T): breached. Should an outcome
//     arrive with wait > T and no breach recorded for T (the Lifecycle always emits the breach
//     first; this is a guard), the breach is counted at the outcome.
// A waiting contact evicted before T produces no SL event (neither success nor failure: nothing
// is known of how its wait ended). Exits are flow-outs: counted, excluded from every ratio.
//
//   callcenter_service_level_answered_within_total{queue,threshold}
//   callcenter_service_level_abandoned_within_total{queue,threshold}
//   callcenter_service_level_short_abandoned_within_total{queue,threshold}
//   callcenter_service_level_exited_within_total{queue,threshold}
//   callcenter_service_level_breached_total{queue,threshold}
//   callcenter_service_level_ratio{queue,threshold,window="5m"|"15m"|"1h"}
//   callcenter_service_level_target_ratio{queue,threshold}
//
// The ratio uses CollectorOptions::sl_formula over the SL events of the window (SlidingWindow:
// the window of W at the event clock covers SL events stamped in (now − W, now]). A window with
// no SL event in its denominator has no ratio series (absent, not NaN or 1).
//
// If a queue's thresholds change (config reload), its counters and windows restart from 0 for
// the new thresholds at the next fact or scrape of that queue.
//
// Engine thread only (see Collector).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "collectors/collector.h"
#include "collectors/sliding_window.h"

namespace ccmon::collectors {

class ServiceLevelCollector final : public Collector {
 public:
  // The parts of the SL events of one threshold.
  enum Part : int {
    kAnsweredWithin = 0,
    kAbandonedWithin,
    kShortAbandonedWithin,  // A subset of kAbandonedWithin.
    kExitedWithin,
    kBreached,
  };
  static constexpr int kPartCount = 5;

  // The daemon's ratio for parts a, b, s, r (answered, abandoned, short-abandoned within T and
  // breached) under `formula`. Returns false when the denominator is 0.
  static bool Ratio(SlFormula formula, std::int64_t a, std::int64_t b, std::int64_t s,
                    std::int64_t r, double* ratio);

  // `model` must outlive the collector.
  ServiceLevelCollector(const CollectorOptions& options, const state::Model& model);

  std::string_view Name() const override { return "service_level"; }
  void OnFact(const state::Fact& fact) override;
  void OnAdvance(UnixMs now_ms) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  // Monotonic count of `part` for threshold number `threshold_index` of q (0 if unknown).
  std::uint64_t count(state::QueueId q, std::size_t threshold_index, Part part) const;
  // Window sum of `part` at `now` (0 if unknown).
  std::int64_t window_sum(state::QueueId q, std::size_t threshold_index, Part part,
                          SlidingWindow::Span span, UnixMs now) const;

 private:
  struct PerQueue {
    std::vector<std::int64_t> thresholds_ms;  // The thresholds the counts below are for.
    std::vector<std::uint64_t> counts;        // thresholds × kPartCount.
    SlidingWindow window;                     // Counter (i × kPartCount + part).
  };
  // The state of q, grown and re-synchronised with the registry's thresholds as needed.
  PerQueue& Queue(state::QueueId q);
  // True when pq counts for the thresholds q has now.
  static bool InSync(const PerQueue& pq, const state::QueueSettings& settings) {
    // An inline loop: this runs for every outcome and breach fact, usually over 1–3 values.
    const std::vector<std::int64_t>& now = settings.sl_thresholds_ms;
    if (now.size() != pq.thresholds_ms.size()) return false;
    for (std::size_t i = 0; i < now.size(); ++i) {
      if (now[i] != pq.thresholds_ms[i]) return false;
    }
    return true;
  }
  void Count(PerQueue* pq, std::size_t i, Part part, UnixMs t);

  SlFormula formula_;
  const state::Model& model_;
  std::vector<PerQueue> queues_;
  std::int64_t advanced_second_;
};

}  // namespace ccmon::collectors
