// Staffing: live estimates of each queue's load — arrival rate λ, average handle time and the
// abandonment rate θ (mean patience 1/θ) — and, from them, the agents each queue needs now to meet
// its service-level target by Erlang C and Erlang A, and the service level, ASA and abandon ratio
// those models predict with the agents staffed now (DESIGN §4 "staffing"; docs/staffing.md;
// common/erlang.h for the formulas).
//
//   callcenter_queue_arrival_rate_per_second{queue}
//   callcenter_queue_offered_load_erlangs{queue}
//   callcenter_queue_handle_time_estimate_seconds{queue}
//   callcenter_queue_patience_estimate_seconds{queue}
//   callcenter_queue_agents_staffed{queue}
//   callcenter_queue_agents_required{queue, model="erlang_c"|"erlang_a"}
//   callcenter_queue_predicted_service_level{queue, model}
//   callcenter_queue_predicted_asa_seconds{queue, model}
//   callcenter_queue_predicted_abandon_ratio{queue}                      (Erlang A)
//
// Estimation (QueueLoadEstimator, shared with the expected-wait collector). Over a sliding window
// of event time of StaffingOptions::estimation_window_ms (default 15 min), cut into 60 buckets:
//   λ   = contacts offered to the queue (transfers in included) / span,
//   AHT = mean handle time (talk + hold + after-contact work) of the kWrapUpEnded facts; if the
//         window holds none (a platform without wrap-up events), mean talk + hold of the
//         kConversationEnded facts,
//   θ   = abandons / exposure, where exposure is the time spent waiting in the queue, inside the
//         window, by every contact — those still waiting included (the maximum-likelihood
//         estimator of an exponential patience under censoring: exits, answers and the window's
//         edges censor a wait). It is the integral of the number waiting over the window.
// The span is the window (between 59/60 and 60/60 of its length, by the buckets' grain) or, just
// after start, the time since the first fact. A fact is counted in the bucket of its own
// timestamp; facts older than the window when they arrive are ignored.
//
// Predictions use T = the queue's target threshold (QueueSettings::sl_thresholds_ms at
// sl_target_index), the target ratio sl_target, the short-abandon threshold, and the daemon's own
// SL formula (CollectorOptions::sl_formula), so a predicted service level is comparable with
// callcenter_service_level_ratio and "required" means "meets the target as the daemon measures
// it". Agents staffed = agents serving the queue who are available, reserved, on a contact or in
// after-contact work (not-ready and logged-out agents excluded).
//
// Absent series: rates without any history (no fact seen yet); handle time, load, required and
// predictions while the window has no handled contact or no arrival; patience while it has no
// abandon (θ = 0: Erlang A then equals Erlang C); SL/required when the target threshold index
// is out of range; ASA when the model has no steady state (A ≥ N without abandonment) or no agent
// is staffed. With no agent staffed both predicted service levels are 0 and the abandon ratio 1.
//
// Engine thread only (see Collector). The fact path is O(1) with no allocation (a new queue grows
// the per-queue vectors once); the Erlang searches run at scrape time.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "collectors/collector.h"
#include "common/erlang.h"

namespace ccmon::collectors {

// K running sums over a sliding window of event time cut into kBuckets equal buckets. Bucket b
// holds the times [b·w, (b + 1)·w); the window at `now` is the kBuckets buckets ending with the one
// that holds `now`. The buckets' total is kept up to date, so Sum() at the newest bucket is O(1)
// (it subtracts only the buckets that have left the window since the last write). Plain value;
// not thread-safe.
template <int K>
class EstimationWindow {
 public:
  static constexpr int kBuckets = 60;

  explicit EstimationWindow(std::int64_t window_ms = 15 * 60'000)
      : bucket_ms_(std::max<std::int64_t>(1, (window_ms + kBuckets - 1) / kBuckets)) {}

  std::int64_t bucket_ms() const { return bucket_ms_; }

  // Adds `delta` to sum `index` at time t. Ignored when t's bucket has already left the window.
  void Add(UnixMs t, int index, std::int64_t delta) {
    const std::int64_t b = BucketOf(t);
    MoveHead(b);
    if (b <= head_ - kBuckets) return;
    slots_[Slot(b)][static_cast<std::size_t>(index)] += delta;
    totals_[static_cast<std::size_t>(index)] += delta;
  }

  // Adds weight × (milliseconds of [from, to) in each bucket) to sum `index`.
  void AddSpread(UnixMs from, UnixMs to, int index, std::int64_t weight) {
    if (to <= from || weight == 0) return;
    const std::int64_t last = BucketOf(to - 1);
    MoveHead(last);
    for (std::int64_t b = std::max(BucketOf(from), head_ - kBuckets + 1); b <= last; ++b) {
      const UnixMs begin = std::max(from, b * bucket_ms_);
      const UnixMs end = std::min(to, (b + 1) * bucket_ms_);
      slots_[Slot(b)][static_cast<std::size_t>(index)] += weight * (end - begin);
      totals_[static_cast<std::size_t>(index)] += weight * (end - begin);
    }
  }

  // Sum `index` over the window at `now`.
  std::int64_t Sum(int index, UnixMs now) const {
    if (head_ == kEmpty) return 0;
    const auto i = static_cast<std::size_t>(index);
    const std::int64_t n = BucketOf(now);
    if (n >= head_) {
      // Everything held, minus the oldest buckets that `now` has pushed out.
      std::int64_t sum = totals_[i];
      const std::int64_t gone_until = std::min(n - kBuckets, head_);
      for (std::int64_t b = head_ - kBuckets + 1; b <= gone_until; ++b) sum -= slots_[Slot(b)][i];
      return sum;
    }
    std::int64_t sum = 0;  // `now` before the newest write: add up the buckets up to `now`.
    for (std::int64_t b = head_ - kBuckets + 1; b <= n; ++b) sum += slots_[Slot(b)][i];
    return sum;
  }

  // First instant the window at `now` covers.
  UnixMs WindowStart(UnixMs now) const { return (BucketOf(now) - kBuckets + 1) * bucket_ms_; }

 private:
  static constexpr std::int64_t kEmpty = std::numeric_limits<std::int64_t>::min();

  std::int64_t BucketOf(UnixMs t) const {
    return t >= 0 ? t / bucket_ms_ : -((-t + bucket_ms_ - 1) / bucket_ms_);
  }
  static std::size_t Slot(std::int64_t b) {
    return static_cast<std::size_t>(((b % kBuckets) + kBuckets) % kBuckets);
  }
  // Makes b the newest bucket if it is newer than the head, clearing the buckets it reuses.
  void MoveHead(std::int64_t b) {
    if (head_ != kEmpty && b <= head_) return;
    if (head_ == kEmpty || b - head_ >= kBuckets) {
      for (auto& slot : slots_) slot.fill(0);
      totals_.fill(0);
    } else {
      for (std::int64_t i = head_ + 1; i <= b; ++i) {
        auto& slot = slots_[Slot(i)];  // Holds bucket i − kBuckets, which leaves now.
        for (std::size_t k = 0; k < static_cast<std::size_t>(K); ++k) totals_[k] -= slot[k];
        slot.fill(0);
      }
    }
    head_ = b;
  }

  std::int64_t bucket_ms_;
  std::int64_t head_ = kEmpty;  // Newest bucket written.
  std::array<std::array<std::int64_t, K>, kBuckets> slots_{};
  std::array<std::int64_t, K> totals_{};  // Σ of the buckets held (head − kBuckets, head].
};

// Per-queue estimates of λ, AHT and θ over the estimation window (see the file comment). Fed the
// lifecycle's facts; read at scrape time. Engine thread only.
class QueueLoadEstimator {
 public:
  struct Estimate {
    double span_s = 0;          // History the estimates cover (0: none yet).
    std::int64_t arrivals = 0;  // Contacts offered in the window.
    std::int64_t handled = 0;   // Handle times observed (wrap-ups, else conversations).
    std::int64_t abandons = 0;
    double exposure_s = 0;  // Time spent waiting in the queue within the window.
    double arrival_rate_per_s = 0;
    double handle_time_s = 0;           // Meaningful when handled > 0.
    double abandonment_rate_per_s = 0;  // θ̂ = abandons / exposure (0 without abandons).

    bool has_history() const { return span_s > 0; }
    bool has_handle_time() const { return handled > 0; }
    // Mean patience 1/θ̂, +∞ without abandons.
    double patience_s() const {
      return abandonment_rate_per_s > 0 ? 1.0 / abandonment_rate_per_s
                                        : std::numeric_limits<double>::infinity();
    }
  };

  // `model` must outlive the estimator; window_ms > 0.
  QueueLoadEstimator(const state::Model& model, std::int64_t window_ms);

  // Consumes one fact (offers, outcomes, conversation ends, wrap-ups, evictions).
  void OnFact(const state::Fact& fact);

  // The estimates for queue q at event time `now` (all zero for a queue never seen).
  Estimate At(state::QueueId q, UnixMs now) const;

 private:
  enum Sum : int {
    kOffered = 0,
    kWrapUps,
    kHandleMs,
    kConversations,
    kTalkHoldMs,
    kAbandons,
    kExposureMs,  // Contact-milliseconds spent waiting.
    kSumCount,
  };
  struct PerQueue {
    explicit PerQueue(std::int64_t window_ms) : window(window_ms) {}
    EstimationWindow<kSumCount> window;
    std::int64_t waiting = 0;  // Contacts waiting since `since_ms` (the model's count then).
    UnixMs since_ms = kNever;
  };
  static constexpr UnixMs kNever = std::numeric_limits<UnixMs>::min();

  PerQueue* Queue(state::QueueId q);

  const state::Model& model_;
  std::int64_t window_ms_;
  std::vector<PerQueue> queues_;
  EstimationWindow<kSumCount> unseen_;  // Empty: the window of a queue without facts.
  UnixMs first_fact_ms_ = kNever;
};

class StaffingCollector final : public Collector {
 public:
  // `model` must outlive the collector.
  StaffingCollector(const CollectorOptions& options, const state::Model& model);

  std::string_view Name() const override { return "staffing"; }
  void OnFact(const state::Fact& fact) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  const QueueLoadEstimator& estimator() const { return estimator_; }

  // The Erlang service-level variant matching the daemon's SL formula.
  static erlang::AbandonCounting CountingFor(SlFormula formula);
  // Agents serving the queue who can take contacts: available, reserved, on contact, wrap-up.
  static std::int64_t StaffedAgents(const state::AgentStateCounts& counts);

 private:
  SlFormula formula_;
  QueueLoadEstimator estimator_;
};

}  // namespace ccmon::collectors
