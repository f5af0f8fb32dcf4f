// The service-level-event rule (DESIGN §3 "Service level"; docs/metrics.md "The service-level
// event") in one place, so that every collector that counts SL events — the monotonic counters
// and sliding ratios of ServiceLevelCollector, the interval/today windows of WindowCollector —
// counts exactly the same events.
//
// For each threshold T of the contact's queue, each stay produces exactly one SL event:
//   * at its outcome, if the outcome came at wait ≤ T and T's bit is not in the fact's
//     breached_mask: answered within T, abandoned within T (plus short-abandoned within T when
//     the abandon was short), or exited within T (exits, and transfers out before an answer);
//   * otherwise at the kSlBreached fact for T (stamped enqueue + T): breached. Should an outcome
//     arrive with wait > T and no breach recorded for T (the Lifecycle always emits the breach
//     first; this is a guard), the breach is counted at the outcome.
// A waiting contact evicted before T produces no SL event.
//
// Header-only, allocation-free (the fact path). Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "daemon/state/fact.h"

namespace ccmon::collectors {

// The kinds of SL event. ServiceLevelCollector::Part has the same values.
enum class SlPart : int {
  kAnsweredWithin = 0,
  kAbandonedWithin,
  kShortAbandonedWithin,  // Counted together with kAbandonedWithin, never alone.
  kExitedWithin,
  kBreached,
};
inline constexpr int kSlPartCount = 5;

// True for the facts that may produce SL events (outcomes and breaches).
inline bool ProducesSlEvents(const state::Fact& fact) {
  switch (fact.type) {
    case state::FactType::kAnswered:
    case state::FactType::kAbandoned:
    case state::FactType::kExited:
    case state::FactType::kSlBreached:
      return true;
    case state::FactType::kTransferredOut:
      return fact.before_answer;
    default:
      return false;
  }
}

// Calls emit(threshold_index, part) for each SL event `fact` produces in a queue whose thresholds
// are thresholds_ms[0 .. count) (count ≤ state::kMaxThresholds), stamped at fact.time_ms.
template <typename Emit>
inline void ForEachSlEvent(const state::Fact& fact, const std::int64_t* thresholds_ms,
                           std::size_t count, Emit&& emit) {
  SlPart within = SlPart::kAnsweredWithin;
  switch (fact.type) {
    case state::FactType::kAnswered:
      within = SlPart::kAnsweredWithin;
      break;
    case state::FactType::kAbandoned:
      within = SlPart::kAbandonedWithin;
      break;
    case state::FactType::kExited:
      within = SlPart::kExitedWithin;
      break;
    case state::FactType::kTransferredOut:
      if (!fact.before_answer) return;
      within = SlPart::kExitedWithin;
      break;
    case state::FactType::kSlBreached:
      if (fact.threshold_index < count) emit(std::size_t{fact.threshold_index}, SlPart::kBreached);
      return;
    default:
      return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    // Already counted at the crossing.
    if ((fact.breached_mask >> i) & 1u) continue;
    if (fact.wait_ms <= thresholds_ms[i]) {
      emit(i, within);
      if (within == SlPart::kAbandonedWithin && fact.short_abandon) {
        emit(i, SlPart::kShortAbandonedWithin);
      }
    } else {
      emit(i, SlPart::kBreached);
    }
  }
}

}  // namespace ccmon::collectors
