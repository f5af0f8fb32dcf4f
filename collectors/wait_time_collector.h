// WaitTimeCollector: the distribution of queue waits by outcome (docs/metrics.md "Wait time"):
//
//   callcenter_contact_wait_seconds{queue, outcome="answered"|"abandoned"|"exited"|"transferred"}
//
// A histogram observed at each outcome fact with the fact's wait_ms (transferred = transferred
// out before an answer). Evicted contacts are not observed: their wait ended for want of events,
// not by an outcome. Bucket bounds are CollectorOptions::wait_buckets_s ∪ every service-level
// threshold the registry knows at construction (QueueRegistry::AllThresholdsMs(), which includes
// the defaults), so "waits ≤ T" is read exactly off a bucket. Thresholds configured later (a
// reload) get a bucket at the next start. Bounds are kept in milliseconds and compared as
// integers, so a wait of exactly T lands in the T bucket.
//
// Storage: plain per-bucket counts (not cumulative) per {queue, outcome}; the
// prometheus::ClientMetric histogram is built at scrape. The fact path is a binary search over
// ~20 bounds and two increments.
//
// Engine thread only (see Collector).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "collectors/collector.h"

namespace ccmon::collectors {

class WaitTimeCollector final : public Collector {
 public:
  enum class Outcome : std::uint8_t { kAnswered = 0, kAbandoned, kExited, kTransferred };
  static constexpr int kOutcomeCount = 4;
  static std::string_view OutcomeName(Outcome o);

  // `model` must outlive the collector.
  WaitTimeCollector(const CollectorOptions& options, const state::Model& model);

  std::string_view Name() const override { return "wait_time"; }
  void OnFact(const state::Fact& fact) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  // Upper bounds of the finite buckets in milliseconds, ascending.
  const std::vector<std::int64_t>& bounds_ms() const { return bounds_ms_; }

 private:
  struct Series {
    std::uint64_t count = 0;
    std::int64_t sum_ms = 0;
  };
  // Index of the first bucket count of {q, o}: bounds_ms_.size() + 1 counts (the last is +Inf).
  std::size_t Offset(state::QueueId q, int o) const {
    return (static_cast<std::size_t>(q) * kOutcomeCount + static_cast<std::size_t>(o)) *
           (bounds_ms_.size() + 1);
  }

  const state::Model& model_;
  std::vector<std::int64_t> bounds_ms_;
  std::vector<double> bounds_s_;        // The same bounds in seconds, for rendering.
  std::vector<std::uint64_t> buckets_;  // Per {queue, outcome}: counts per bucket.
  std::vector<Series> series_;          // Per {queue, outcome}.
};

}  // namespace ccmon::collectors
