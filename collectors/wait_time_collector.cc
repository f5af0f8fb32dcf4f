#include "collectors/wait_time_collector.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {
using prometheus::MetricType;
using state::FactType;
}  // namespace

std::string_view WaitTimeCollector::OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAnswered:
      return "answered";
    case Outcome::kAbandoned:
      return "abandoned";
    case Outcome::kExited:
      return "exited";
    case Outcome::kTransferred:
      return "transferred";
  }
  return "exited";
}

WaitTimeCollector::WaitTimeCollector(const CollectorOptions& options, const state::Model& model)
    : model_(model) {
  for (double s : options.wait_buckets_s) {
    // Non-finite or negative bounds cannot be a wait; the config should have rejected them.
    if (!std::isfinite(s) || s < 0) continue;
    bounds_ms_.push_back(std::llround(s * 1000.0));
  }
  const std::vector<std::int64_t>& thresholds = model.queues.AllThresholdsMs();
  bounds_ms_.insert(bounds_ms_.end(), thresholds.begin(), thresholds.end());
  std::sort(bounds_ms_.begin(), bounds_ms_.end());
  bounds_ms_.erase(std::unique(bounds_ms_.begin(), bounds_ms_.end()), bounds_ms_.end());
  bounds_ms_.erase(
      std::remove_if(bounds_ms_.begin(), bounds_ms_.end(), [](std::int64_t b) { return b < 0; }),
      bounds_ms_.end());
  for (std::int64_t b : bounds_ms_) bounds_s_.push_back(Seconds(b));
  series_.resize(model.queues.size() * kOutcomeCount);
  buckets_.resize(Offset(static_cast<state::QueueId>(model.queues.size()), 0));
}

void WaitTimeCollector::OnFact(const state::Fact& fact) {
  Outcome outcome;
  switch (fact.type) {
    case FactType::kAnswered:
      outcome = Outcome::kAnswered;
      break;
    case FactType::kAbandoned:
      outcome = Outcome::kAbandoned;
      break;
    case FactType::kExited:
      outcome = Outcome::kExited;
      break;
    case FactType::kTransferredOut:
      if (!fact.before_answer) return;  // After an answer the wait was observed as answered.
      outcome = Outcome::kTransferred;
      break;
    default:
      return;
  }
  const state::QueueId q = fact.queue;
  if (q >= model_.queues.size()) return;
  if (Offset(q, 0) >= buckets_.size()) {
    const auto queues = static_cast<state::QueueId>(model_.queues.size());
    series_.resize(static_cast<std::size_t>(queues) * kOutcomeCount);
    buckets_.resize(Offset(queues, 0));
  }
  // A negative wait (clocks of two sources disagreeing) is observed as 0.
  const std::int64_t wait = std::max<std::int64_t>(fact.wait_ms, 0);
  const auto o = static_cast<int>(outcome);
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_ms_.begin(), bounds_ms_.end(), wait) - bounds_ms_.begin());
  ++buckets_[Offset(q, o) + bucket];
  Series& s = series_[static_cast<std::size_t>(q) * kOutcomeCount + static_cast<std::size_t>(o)];
  ++s.count;
  s.sum_ms += wait;
}

void WaitTimeCollector::Collect(const CollectContext& ctx,
                                std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  prometheus::MetricFamily& family =
      AddFamily(out, "callcenter_contact_wait_seconds",
                "Time from entering the queue to the outcome (ACD clock), by outcome; "
                "transferred = transferred out before an answer.",
                MetricType::Histogram);
  const std::size_t nb = bounds_ms_.size();
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    for (int o = 0; o < kOutcomeCount; ++o) {
      prometheus::ClientMetric& metric = AddSample(
          &family, {{"queue", registry.Name(q)}, {"outcome", OutcomeName(static_cast<Outcome>(o))}},
          0);
      const std::size_t offset = Offset(q, o);
      const bool known = offset < buckets_.size();
      auto& h = metric.histogram;
      h.bucket.resize(nb + 1);
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < nb; ++b) {
        if (known) cumulative += buckets_[offset + b];
        h.bucket[b].upper_bound = bounds_s_[b];
        h.bucket[b].cumulative_count = cumulative;
      }
      const Series s =
          known ? series_[static_cast<std::size_t>(q) * kOutcomeCount + static_cast<std::size_t>(o)]
                : Series{};
      h.bucket[nb].upper_bound = std::numeric_limits<double>::infinity();
      h.bucket[nb].cumulative_count = s.count;
      h.sample_count = s.count;
      h.sample_sum = Seconds(s.sum_ms);
    }
  }
}

}  // namespace ccmon::collectors
