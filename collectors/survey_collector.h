// SurveyCollector: the customer's own verdict from post-contact surveys, per queue (DESIGN §4
// "surveys"; docs/metrics.md "Surveys"):
//
//   callcenter_survey_responses_total{queue}                         counter, every survey
//   callcenter_survey_csat{queue}                                    histogram, le = 1..5
//   callcenter_survey_resolution_total{queue,resolved="yes"|"no"|"unspecified"}
//   callcenter_queue_survey_csat_average{queue,window}               gauge
//   callcenter_queue_survey_satisfied_ratio{queue,window}            gauge
//
// Counted at kSurveyCompleted (stamped with the survey's own time, usually minutes after the
// contact) in the fact's queue. A survey without a score (csat 0) counts as a response and in
// the resolution counter but not in the CSAT histogram or windows; the decoder rejects scores
// above 5. "Satisfied" = a score of 4 or 5 (the usual CSAT % definition, top-two box). The
// window values cover surveys completed in the sliding window (SlidingWindow, 5m/15m/1h on the
// event clock) and are absent when no scored survey was completed in it.
//
// Storage per queue: six integers and one SlidingWindow, grown lazily when a queue is first
// seen; no allocation on the fact path once a queue exists.
//
// Engine thread only (see Collector).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "collectors/collector.h"
#include "collectors/sliding_window.h"

namespace ccmon::collectors {

class SurveyCollector final : public Collector {
 public:
  static constexpr int kMaxScore = 5;

  // `model` must outlive the collector.
  explicit SurveyCollector(const state::Model& model);

  std::string_view Name() const override { return "survey"; }
  void OnFact(const state::Fact& fact) override;
  void OnAdvance(UnixMs now_ms) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

 private:
  enum WindowCounter : int { kScored = 0, kScoreSum, kSatisfied };
  static constexpr int kWindowCounterCount = 3;
  static constexpr int kResolutionCount = 3;  // Indexed by state::Resolution.

  struct PerQueue {
    std::uint64_t responses = 0;
    std::array<std::uint64_t, kMaxScore> scores{};  // scores[i]: surveys with CSAT i + 1.
    std::array<std::uint64_t, kResolutionCount> resolution{};
    SlidingWindow window{kWindowCounterCount};
  };
  // The state of q (< model_.queues.size()), growing the per-queue vector if needed.
  PerQueue& Queue(state::QueueId q);

  const state::Model& model_;
  std::vector<PerQueue> queues_;
  UnixMs advanced_ms_ = 0;  // Latest OnAdvance(); new windows start there.
};

}  // namespace ccmon::collectors
