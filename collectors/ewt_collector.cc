#include "collectors/ewt_collector.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "collectors/exposition.h"
#include "common/erlang.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;
using state::FactType;

std::int64_t SecondOf(UnixMs t) { return t >= 0 ? t / 1000 : -((-t + 999) / 1000); }

}  // namespace

bool AgentFreeFor(const EwtSituation& s) {
  return s.staffed > 0 && s.ahead < std::max<std::int64_t>(s.free, 0);
}

std::optional<double> ExpectedWaitSeconds(const EwtSituation& s) {
  if (s.staffed <= 0) {
    if (s.ahead > 0 && s.oldest_wait_s >= 0) return s.oldest_wait_s;
    return std::nullopt;
  }
  const double delay = std::max(0.0, s.answer_delay_s);
  if (AgentFreeFor(s)) return delay;
  if (!(s.handle_time_s > 0) || !(s.patience_s > 0)) return std::nullopt;
  const std::int64_t behind = s.ahead - std::max<std::int64_t>(s.free, 0);
  return erlang::ExpectedWaitBehind(behind, s.staffed, s.handle_time_s, s.patience_s) + delay;
}

EwtCollector::EwtCollector(const CollectorOptions& options, const state::Model& model)
    : EwtCollector(options, model, nullptr) {}

EwtCollector::EwtCollector(const CollectorOptions& options, const state::Model& model,
                           const QueueLoadEstimator* shared)
    : model_(model),
      window_ms_(std::max<std::int64_t>(1, options.staffing.estimation_window_ms)),
      own_estimator_(shared == nullptr ? std::make_unique<QueueLoadEstimator>(model, window_ms_)
                                       : nullptr),
      estimator_(shared == nullptr ? own_estimator_.get() : shared) {
  for (double b : options.staffing.ewt_error_buckets_s) {
    if (std::isfinite(b)) bounds_s_.push_back(b);
  }
  std::sort(bounds_s_.begin(), bounds_s_.end());
  bounds_s_.erase(std::unique(bounds_s_.begin(), bounds_s_.end()), bounds_s_.end());
}

std::uint64_t EwtCollector::Key(state::SourceId source, std::string_view contact_id) {
  // splitmix64's finaliser over the id's hash mixed with the source: collisions between two live
  // contacts are ~n²/2^65, negligible.
  std::uint64_t z = static_cast<std::uint64_t>(std::hash<std::string_view>{}(contact_id)) ^
                    ((static_cast<std::uint64_t>(source) + 1) * 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

EwtCollector::PerQueue* EwtCollector::Queue(state::QueueId q) {
  if (q >= model_.queues.size()) return nullptr;
  if (q >= queues_.size()) {
    queues_.resize(model_.queues.size(), PerQueue(window_ms_, bounds_s_.size() + 1));
  }
  return &queues_[q];
}

EwtSituation EwtCollector::SituationOf(state::QueueId q, std::int64_t ahead, UnixMs now,
                                       const QueueLoadEstimator::Estimate& e) const {
  EwtSituation s;
  s.ahead = ahead;
  const state::AgentStateCounts& counts = model_.agents.CountsForQueue(q);
  s.staffed = StaffingCollector::StaffedAgents(counts);
  s.free =
      static_cast<std::int64_t>(counts[static_cast<std::size_t>(state::AgentState::kAvailable)]) +
      static_cast<std::int64_t>(counts[static_cast<std::size_t>(state::AgentState::kReserved)]);
  if (e.has_handle_time()) s.handle_time_s = e.handle_time_s;
  s.patience_s = e.patience_s();
  if (const state::Contact* oldest = model_.contacts.OldestWaiting(q); oldest != nullptr) {
    s.oldest_wait_s = std::max(0.0, Seconds(now - oldest->enqueue_ms));
  }
  if (q < queues_.size()) s.answer_delay_s = AnswerDelay(queues_[q], now);
  return s;
}

double EwtCollector::AnswerDelay(const PerQueue& pq, UnixMs now) {
  const std::int64_t answered = pq.window.Sum(kFreeAnswered, now);
  if (answered <= 0) return 0;
  return static_cast<double>(pq.window.Sum(kFreeWaitMs, now)) / 1000.0 /
         static_cast<double>(answered);
}

std::optional<double> EwtCollector::ExpectedWaitNow(state::QueueId q, UnixMs now) const {
  if (q >= model_.queues.size()) return std::nullopt;
  const PerQueue* pq = q < queues_.size() ? &queues_[q] : nullptr;
  return ExpectedWaitSeconds(SituationOf(q, Ahead(q, pq, 0), now, estimator_->At(q, now)));
}

std::optional<double> EwtCollector::PredictionFor(state::SourceId source,
                                                  std::string_view contact_id) const {
  const auto it = predictions_.find(Key(source, contact_id));
  if (it == predictions_.end()) return std::nullopt;
  return static_cast<double>(it->second.seconds);
}

EwtCollector::ErrorTotals EwtCollector::error_totals(state::QueueId q) const {
  return q < queues_.size() ? queues_[q].totals : ErrorTotals{};
}

void EwtCollector::CountWaiting(PerQueue* pq, std::int32_t priority, std::int64_t delta) {
  auto& v = pq->waiting_by_priority;
  auto it = std::lower_bound(v.begin(), v.end(), priority,
                             [](const auto& entry, std::int32_t p) { return entry.first < p; });
  if (it == v.end() || it->first != priority) {
    if (delta <= 0) return;  // Left without being counted (e.g. queued before the start).
    it = v.insert(it, {priority, 0});
  }
  it->second = std::max<std::int64_t>(0, it->second + delta);
}

std::int64_t EwtCollector::Ahead(state::QueueId q, const PerQueue* pq,
                                 std::int32_t priority) const {
  std::int64_t lower = 0;
  if (pq != nullptr) {
    for (const auto& [p, count] : pq->waiting_by_priority) {
      if (p >= priority) break;
      lower += count;
    }
  }
  return std::max<std::int64_t>(0,
                                static_cast<std::int64_t>(model_.contacts.WaitingCount(q)) - lower);
}

void EwtCollector::Score(state::QueueId q, UnixMs t, double error_s) {
  PerQueue* pq = Queue(q);
  if (pq == nullptr) return;
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_s_.begin(), bounds_s_.end(), error_s) - bounds_s_.begin());
  ++pq->bucket_counts[bucket];
  ++pq->totals.count;
  pq->totals.sum_s += error_s;
  pq->totals.sum_abs_s += std::fabs(error_s);
  pq->window.Add(t, kScored, 1);
  pq->window.Add(t, kErrorMs, std::llround(error_s * 1000.0));
  pq->window.Add(t, kAbsErrorMs, std::llround(std::fabs(error_s) * 1000.0));
}

void EwtCollector::OnFact(const state::Fact& fact) {
  switch (fact.type) {
    case FactType::kOffered: {
      PerQueue* pq = Queue(fact.queue);
      if (pq == nullptr) break;
      const std::int64_t second = SecondOf(fact.time_ms);
      if (second != pq->estimate_second) {
        pq->estimate_second = second;
        pq->estimate = estimator_->At(fact.queue, fact.time_ms);
        pq->answer_delay_s = AnswerDelay(*pq, fact.time_ms);
      }
      // The Lifecycle has already put the contact on the waiting list: the others of the same
      // or a higher priority are ahead of it.
      const std::int64_t ahead =
          std::max<std::int64_t>(0, Ahead(fact.queue, pq, fact.priority) - 1);
      CountWaiting(pq, fact.priority, +1);
      EwtSituation s = SituationOf(fact.queue, ahead, fact.time_ms, pq->estimate);
      s.answer_delay_s = pq->answer_delay_s;
      if (ahead == 0) s.oldest_wait_s = -1;  // The oldest is the newcomer itself.
      const std::optional<double> ewt = ExpectedWaitSeconds(s);
      const std::uint64_t key = Key(fact.source, fact.contact_id);
      if (ewt) {
        predictions_.insert_or_assign(key, Pending{static_cast<float>(*ewt), AgentFreeFor(s)});
      } else {
        predictions_.erase(key);  // A stale entry of an earlier stay must not be scored.
      }
      break;
    }
    case FactType::kAnswered: {
      if (PerQueue* pq = Queue(fact.queue); pq != nullptr) CountWaiting(pq, fact.priority, -1);
      const auto it = predictions_.find(Key(fact.source, fact.contact_id));
      if (it != predictions_.end()) {
        const std::int64_t wait_ms = std::max<std::int64_t>(0, fact.wait_ms);
        Score(fact.queue, fact.time_ms, static_cast<double>(it->second.seconds) - Seconds(wait_ms));
        if (it->second.agent_free) {
          if (PerQueue* pq = Queue(fact.queue); pq != nullptr) {
            pq->window.Add(fact.time_ms, kFreeAnswered, 1);
            pq->window.Add(fact.time_ms, kFreeWaitMs, wait_ms);
          }
        }
        predictions_.erase(it);
      }
      break;
    }
    case FactType::kAbandoned:
    case FactType::kExited:
    case FactType::kTransferredOut:
    case FactType::kEvicted:
      // The contact's stay ended unanswered (for transfers and evictions: if it was waiting).
      if ((fact.type == FactType::kTransferredOut && !fact.before_answer) ||
          (fact.type == FactType::kEvicted && !fact.was_waiting)) {
        break;
      }
      if (PerQueue* pq = Queue(fact.queue); pq != nullptr) CountWaiting(pq, fact.priority, -1);
      predictions_.erase(Key(fact.source, fact.contact_id));
      break;
    default:
      break;
  }
  if (own_estimator_ != nullptr) own_estimator_->OnFact(fact);
}

void EwtCollector::Collect(const CollectContext& ctx,
                           std::vector<prometheus::MetricFamily>* out) const {
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_queue_expected_wait_seconds",
            "Expected wait of a contact arriving now (Erlang A model predictor: queue position, "
            "staffed and free agents, live handle time and patience). Absent without a prediction.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_ewt_error_seconds",
            "Expected wait predicted at arrival minus the actual wait, observed when the contact "
            "is answered (negative: the wait was longer than predicted).",
            MetricType::Histogram);
  AddFamily(out, "callcenter_ewt_bias_seconds",
            "Mean of predicted minus actual wait of the contacts answered in the estimation "
            "window. Absent when none was scored.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_ewt_absolute_error_seconds",
            "Mean absolute difference between predicted and actual wait of the contacts answered "
            "in the estimation window. Absent when none was scored.",
            MetricType::Gauge);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  const state::QueueRegistry& registry = ctx.model.queues;
  const std::size_t nb = bounds_s_.size();
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    if (const std::optional<double> ewt = ExpectedWaitNow(q, ctx.event_now_ms)) {
      AddSample(family(0), {{"queue", queue}}, *ewt);
    }

    const PerQueue* pq = q < queues_.size() ? &queues_[q] : nullptr;
    prometheus::ClientMetric& metric = AddSample(family(1), {{"queue", queue}}, 0);
    auto& h = metric.histogram;
    h.bucket.resize(nb + 1);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < nb; ++b) {
      if (pq != nullptr) cumulative += pq->bucket_counts[b];
      h.bucket[b].upper_bound = bounds_s_[b];
      h.bucket[b].cumulative_count = cumulative;
    }
    h.bucket[nb].upper_bound = std::numeric_limits<double>::infinity();
    h.bucket[nb].cumulative_count = pq != nullptr ? pq->totals.count : 0;
    h.sample_count = pq != nullptr ? pq->totals.count : 0;
    h.sample_sum = pq != nullptr ? pq->totals.sum_s : 0.0;

    if (pq == nullptr) continue;
    const std::int64_t scored = pq->window.Sum(kScored, ctx.event_now_ms);
    if (scored <= 0) continue;
    const auto n = static_cast<double>(scored);
    AddSample(family(2), {{"queue", queue}},
              static_cast<double>(pq->window.Sum(kErrorMs, ctx.event_now_ms)) / 1000.0 / n);
    AddSample(family(3), {{"queue", queue}},
              static_cast<double>(pq->window.Sum(kAbsErrorMs, ctx.event_now_ms)) / 1000.0 / n);
  }
}

}  // namespace ccmon::collectors
