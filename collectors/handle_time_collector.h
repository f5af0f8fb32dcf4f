// HandleTimeCollector: how long agents spend on the contacts of each queue, and how often
// conversations are held or transferred (DESIGN §3 "Handle"; docs/metrics.md "Handle time"):
//
//   callcenter_contact_talk_seconds{queue}                 histogram, one per conversation leg
//   callcenter_contact_hold_seconds{queue}                 histogram, legs held at least once
//   callcenter_contact_after_contact_work_seconds{queue}   histogram, one per wrap-up
//   callcenter_contact_handle_seconds{queue}               histogram, talk + hold + ACW
//   callcenter_contacts_short_answered_total{queue}        counter
//   callcenter_queue_average_handle_time_seconds{queue,window}
//   callcenter_queue_hold_ratio{queue,window}
//   callcenter_queue_transfer_ratio{queue,window}
//
// When each is observed:
//   * kConversationEnded (every conversation leg, including a leg ended by a transfer after
//     answer): talk_ms into the talk histogram; hold_ms into the hold histogram when
//     hold_count ≥ 1; "short answered" when talk + hold ≤ HandleTimeOptions::short_answer_ms;
//     the window counts "conversations ended" and "conversations held".
//   * kWrapUpEnded: acw_ms and handle_ms (= talk + hold + acw of the contact's last leg in the
//     queue) into their histograms; the window counts the handled contact and its handle time.
//     A leg transferred to another queue has no wrap-up in this queue, hence no handle here.
//   * kTransferredOut after answer (before_answer = false): the window counts a transfer.
// Window values (SlidingWindow, exact on the event clock, 5m/15m/1h):
//   average handle time = Σ handle / handled contacts (wrap-ups ended in the window);
//   hold ratio          = conversations held at least once / conversations ended;
//   transfer ratio      = transfers after answer / conversations ended (clamped to 1: a
//                         re-queue during wrap-up is a transfer whose conversation ended
//                         earlier, possibly before the window).
// A window with a zero denominator has no series (absent, not NaN).
//
// Storage per queue: four histograms of plain bucket counts and one SlidingWindow; queues are
// grown lazily when first seen. The fact path is a binary search over ~20 bounds and a few
// increments; no allocation once a queue exists.
//
// DurationBuckets and DurationHistogram are shared with agent_activity_collector (time in state).
//
// Engine thread only (see Collector).
#pragma once

#include <prometheus/client_metric.h>

#include <array>
#include <cstdint>
#include <vector>

#include "collectors/collector.h"
#include "collectors/sliding_window.h"

namespace ccmon::collectors {

// Bucket upper bounds of a duration histogram, kept in milliseconds (compared as integers, so a
// duration of exactly a bound lands in that bound's bucket) and in seconds (for rendering).
class DurationBuckets {
 public:
  // From bounds in seconds. Non-finite and negative bounds are dropped (the config rejects them);
  // the rest are rounded to whole milliseconds, sorted and deduplicated.
  explicit DurationBuckets(const std::vector<double>& bounds_s);

  // Number of finite buckets.
  std::size_t size() const { return bounds_ms_.size(); }
  // Index of the bucket that holds a duration of `ms`: 0..size(), size() being +Inf.
  std::size_t IndexOf(std::int64_t ms) const;

  const std::vector<std::int64_t>& bounds_ms() const { return bounds_ms_; }
  const std::vector<double>& bounds_s() const { return bounds_s_; }

 private:
  std::vector<std::int64_t> bounds_ms_;
  std::vector<double> bounds_s_;
};

// Observations of one duration histogram: plain (non-cumulative) counts per bucket, +Inf last,
// plus count and sum. Sized for one DurationBuckets, which every call must pass.
class DurationHistogram {
 public:
  DurationHistogram() = default;
  explicit DurationHistogram(const DurationBuckets& buckets) : counts_(buckets.size() + 1, 0) {}

  // Observes a duration; a negative one (two clocks disagreeing) is observed as 0.
  void Observe(const DurationBuckets& buckets, std::int64_t ms);

  // Fills metric->histogram (cumulative buckets, +Inf, count, sum in seconds).
  void Render(const DurationBuckets& buckets, prometheus::ClientMetric* metric) const;

  std::uint64_t count() const { return count_; }
  std::int64_t sum_ms() const { return sum_ms_; }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t sum_ms_ = 0;
};

class HandleTimeCollector final : public Collector {
 public:
  enum Histogram : int { kTalk = 0, kHold, kAfterContactWork, kHandle };
  static constexpr int kHistogramCount = 4;

  // `model` must outlive the collector.
  HandleTimeCollector(const CollectorOptions& options, const state::Model& model);

  std::string_view Name() const override { return "handle_time"; }
  void OnFact(const state::Fact& fact) override;
  void OnAdvance(UnixMs now_ms) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  const DurationBuckets& buckets() const { return buckets_; }

 private:
  // Counters of the sliding window of each queue.
  enum WindowCounter : int {
    kHandled = 0,    // Wrap-ups ended.
    kHandleMs,       // Σ handle_ms of those.
    kConversations,  // Conversation legs ended.
    kHeld,           // Of those, held at least once.
    kTransfers,      // Transfers out after answer.
  };
  static constexpr int kWindowCounterCount = 5;

  struct PerQueue {
    std::array<DurationHistogram, kHistogramCount> histograms;
    std::uint64_t short_answered = 0;
    SlidingWindow window{kWindowCounterCount};
  };
  // The state of q (< model_.queues.size()), growing the per-queue vector if needed.
  PerQueue& Queue(state::QueueId q);

  const state::Model& model_;
  std::int64_t short_answer_ms_;
  DurationBuckets buckets_;
  std::vector<PerQueue> queues_;
  UnixMs advanced_ms_ = 0;  // Latest OnAdvance(); new windows start there.
};

}  // namespace ccmon::collectors
