#include "collectors/staffing_collector.h"

#include <cmath>

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;
using state::FactType;

constexpr erlang::Model kModels[] = {erlang::Model::kErlangC, erlang::Model::kErlangA};

// True for the facts after which the queue's waiting count may have changed.
bool ChangesWaiting(const state::Fact& f) {
  switch (f.type) {
    case FactType::kOffered:
    case FactType::kAnswered:
    case FactType::kAbandoned:
    case FactType::kExited:
      return true;
    case FactType::kTransferredOut:
      return f.before_answer;
    case FactType::kEvicted:
      return f.was_waiting;
    default:
      return false;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// QueueLoadEstimator

QueueLoadEstimator::QueueLoadEstimator(const state::Model& model, std::int64_t window_ms)
    : model_(model), window_ms_(window_ms), unseen_(window_ms) {}

QueueLoadEstimator::PerQueue* QueueLoadEstimator::Queue(state::QueueId q) {
  if (q >= model_.queues.size()) return nullptr;
  if (q >= queues_.size()) queues_.resize(model_.queues.size(), PerQueue(window_ms_));
  return &queues_[q];
}

void QueueLoadEstimator::OnFact(const state::Fact& fact) {
  if (first_fact_ms_ == kNever) first_fact_ms_ = fact.time_ms;
  switch (fact.type) {
    case FactType::kOffered:
    case FactType::kAnswered:
    case FactType::kAbandoned:
    case FactType::kExited:
    case FactType::kTransferredOut:
    case FactType::kEvicted:
    case FactType::kConversationEnded:
    case FactType::kWrapUpEnded:
      break;
    default:
      return;
  }
  PerQueue* pq = Queue(fact.queue);
  if (pq == nullptr) return;
  const UnixMs t = fact.time_ms;
  if (ChangesWaiting(fact)) {
    // Exposure: the contacts waiting since the last change waited until now. A fact stamped
    // before that change (another source's clock behind) adds no time.
    if (pq->since_ms != kNever && t > pq->since_ms) {
      pq->window.AddSpread(pq->since_ms, t, kExposureMs, pq->waiting);
    }
    pq->waiting = static_cast<std::int64_t>(model_.contacts.WaitingCount(fact.queue));
    pq->since_ms = pq->since_ms == kNever ? t : std::max(pq->since_ms, t);
  }
  switch (fact.type) {
    case FactType::kOffered:
      pq->window.Add(t, kOffered, 1);
      break;
    case FactType::kAbandoned:
      pq->window.Add(t, kAbandons, 1);
      break;
    case FactType::kConversationEnded:
      pq->window.Add(t, kConversations, 1);
      pq->window.Add(t, kTalkHoldMs, std::max<std::int64_t>(0, fact.talk_ms + fact.hold_ms));
      break;
    case FactType::kWrapUpEnded:
      pq->window.Add(t, kWrapUps, 1);
      pq->window.Add(t, kHandleMs, std::max<std::int64_t>(0, fact.handle_ms));
      break;
    default:
      break;
  }
}

QueueLoadEstimator::Estimate QueueLoadEstimator::At(state::QueueId q, UnixMs now) const {
  Estimate e;
  if (first_fact_ms_ == kNever) return e;
  const PerQueue* pq = q < queues_.size() ? &queues_[q] : nullptr;
  const EstimationWindow<kSumCount>& window = pq != nullptr ? pq->window : unseen_;
  const UnixMs start = std::max(window.WindowStart(now), first_fact_ms_);
  if (now <= start) return e;
  e.span_s = static_cast<double>(now - start) / 1000.0;
  e.arrivals = window.Sum(kOffered, now);
  e.abandons = window.Sum(kAbandons, now);
  std::int64_t exposure_ms = window.Sum(kExposureMs, now);
  if (pq != nullptr && pq->since_ms != kNever && now > pq->since_ms) {
    // The contacts waiting now have waited since the last change; only the part inside the
    // window counts.
    exposure_ms += pq->waiting * (now - std::max(pq->since_ms, window.WindowStart(now)));
  }
  e.exposure_s = static_cast<double>(exposure_ms) / 1000.0;
  e.arrival_rate_per_s = static_cast<double>(e.arrivals) / e.span_s;
  if (const std::int64_t wrap_ups = window.Sum(kWrapUps, now); wrap_ups > 0) {
    e.handled = wrap_ups;
    e.handle_time_s =
        static_cast<double>(window.Sum(kHandleMs, now)) / 1000.0 / static_cast<double>(wrap_ups);
  } else if (const std::int64_t ended = window.Sum(kConversations, now); ended > 0) {
    e.handled = ended;
    e.handle_time_s =
        static_cast<double>(window.Sum(kTalkHoldMs, now)) / 1000.0 / static_cast<double>(ended);
  }
  if (e.abandons > 0) {
    // Abandons at a wait of 0 ms alone would give no exposure; count at least 1 ms.
    e.abandonment_rate_per_s = static_cast<double>(e.abandons) / std::max(e.exposure_s, 0.001);
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// StaffingCollector

StaffingCollector::StaffingCollector(const CollectorOptions& options, const state::Model& model)
    : formula_(options.sl_formula),
      estimator_(model, std::max<std::int64_t>(1, options.staffing.estimation_window_ms)) {}

erlang::AbandonCounting StaffingCollector::CountingFor(SlFormula formula) {
  switch (formula) {
    case SlFormula::kShortAbandonsExcluded:
      return erlang::AbandonCounting::kShortExcluded;
    case SlFormula::kAbandonsNegative:
      return erlang::AbandonCounting::kNegative;
    case SlFormula::kAbandonsIgnored:
      return erlang::AbandonCounting::kIgnored;
    case SlFormula::kAbandonsPositive:
      return erlang::AbandonCounting::kPositive;
  }
  return erlang::AbandonCounting::kNegative;
}

std::int64_t StaffingCollector::StaffedAgents(const state::AgentStateCounts& counts) {
  auto n = [&](state::AgentState s) {
    return static_cast<std::int64_t>(counts[static_cast<std::size_t>(s)]);
  };
  return n(state::AgentState::kAvailable) + n(state::AgentState::kReserved) +
         n(state::AgentState::kOnContact) + n(state::AgentState::kAfterContactWork);
}

void StaffingCollector::OnFact(const state::Fact& fact) { estimator_.OnFact(fact); }

void StaffingCollector::Collect(const CollectContext& ctx,
                                std::vector<prometheus::MetricFamily>* out) const {
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_queue_arrival_rate_per_second",
            "Contacts offered to the queue per second over the estimation window.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_offered_load_erlangs",
            "Offered load: arrival rate times average handle time, in Erlangs.", MetricType::Gauge);
  AddFamily(out, "callcenter_queue_handle_time_estimate_seconds",
            "Average handle time (talk + hold + after-contact work) over the estimation window.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_patience_estimate_seconds",
            "Mean patience of waiting callers: time spent waiting in the queue divided by "
            "abandons, over the estimation window. Absent without abandons.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_agents_staffed",
            "Agents serving the queue who are available, reserved, on a contact or in "
            "after-contact work.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_agents_required",
            "Fewest agents meeting the queue's service-level target (as the daemon's SL formula "
            "counts it) with the live load, by queueing model.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_predicted_service_level",
            "Service level (0-1, the daemon's SL formula) the model predicts with the agents "
            "staffed now.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_predicted_asa_seconds",
            "Average speed of answer (mean wait of answered contacts) the model predicts with the "
            "agents staffed now.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_predicted_abandon_ratio",
            "Share of arrivals the Erlang A model predicts will abandon with the agents staffed "
            "now.",
            MetricType::Gauge);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  const erlang::AbandonCounting counting = CountingFor(formula_);
  const state::QueueRegistry& registry = ctx.model.queues;
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    const state::QueueSettings& settings = registry.Settings(q);
    const std::int64_t staffed = StaffedAgents(ctx.model.agents.CountsForQueue(q));
    AddSample(family(4), {{"queue", queue}}, static_cast<double>(staffed));

    const QueueLoadEstimator::Estimate e = estimator_.At(q, ctx.event_now_ms);
    if (!e.has_history()) continue;
    AddSample(family(0), {{"queue", queue}}, e.arrival_rate_per_s);
    if (e.has_handle_time()) {
      AddSample(family(1), {{"queue", queue}}, e.arrival_rate_per_s * e.handle_time_s);
      AddSample(family(2), {{"queue", queue}}, e.handle_time_s);
    }
    if (e.abandons > 0) AddSample(family(3), {{"queue", queue}}, e.patience_s());
    if (e.arrival_rate_per_s <= 0 || !e.has_handle_time() || e.handle_time_s <= 0) continue;

    erlang::Inputs in;
    in.arrival_rate_per_s = e.arrival_rate_per_s;
    in.handle_time_s = e.handle_time_s;
    in.patience_s = e.patience_s();
    in.short_abandon_s = Seconds(std::max<std::int64_t>(0, settings.short_abandon_ms));
    const bool has_target = settings.sl_target_index < settings.sl_thresholds_ms.size() &&
                            settings.sl_target > 0 && settings.sl_target < 1;
    in.target_time_s = has_target ? Seconds(std::max<std::int64_t>(
                                        0, settings.sl_thresholds_ms[settings.sl_target_index]))
                                  : 0.0;

    for (erlang::Model model : kModels) {
      const LabelPairs labels = {{"queue", queue}, {"model", erlang::ModelName(model)}};
      if (has_target) {
        // An out-of-range answer (beyond 10^8 agents) leaves the series out.
        Result<std::int64_t> required =
            erlang::AgentsRequired(model, in, settings.sl_target, counting);
        if (required.ok()) AddSample(family(5), labels, static_cast<double>(*required));
      }
      if (staffed < 1) {
        // Nobody can answer: no contact is served; with abandonment everyone leaves.
        if (has_target) AddSample(family(6), labels, 0.0);
        if (model == erlang::Model::kErlangA && e.abandons > 0) {
          AddSample(family(8), {{"queue", queue}}, 1.0);
        }
        continue;
      }
      Result<erlang::Prediction> p = erlang::Predict(model, in, staffed);
      if (!p.ok()) continue;
      if (has_target) AddSample(family(6), labels, erlang::ServiceLevel(*p, counting));
      if (!p->stable) continue;
      AddSample(family(7), labels, p->asa_s);
      if (model == erlang::Model::kErlangA) {
        AddSample(family(8), {{"queue", queue}}, p->abandon_probability);
      }
    }
  }
}

}  // namespace ccmon::collectors
