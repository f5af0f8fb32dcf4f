#include "collectors/handle_time_collector.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;
using state::FactType;

}  // namespace

DurationBuckets::DurationBuckets(const std::vector<double>& bounds_s) {
  for (double s : bounds_s) {
    if (!std::isfinite(s) || s < 0) continue;
    bounds_ms_.push_back(std::llround(s * 1000.0));
  }
  std::sort(bounds_ms_.begin(), bounds_ms_.end());
  bounds_ms_.erase(std::unique(bounds_ms_.begin(), bounds_ms_.end()), bounds_ms_.end());
  bounds_s_.reserve(bounds_ms_.size());
  for (std::int64_t ms : bounds_ms_) bounds_s_.push_back(Seconds(ms));
}

std::size_t DurationBuckets::IndexOf(std::int64_t ms) const {
  return static_cast<std::size_t>(std::lower_bound(bounds_ms_.begin(), bounds_ms_.end(), ms) -
                                  bounds_ms_.begin());
}

void DurationHistogram::Observe(const DurationBuckets& buckets, std::int64_t ms) {
  ms = std::max<std::int64_t>(ms, 0);
  ++counts_[buckets.IndexOf(ms)];
  ++count_;
  sum_ms_ += ms;
}

void DurationHistogram::Render(const DurationBuckets& buckets,
                               prometheus::ClientMetric* metric) const {
  const std::size_t n = buckets.size();
  auto& h = metric->histogram;
  h.bucket.resize(n + 1);
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < n; ++b) {
    // A default-constructed histogram (a queue with nothing observed) renders zeros.
    if (b < counts_.size()) cumulative += counts_[b];
    h.bucket[b].upper_bound = buckets.bounds_s()[b];
    h.bucket[b].cumulative_count = cumulative;
  }
  h.bucket[n].upper_bound = std::numeric_limits<double>::infinity();
  h.bucket[n].cumulative_count = count_;
  h.sample_count = count_;
  h.sample_sum = Seconds(sum_ms_);
}

HandleTimeCollector::HandleTimeCollector(const CollectorOptions& options, const state::Model& model)
    : model_(model),
      short_answer_ms_(options.handle_time.short_answer_ms),
      buckets_(options.handle_time.duration_buckets_s) {
  if (model.queues.size() > 0) Queue(static_cast<state::QueueId>(model.queues.size() - 1));
}

HandleTimeCollector::PerQueue& HandleTimeCollector::Queue(state::QueueId q) {
  if (q >= queues_.size()) {
    const std::size_t first = queues_.size();
    queues_.resize(std::max<std::size_t>(model_.queues.size(), q + 1));
    for (std::size_t i = first; i < queues_.size(); ++i) {
      for (DurationHistogram& h : queues_[i].histograms) h = DurationHistogram(buckets_);
      if (advanced_ms_ != 0) queues_[i].window.Advance(advanced_ms_);
    }
  }
  return queues_[q];
}

void HandleTimeCollector::OnFact(const state::Fact& fact) {
  if (fact.queue >= model_.queues.size()) return;
  switch (fact.type) {
    case FactType::kConversationEnded: {
      PerQueue& pq = Queue(fact.queue);
      pq.histograms[kTalk].Observe(buckets_, fact.talk_ms);
      const bool held = fact.hold_count > 0;
      if (held) pq.histograms[kHold].Observe(buckets_, fact.hold_ms);
      if (std::max<std::int64_t>(fact.talk_ms, 0) + std::max<std::int64_t>(fact.hold_ms, 0) <=
          short_answer_ms_) {
        ++pq.short_answered;
      }
      pq.window.Add(fact.time_ms, kConversations, 1);
      if (held) pq.window.Add(fact.time_ms, kHeld, 1);
      break;
    }
    case FactType::kWrapUpEnded: {
      PerQueue& pq = Queue(fact.queue);
      pq.histograms[kAfterContactWork].Observe(buckets_, fact.acw_ms);
      pq.histograms[kHandle].Observe(buckets_, fact.handle_ms);
      pq.window.Add(fact.time_ms, kHandled, 1);
      pq.window.Add(fact.time_ms, kHandleMs, std::max<std::int64_t>(fact.handle_ms, 0));
      break;
    }
    case FactType::kTransferredOut:
      if (!fact.before_answer) Queue(fact.queue).window.Add(fact.time_ms, kTransfers, 1);
      break;
    default:
      break;
  }
}

void HandleTimeCollector::OnAdvance(UnixMs now_ms) {
  if (now_ms <= advanced_ms_) return;
  advanced_ms_ = now_ms;
  for (PerQueue& pq : queues_) pq.window.Advance(now_ms);
}

void HandleTimeCollector::Collect(const CollectContext& ctx,
                                  std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_contact_talk_seconds",
            "Talk time of each conversation leg (answer to end or transfer, hold excluded), "
            "observed when the leg ends.",
            MetricType::Histogram);
  AddFamily(out, "callcenter_contact_hold_seconds",
            "Total hold time of each conversation leg that was held at least once, observed when "
            "the leg ends.",
            MetricType::Histogram);
  AddFamily(out, "callcenter_contact_after_contact_work_seconds",
            "After-contact work (wrap-up) time of each handled contact, observed when it ends.",
            MetricType::Histogram);
  AddFamily(out, "callcenter_contact_handle_seconds",
            "Handle time (talk + hold + after-contact work) of each handled contact, observed "
            "when its after-contact work ends.",
            MetricType::Histogram);
  AddFamily(out, "callcenter_contacts_short_answered_total",
            "Conversation legs whose connected time (talk + hold) was at most the short-answer "
            "threshold.",
            MetricType::Counter);
  AddFamily(out, "callcenter_queue_average_handle_time_seconds",
            "Average handle time of the contacts whose after-contact work ended in the sliding "
            "window; absent when there were none.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_hold_ratio",
            "Conversation legs held at least once / conversation legs ended, in the sliding "
            "window (0-1); absent when none ended.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_transfer_ratio",
            "Transfers out after answer / conversation legs ended, in the sliding window (0-1); "
            "absent when none ended.",
            MetricType::Gauge);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  const PerQueue empty;
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    const bool known = q < queues_.size();
    const PerQueue& pq = known ? queues_[q] : empty;
    for (int h = 0; h < kHistogramCount; ++h) {
      prometheus::ClientMetric& metric = AddSample(family(h), {{"queue", queue}}, 0);
      pq.histograms[static_cast<std::size_t>(h)].Render(buckets_, &metric);
    }
    AddSample(family(4), {{"queue", queue}}, static_cast<double>(pq.short_answered));
    if (!known) continue;
    for (SlidingWindow::Span span : SlidingWindow::kSpans) {
      auto sum = [&](WindowCounter c) { return pq.window.SumAt(span, c, ctx.event_now_ms); };
      const LabelPairs labels = {{"queue", queue}, {"window", SlidingWindow::SpanName(span)}};
      const std::int64_t handled = sum(kHandled);
      if (handled > 0) {
        AddSample(family(5), labels, Seconds(sum(kHandleMs)) / static_cast<double>(handled));
      }
      const std::int64_t conversations = sum(kConversations);
      if (conversations > 0) {
        const auto n = static_cast<double>(conversations);
        AddSample(family(6), labels, static_cast<double>(sum(kHeld)) / n);
        AddSample(family(7), labels, std::min(1.0, static_cast<double>(sum(kTransfers)) / n));
      }
    }
  }
}

}  // namespace ccmon::collectors
