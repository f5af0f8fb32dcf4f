// Expected wait time (EWT): for each queue, the wait a contact arriving now should expect, by one
// published method, and how good that method is: every contact's prediction at arrival is kept
// and compared, when it is answered, with the wait it actually had (DESIGN §4 "expected wait";
// docs/staffing.md "Expected wait"; metric-definitions §5).
//
//   callcenter_queue_expected_wait_seconds{queue}        EWT for a contact arriving now
//   callcenter_ewt_error_seconds{queue}                  histogram of predicted − actual wait
//   callcenter_ewt_bias_seconds{queue}                   mean (predicted − actual), window
//   callcenter_ewt_absolute_error_seconds{queue}         mean |predicted − actual|, window
//
// Method: the Erlang A model predictor (metric-definitions §5) plus a measured answer delay. With
// k contacts waiting that a newcomer will not pass (those of its priority or higher), N agents
// staffed (available, reserved, on contact, after-contact work) of whom F are free (available or
// reserved), AHT = 1/μ and abandonment rate θ estimated live (QueueLoadEstimator,
// staffing_collector.h; in the daemon the staffing collector's, read, not duplicated), and d = the
// mean wait, over the estimation window, of answered contacts that found an agent free at arrival
// (routing and ringing time):
//   * F > k: an agent is free for the newcomer: d;
//   * otherwise, with m = k − F callers ahead of it once the free agents are taken, the expected
//     time until an agent takes it is Σ_{i=0..m} 1/(Nμ + iθ) (erlang::ExpectedWaitBehind): each
//     of the m callers ahead leaves by service (rate Nμ) or by abandoning (rate θ each), then an
//     agent frees up; then it rings: + d. Without abandons the sum is (m + 1)·AHT/N.
//   * No agent staffed: the age of the longest-waiting contact (Genesys Cloud's documented
//     fallback); no prediction if nobody is waiting either.
//   * No handle time observed in the estimation window: no prediction (unless an agent is free).
// Not modelled: contacts of higher priority arriving later (they pass the newcomer), agents shared
// with other queues (an agent serving several queues counts fully in each), and handle times that
// are not exponential (with less variable ones the first agent frees up sooner than the model
// says). The gauge is for a contact of priority 0. Waiting contacts by priority are tallied from
// the facts; the count ahead is the live waiting count minus the tallied lower-priority ones.
//
// Scoring: at a contact's kOffered fact the prediction for it (k = contacts already waiting) is
// stored in a hash map keyed by a 64-bit hash of (source, contact id) (≈ 40 bytes per waiting
// contact); at its kAnswered fact the signed error predicted − actual wait is observed in the
// histogram and the estimation window, and the entry erased. Other outcomes (abandoned, exited,
// transferred before answer, evicted) erase it unscored: their actual wait until an answer is not
// known. A contact offered without a prediction is not scored.
//
// Engine thread only (see Collector). Fact path: O(1) with one hash-map insert per offered
// contact; the load estimates used at arrivals are refreshed once per second of event time per
// queue. The gauge is computed at scrape time from the live state.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collectors/collector.h"
#include "collectors/staffing_collector.h"

namespace ccmon::collectors {

// What the EWT method needs to know about a queue when a contact arrives.
struct EwtSituation {
  std::int64_t ahead = 0;    // Contacts already waiting.
  std::int64_t staffed = 0;  // Agents available, reserved, on contact or in wrap-up.
  std::int64_t free = 0;     // Agents available or reserved.
  double handle_time_s = 0;  // AHT; ≤ 0 when unknown.
  double patience_s = std::numeric_limits<double>::infinity();  // Mean patience 1/θ.
  double oldest_wait_s = -1;  // Age of the longest-waiting contact ahead; < 0 when none.
  double answer_delay_s = 0;  // Mean wait of recent contacts that found an agent free.
};

// True when an agent is free for a contact arriving in situation s.
bool AgentFreeFor(const EwtSituation& s);

// The EWT of the method above in seconds, or nullopt when it makes no prediction.
std::optional<double> ExpectedWaitSeconds(const EwtSituation& s);

class EwtCollector final : public Collector {
 public:
  // Standalone: keeps its own load estimates (tests, benchmarks). `model` must outlive it.
  EwtCollector(const CollectorOptions& options, const state::Model& model);
  // Reads the load estimates of the staffing collector instead of keeping a second copy (the
  // daemon's wiring): `shared` must outlive this collector and consume every fact before it
  // (its collector is listed first in all_collectors.cc).
  EwtCollector(const CollectorOptions& options, const state::Model& model,
               const QueueLoadEstimator* shared);

  std::string_view Name() const override { return "expected_wait"; }
  void OnFact(const state::Fact& fact) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  // The EWT for a contact arriving in q at `now`, from the live state (the gauge).
  std::optional<double> ExpectedWaitNow(state::QueueId q, UnixMs now) const;

  // The prediction stored for a waiting contact at its arrival, in seconds.
  std::optional<double> PredictionFor(state::SourceId source, std::string_view contact_id) const;

  // Scored contacts of q since start: count, Σ error and Σ |error| in seconds.
  struct ErrorTotals {
    std::uint64_t count = 0;
    double sum_s = 0;
    double sum_abs_s = 0;
  };
  ErrorTotals error_totals(state::QueueId q) const;

  // Predictions held (waiting contacts that got one).
  std::size_t pending_predictions() const { return predictions_.size(); }

  const QueueLoadEstimator& estimator() const { return *estimator_; }

 private:
  enum WindowSum : int {
    kScored = 0,
    kErrorMs,
    kAbsErrorMs,
    kFreeAnswered,  // Answered contacts that found an agent free at arrival ...
    kFreeWaitMs,    // ... and their waits: the answer delay.
    kWindowSumCount,
  };
  struct Pending {
    float seconds;    // The prediction.
    bool agent_free;  // An agent was free at arrival (its wait measures the answer delay).
  };
  struct PerQueue {
    explicit PerQueue(std::int64_t window_ms, std::size_t buckets)
        : bucket_counts(buckets, 0), window(window_ms) {}
    std::vector<std::uint64_t> bucket_counts;  // Non-cumulative; the last is +Inf.
    ErrorTotals totals;
    EstimationWindow<kWindowSumCount> window;
    // The estimates used for arrivals, refreshed once per second of event time (cheap fact path).
    std::int64_t estimate_second = std::numeric_limits<std::int64_t>::min();
    QueueLoadEstimator::Estimate estimate;
    double answer_delay_s = 0;
    // Contacts waiting by priority, ascending (a handful of distinct values in practice).
    std::vector<std::pair<std::int32_t, std::int64_t>> waiting_by_priority;
  };

  static std::uint64_t Key(state::SourceId source, std::string_view contact_id);
  EwtSituation SituationOf(state::QueueId q, std::int64_t ahead, UnixMs now,
                           const QueueLoadEstimator::Estimate& e) const;
  PerQueue* Queue(state::QueueId q);
  static double AnswerDelay(const PerQueue& pq, UnixMs now);
  // Counts a contact of `priority` joining (+1) or leaving (−1) q's waiting contacts.
  static void CountWaiting(PerQueue* pq, std::int32_t priority, std::int64_t delta);
  // Waiting contacts of q that a newcomer of `priority` does not pass: all but those of lower
  // priority (taken from the live table, so a tally that missed contacts cannot inflate it).
  std::int64_t Ahead(state::QueueId q, const PerQueue* pq, std::int32_t priority) const;
  void Score(state::QueueId q, UnixMs t, double error_s);

  const state::Model& model_;
  std::int64_t window_ms_;
  std::vector<double> bounds_s_;                       // Finite bucket bounds, ascending.
  std::unique_ptr<QueueLoadEstimator> own_estimator_;  // Standalone only; fed by OnFact.
  const QueueLoadEstimator* estimator_;
  std::unordered_map<std::uint64_t, Pending> predictions_;  // By Key().
  std::vector<PerQueue> queues_;
};

}  // namespace ccmon::collectors
