#include "collectors/service_level_collector.h"

#include <algorithm>

#include "collectors/exposition.h"
#include "collectors/service_level_event.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;

// Thresholds beyond this many have no bit in breached_mask and are not counted.
constexpr std::size_t kThresholdLimit = state::kMaxThresholds;

// The SL-event rule (collectors/service_level_event.h) emits SlPart values; Part mirrors them.
static_assert(static_cast<int>(SlPart::kAnsweredWithin) == ServiceLevelCollector::kAnsweredWithin &&
              static_cast<int>(SlPart::kAbandonedWithin) ==
                  ServiceLevelCollector::kAbandonedWithin &&
              static_cast<int>(SlPart::kShortAbandonedWithin) ==
                  ServiceLevelCollector::kShortAbandonedWithin &&
              static_cast<int>(SlPart::kExitedWithin) == ServiceLevelCollector::kExitedWithin &&
              static_cast<int>(SlPart::kBreached) == ServiceLevelCollector::kBreached &&
              kSlPartCount == ServiceLevelCollector::kPartCount);

std::size_t ThresholdCount(const std::vector<std::int64_t>& thresholds) {
  return std::min(thresholds.size(), kThresholdLimit);
}

}  // namespace

bool ServiceLevelCollector::Ratio(SlFormula formula, std::int64_t a, std::int64_t b, std::int64_t s,
                                  std::int64_t r, double* ratio) {
  std::int64_t numerator = a;
  std::int64_t denominator = 0;
  switch (formula) {
    case SlFormula::kShortAbandonsExcluded:
      denominator = a + b - s + r;
      break;
    case SlFormula::kAbandonsNegative:
      denominator = a + b + r;
      break;
    case SlFormula::kAbandonsIgnored:
      denominator = a + r;
      break;
    case SlFormula::kAbandonsPositive:
      numerator = a + b;
      denominator = a + b + r;
      break;
  }
  if (denominator <= 0) return false;
  *ratio = static_cast<double>(numerator) / static_cast<double>(denominator);
  return true;
}

ServiceLevelCollector::ServiceLevelCollector(const CollectorOptions& options,
                                             const state::Model& model)
    : formula_(options.sl_formula), model_(model), advanced_second_(0) {
  queues_.resize(model.queues.size());
  for (state::QueueId q = 0; q < model.queues.size(); ++q) Queue(q);
}

ServiceLevelCollector::PerQueue& ServiceLevelCollector::Queue(state::QueueId q) {
  if (q >= queues_.size()) queues_.resize(model_.queues.size());
  PerQueue& pq = queues_[q];
  const state::QueueSettings& settings = model_.queues.Settings(q);
  if (!InSync(pq, settings)) {
    pq.thresholds_ms = settings.sl_thresholds_ms;
    const std::size_t n = ThresholdCount(pq.thresholds_ms);
    pq.counts.assign(n * kPartCount, 0);
    pq.window = SlidingWindow(static_cast<int>(n * kPartCount));
    if (advanced_second_ != 0) pq.window.Advance(advanced_second_ * 1000);
  }
  return pq;
}

void ServiceLevelCollector::Count(PerQueue* pq, std::size_t i, Part part, UnixMs t) {
  const std::size_t k = i * kPartCount + static_cast<std::size_t>(part);
  ++pq->counts[k];
  pq->window.Add(t, static_cast<int>(k), 1);
}

void ServiceLevelCollector::OnFact(const state::Fact& fact) {
  if (fact.queue >= model_.queues.size() || !ProducesSlEvents(fact)) return;
  PerQueue& pq = Queue(fact.queue);
  ForEachSlEvent(
      fact, pq.thresholds_ms.data(), ThresholdCount(pq.thresholds_ms),
      [&](std::size_t i, SlPart part) { Count(&pq, i, static_cast<Part>(part), fact.time_ms); });
}

void ServiceLevelCollector::OnAdvance(UnixMs now_ms) {
  const std::int64_t second = SlidingWindow::SecondOf(now_ms);
  if (second <= advanced_second_) return;
  advanced_second_ = second;
  for (PerQueue& pq : queues_) pq.window.Advance(now_ms);
}

std::uint64_t ServiceLevelCollector::count(state::QueueId q, std::size_t threshold_index,
                                           Part part) const {
  if (q >= queues_.size()) return 0;
  const PerQueue& pq = queues_[q];
  const std::size_t k = threshold_index * kPartCount + static_cast<std::size_t>(part);
  return k < pq.counts.size() ? pq.counts[k] : 0;
}

std::int64_t ServiceLevelCollector::window_sum(state::QueueId q, std::size_t threshold_index,
                                               Part part, SlidingWindow::Span span,
                                               UnixMs now) const {
  if (q >= queues_.size()) return 0;
  const PerQueue& pq = queues_[q];
  const std::size_t k = threshold_index * kPartCount + static_cast<std::size_t>(part);
  if (k >= pq.counts.size()) return 0;
  return pq.window.SumAt(span, static_cast<int>(k), now);
}

void ServiceLevelCollector::Collect(const CollectContext& ctx,
                                    std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_service_level_answered_within_total",
            "Contacts answered at a wait at or below the threshold (their service-level event).",
            MetricType::Counter);
  AddFamily(out, "callcenter_service_level_abandoned_within_total",
            "Contacts abandoned at a wait at or below the threshold, short abandons included.",
            MetricType::Counter);
  AddFamily(out, "callcenter_service_level_short_abandoned_within_total",
            "Short abandons at a wait at or below the threshold (a subset of abandoned within).",
            MetricType::Counter);
  AddFamily(out, "callcenter_service_level_exited_within_total",
            "Contacts that exited or were transferred out unanswered at a wait at or below the "
            "threshold (flow-outs, excluded from the ratios).",
            MetricType::Counter);
  AddFamily(out, "callcenter_service_level_breached_total",
            "Contacts that crossed the threshold while still waiting, counted at the crossing.",
            MetricType::Counter);
  AddFamily(out, "callcenter_service_level_ratio",
            "Service level over the sliding window with the configured formula (0-1); absent "
            "when the window has no service-level event in the denominator.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_service_level_target_ratio",
            "Configured service-level target (0-1) for the queue's target threshold.",
            MetricType::Gauge);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    const state::QueueSettings& settings = registry.Settings(q);
    // A queue created or reconfigured since the last fact has nothing counted yet.
    const PerQueue* pq = q < queues_.size() && InSync(queues_[q], settings) ? &queues_[q] : nullptr;
    const std::size_t n = ThresholdCount(settings.sl_thresholds_ms);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string threshold = ThresholdLabel(settings.sl_thresholds_ms[i]);
      const LabelPairs labels = {{"queue", queue}, {"threshold", threshold}};
      for (int part = 0; part < kPartCount; ++part) {
        const std::size_t k = i * kPartCount + static_cast<std::size_t>(part);
        AddSample(family(part), labels, pq == nullptr ? 0.0 : static_cast<double>(pq->counts[k]));
      }
      if (pq != nullptr) {
        for (SlidingWindow::Span span : SlidingWindow::kSpans) {
          auto sum = [&](Part part) {
            return pq->window.SumAt(span, static_cast<int>(i * kPartCount + part),
                                    ctx.event_now_ms);
          };
          double ratio = 0;
          if (Ratio(formula_, sum(kAnsweredWithin), sum(kAbandonedWithin),
                    sum(kShortAbandonedWithin), sum(kBreached), &ratio)) {
            AddSample(family(5),
                      {{"queue", queue},
                       {"threshold", threshold},
                       {"window", SlidingWindow::SpanName(span)}},
                      ratio);
          }
        }
      }
    }
    if (settings.sl_target_index < n) {
      AddSample(
          family(6),
          {{"queue", queue},
           {"threshold", ThresholdLabel(settings.sl_thresholds_ms[settings.sl_target_index])}},
          settings.sl_target);
    }
  }
}

}  // namespace ccmon::collectors
