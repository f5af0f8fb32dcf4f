#include "collectors/agent_activity_collector.h"

#include <algorithm>

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;
using state::AgentState;

// Index of a logged-in state in the per-state arrays (logged_out has none).
constexpr int StateIndex(AgentState s) { return static_cast<int>(s) - 1; }
constexpr AgentState StateAt(int k) { return static_cast<AgentState>(k + 1); }

constexpr int kAvailable = StateIndex(AgentState::kAvailable);
constexpr int kReserved = StateIndex(AgentState::kReserved);
constexpr int kOnContact = StateIndex(AgentState::kOnContact);
constexpr int kAfterContactWork = StateIndex(AgentState::kAfterContactWork);
constexpr int kNotReady = StateIndex(AgentState::kNotReady);

}  // namespace

AgentActivityCollector::AgentActivityCollector(const CollectorOptions& options,
                                               const state::Model& model)
    : model_(model),
      per_agent_(options.agents.per_agent),
      max_per_agent_series_(options.agents.max_per_agent_series),
      buckets_(options.agents.state_duration_buckets_s) {
  for (DurationHistogram& h : durations_) h = DurationHistogram(buckets_);
  if (model.queues.size() > 0) Queue(static_cast<state::QueueId>(model.queues.size() - 1));
  // Agents restored into the Model before the collector existed count from their state's start.
  const state::AgentTable& table = model.agents;
  agents_.resize(table.size());
  for (state::AgentId id = 0; id < table.size(); ++id) {
    const state::Agent& a = table.at(id);
    Track& track = agents_[id];
    track.seen = a.state != AgentState::kLoggedOut;
    if (!track.seen) continue;
    track.state = a.state;
    track.since_ms = a.since_ms;
    track.last_change_ms = a.since_ms;
    track.queues = a.queues;
    clock_ms_ = std::max(clock_ms_, a.since_ms);
    ChangeAll(track.queues, track.state, +1, track.since_ms);
  }
}

AgentActivityCollector::Occupancy& AgentActivityCollector::Queue(state::QueueId q) {
  if (q >= queues_.size()) {
    const std::size_t first = queues_.size();
    queues_.resize(std::max<std::size_t>(model_.queues.size(), q + 1));
    if (advanced_ms_ != 0) {
      for (std::size_t i = first; i < queues_.size(); ++i) {
        queues_[i].changes.Advance(advanced_ms_);
      }
    }
  }
  return queues_[q];
}

void AgentActivityCollector::Change(Occupancy* o, AgentState s, int delta, UnixMs t) {
  const int k = StateIndex(s);
  o->agents[static_cast<std::size_t>(k)] += delta;
  // A change older than the longest window is before every window's far edge: n_s(now) above is
  // all the windows need of it, so a refused Add loses nothing.
  o->changes.Add(t, 2 * k, delta);
  o->changes.Add(t, 2 * k + 1, delta * (t - origin_ms_));
}

void AgentActivityCollector::ChangeAll(const std::vector<state::QueueId>& queues, AgentState s,
                                       int delta, UnixMs t) {
  if (s == AgentState::kLoggedOut) return;
  if (!has_origin_) {
    origin_ms_ = t;
    has_origin_ = true;
  }
  for (state::QueueId q : queues) {
    if (q < model_.queues.size()) Change(&Queue(q), s, delta, t);
  }
  Change(&all_, s, delta, t);
}

void AgentActivityCollector::OnFact(const state::Fact& fact) {
  if (fact.type != state::FactType::kAgentStateChanged) return;
  const state::AgentTable& table = model_.agents;
  if (fact.agent >= table.size()) return;
  if (fact.agent >= agents_.size()) agents_.resize(table.size());
  Track& track = agents_[fact.agent];
  const std::vector<state::QueueId>& queues = table.at(fact.agent).queues;

  // Never before the agent's previous change (reordered events), as the AgentTable does.
  const UnixMs t = track.seen ? std::max(fact.time_ms, track.last_change_ms) : fact.time_ms;
  clock_ms_ = std::max(clock_ms_, t);
  const bool state_changed = !track.seen || track.state != fact.to_state;
  if (state_changed || track.queues != queues) {
    ChangeAll(track.queues, track.state, -1, t);
    ChangeAll(queues, fact.to_state, +1, t);
    track.queues = queues;
  }
  if (state_changed) {
    if (track.seen && track.state != AgentState::kLoggedOut) {
      durations_[static_cast<std::size_t>(StateIndex(track.state))].Observe(buckets_,
                                                                            t - track.since_ms);
    }
    track.state = fact.to_state;
    track.since_ms = t;
  }
  track.last_change_ms = t;
  track.seen = true;
}

void AgentActivityCollector::OnAdvance(UnixMs now_ms) {
  if (now_ms <= advanced_ms_) return;
  advanced_ms_ = now_ms;
  clock_ms_ = std::max(clock_ms_, now_ms);
  for (Occupancy& o : queues_) o.changes.Advance(now_ms);
  all_.changes.Advance(now_ms);
}

UnixMs AgentActivityCollector::RightEdge(UnixMs now) const {
  return std::max({now, clock_ms_, advanced_ms_});
}

std::int64_t AgentActivityCollector::WindowMs(const Occupancy& o, int k, SlidingWindow::Span span,
                                              UnixMs now) const {
  // now ≥ the latest Advance(), so SumAt's window is the seconds (N − W, N], N = ⌈now / 1 s⌉,
  // which holds the changes stamped in (left, now].
  const std::int64_t left =
      (SlidingWindow::SecondOf(now) - SlidingWindow::SpanSeconds(span)) * 1000;
  const std::int64_t deltas = o.changes.SumAt(span, 2 * k, now);
  const std::int64_t weighted = o.changes.SumAt(span, 2 * k + 1, now);
  const std::int64_t ms = (now - left) * o.agents[static_cast<std::size_t>(k)] -
                          (weighted - (left - origin_ms_) * deltas);
  return std::max<std::int64_t>(ms, 0);
}

std::int64_t AgentActivityCollector::StateMs(state::QueueId q, AgentState s,
                                             SlidingWindow::Span span, UnixMs now) const {
  if (s == AgentState::kLoggedOut) return 0;
  const Occupancy* o = q == state::kNoQueue ? &all_ : q < queues_.size() ? &queues_[q] : nullptr;
  return o == nullptr ? 0 : WindowMs(*o, StateIndex(s), span, RightEdge(now));
}

void AgentActivityCollector::Collect(const CollectContext& ctx,
                                     std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  const UnixMs now = RightEdge(ctx.event_now_ms);
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_queue_agent_state_seconds",
            "Agent-seconds spent in the state within the sliding window by the agents serving "
            "the queue (an agent serving several queues counts in each), ongoing states "
            "included.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_agent_occupancy_ratio",
            "(on_contact + after_contact_work) / (on_contact + after_contact_work + available + "
            "reserved) agent-seconds of the queue's agents within the sliding window (0-1).",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_agent_utilisation_ratio",
            "(on_contact + after_contact_work) / logged-in agent-seconds (not_ready included) of "
            "the queue's agents within the sliding window (0-1).",
            MetricType::Gauge);
  AddFamily(out, "callcenter_agent_state_seconds",
            "Agent-seconds spent in the state within the sliding window, each agent counted once, "
            "ongoing states included.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_agent_occupancy_ratio",
            "Occupancy over all agents, each counted once, within the sliding window (0-1).",
            MetricType::Gauge);
  AddFamily(out, "callcenter_agent_utilisation_ratio",
            "Utilisation over all agents, each counted once, within the sliding window (0-1).",
            MetricType::Gauge);
  AddFamily(out, "callcenter_agent_state_duration_seconds",
            "Duration of each completed agent state, observed when the agent leaves it.",
            MetricType::Histogram);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  // Renders one Occupancy: state seconds into family(base), ratios into base + 1 and base + 2.
  // `queue` is empty for the distinct-agent series.
  auto render = [&](const Occupancy* o, std::string_view queue, int base) {
    for (SlidingWindow::Span span : SlidingWindow::kSpans) {
      const std::string_view window = SlidingWindow::SpanName(span);
      std::array<std::int64_t, kStateCount> ms{};
      for (int k = 0; k < kStateCount; ++k) {
        ms[static_cast<std::size_t>(k)] = o == nullptr ? 0 : WindowMs(*o, k, span, now);
        const std::string_view state = state::AgentStateName(StateAt(k));
        const double seconds = Seconds(ms[static_cast<std::size_t>(k)]);
        if (queue.empty()) {
          AddSample(family(base), {{"state", state}, {"window", window}}, seconds);
        } else {
          AddSample(family(base), {{"queue", queue}, {"state", state}, {"window", window}},
                    seconds);
        }
      }
      auto at = [&](int k) { return ms[static_cast<std::size_t>(k)]; };
      const std::int64_t busy = at(kOnContact) + at(kAfterContactWork);
      const std::int64_t ready = at(kAvailable) + at(kReserved);
      const std::int64_t logged_in = busy + ready + at(kNotReady);
      auto ratio = [&](int f, std::int64_t denominator) {
        if (denominator <= 0) return;
        const double value = static_cast<double>(busy) / static_cast<double>(denominator);
        if (queue.empty()) {
          AddSample(family(f), {{"window", window}}, value);
        } else {
          AddSample(family(f), {{"queue", queue}, {"window", window}}, value);
        }
      };
      ratio(base + 1, busy + ready);
      ratio(base + 2, logged_in);
    }
  };
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    render(q < queues_.size() ? &queues_[q] : nullptr, registry.Name(q), 0);
  }
  render(&all_, {}, 3);

  for (int k = 0; k < kStateCount; ++k) {
    prometheus::ClientMetric& metric =
        AddSample(family(6), {{"state", state::AgentStateName(StateAt(k))}}, 0);
    durations_[static_cast<std::size_t>(k)].Render(buckets_, &metric);
  }

  if (!per_agent_) return;
  const std::size_t per_agent_first = out->size();
  AddFamily(out, "callcenter_agent_state",
            "1 for the agent's current state, 0 for the others (opt-in per-agent series).",
            MetricType::Gauge);
  AddFamily(out, "callcenter_agent_state_since_timestamp_seconds",
            "When the agent's current state began (ACD clock, Unix seconds; opt-in per-agent "
            "series).",
            MetricType::Gauge);
  AddFamily(out, "ccmond_agent_series_omitted",
            "Agents without per-agent series because max_per_agent_series was reached.",
            MetricType::Gauge);
  prometheus::MetricFamily* states = &(*out)[per_agent_first];
  prometheus::MetricFamily* since = &(*out)[per_agent_first + 1];
  const state::AgentTable& table = ctx.model.agents;
  std::size_t rendered = 0;
  std::size_t omitted = 0;
  // Logged-in agents first: they are the ones a supervisor watches.
  for (const bool logged_in : {true, false}) {
    for (state::AgentId id = 0; id < table.size(); ++id) {
      const state::Agent& a = table.at(id);
      if ((a.state != AgentState::kLoggedOut) != logged_in) continue;
      if (rendered >= max_per_agent_series_) {
        ++omitted;
        continue;
      }
      ++rendered;
      std::string_view source;
      if (a.source < ctx.model.sources.size()) source = ctx.model.sources.at(a.source).name;
      for (int s = 0; s < state::kAgentStateCount; ++s) {
        const auto state = static_cast<AgentState>(s);
        AddSample(states,
                  {{"source", source}, {"agent", a.name}, {"state", state::AgentStateName(state)}},
                  a.state == state ? 1.0 : 0.0);
      }
      // The collector's own start of the state (a repeated state continues it) when it has one.
      const UnixMs since_ms =
          id < agents_.size() && agents_[id].seen ? agents_[id].since_ms : a.since_ms;
      // An agent known only from contact events has no state start.
      if (since_ms > 0) {
        AddSample(since, {{"source", source}, {"agent", a.name}}, Seconds(since_ms));
      }
    }
  }
  AddSample(&(*out)[per_agent_first + 2], {}, static_cast<double>(omitted));
}

}  // namespace ccmon::collectors
