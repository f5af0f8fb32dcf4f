#include "collectors/survey_collector.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;

// Label values of state::Resolution, in its order.
constexpr std::array<std::string_view, 3> kResolvedLabels = {"unspecified", "yes", "no"};

}  // namespace

SurveyCollector::SurveyCollector(const state::Model& model) : model_(model) {
  if (model.queues.size() > 0) Queue(static_cast<state::QueueId>(model.queues.size() - 1));
}

SurveyCollector::PerQueue& SurveyCollector::Queue(state::QueueId q) {
  if (q >= queues_.size()) {
    const std::size_t first = queues_.size();
    queues_.resize(std::max<std::size_t>(model_.queues.size(), q + 1));
    if (advanced_ms_ != 0) {
      for (std::size_t i = first; i < queues_.size(); ++i) queues_[i].window.Advance(advanced_ms_);
    }
  }
  return queues_[q];
}

void SurveyCollector::OnFact(const state::Fact& fact) {
  if (fact.type != state::FactType::kSurveyCompleted || fact.queue >= model_.queues.size()) return;
  PerQueue& pq = Queue(fact.queue);
  ++pq.responses;
  const auto resolution = static_cast<std::size_t>(fact.resolution);
  if (resolution < pq.resolution.size()) ++pq.resolution[resolution];
  const int score = fact.csat;
  // 0 = no score; above 5 the decoder rejects the event, this guards the array.
  if (score < 1 || score > kMaxScore) return;
  ++pq.scores[static_cast<std::size_t>(score - 1)];
  pq.window.Add(fact.time_ms, kScored, 1);
  pq.window.Add(fact.time_ms, kScoreSum, score);
  if (score >= 4) pq.window.Add(fact.time_ms, kSatisfied, 1);
}

void SurveyCollector::OnAdvance(UnixMs now_ms) {
  if (now_ms <= advanced_ms_) return;
  advanced_ms_ = now_ms;
  for (PerQueue& pq : queues_) pq.window.Advance(now_ms);
}

void SurveyCollector::Collect(const CollectContext& ctx,
                              std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_survey_responses_total",
            "Post-contact surveys completed, with or without a CSAT score.", MetricType::Counter);
  AddFamily(out, "callcenter_survey_csat",
            "CSAT scores (1-5) of the surveys completed with a score.", MetricType::Histogram);
  AddFamily(out, "callcenter_survey_resolution_total",
            "Post-contact surveys by the customer's own answer to \"was it resolved?\".",
            MetricType::Counter);
  AddFamily(out, "callcenter_queue_survey_csat_average",
            "Mean CSAT score (1-5) of the surveys completed with a score in the sliding window; "
            "absent when there were none.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_survey_satisfied_ratio",
            "Surveys scored 4 or 5 / surveys with a score, completed in the sliding window (0-1); "
            "absent when there were none.",
            MetricType::Gauge);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  const PerQueue empty;
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    const bool known = q < queues_.size();
    const PerQueue& pq = known ? queues_[q] : empty;
    AddSample(family(0), {{"queue", queue}}, static_cast<double>(pq.responses));

    prometheus::ClientMetric& csat = AddSample(family(1), {{"queue", queue}}, 0);
    auto& h = csat.histogram;
    h.bucket.resize(kMaxScore + 1);
    std::uint64_t cumulative = 0;
    std::uint64_t sum = 0;
    for (int s = 1; s <= kMaxScore; ++s) {
      const std::uint64_t n = pq.scores[static_cast<std::size_t>(s - 1)];
      cumulative += n;
      sum += n * static_cast<std::uint64_t>(s);
      h.bucket[static_cast<std::size_t>(s - 1)].upper_bound = s;
      h.bucket[static_cast<std::size_t>(s - 1)].cumulative_count = cumulative;
    }
    h.bucket[kMaxScore].upper_bound = std::numeric_limits<double>::infinity();
    h.bucket[kMaxScore].cumulative_count = cumulative;
    h.sample_count = cumulative;
    h.sample_sum = static_cast<double>(sum);

    for (std::size_t r = 0; r < kResolvedLabels.size(); ++r) {
      AddSample(family(2), {{"queue", queue}, {"resolved", kResolvedLabels[r]}},
                static_cast<double>(pq.resolution[r]));
    }

    if (!known) continue;
    for (SlidingWindow::Span span : SlidingWindow::kSpans) {
      const std::int64_t scored = pq.window.SumAt(span, kScored, ctx.event_now_ms);
      if (scored <= 0) continue;
      const LabelPairs labels = {{"queue", queue}, {"window", SlidingWindow::SpanName(span)}};
      const auto n = static_cast<double>(scored);
      AddSample(family(3), labels,
                static_cast<double>(pq.window.SumAt(span, kScoreSum, ctx.event_now_ms)) / n);
      AddSample(family(4), labels,
                static_cast<double>(pq.window.SumAt(span, kSatisfied, ctx.event_now_ms)) / n);
    }
  }
}

}  // namespace ccmon::collectors
