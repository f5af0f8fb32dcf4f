// AgentActivityCollector: how agents spend their logged-in time — per queue and over all agents,
// in exact sliding windows — how long each state lasts, and (opt-in) each agent's own state
// (DESIGN §4 "agents"; docs/metrics.md "Agent activity"):
//
//   callcenter_queue_agent_state_seconds{queue,state,window}     agent-seconds in the window
//   callcenter_queue_agent_occupancy_ratio{queue,window}
//   callcenter_queue_agent_utilisation_ratio{queue,window}
//   callcenter_agent_state_seconds{state,window}                 the same over distinct agents
//   callcenter_agent_occupancy_ratio{window}
//   callcenter_agent_utilisation_ratio{window}
//   callcenter_agent_state_duration_seconds{state}               histogram of completed states
//   callcenter_agent_state{source,agent,state}                   opt-in (AgentOptions::per_agent)
//   callcenter_agent_state_since_timestamp_seconds{source,agent} opt-in
//   ccmond_agent_series_omitted                                  opt-in: agents beyond the cap
//
// Definitions, with busy = on_contact + after_contact_work and ready = available + reserved,
// each term the agent-seconds spent in those states inside the window:
//   occupancy   = busy / (busy + ready)              (Cisco's handling / (logged on − not
//                                                      ready), with ACW as handling)
//   utilisation = busy / (busy + ready + not_ready)  (busy share of the logged-in time: Avaya's
//                                                      "% ACD time" = (ACD + ACW) / staffed)
// Amazon's on_contact / (on_contact + available) is computable from the exported parts.
// A ratio whose denominator is 0 in the window has no series. `state` is every state but
// logged_out. An agent serving several queues counts its full time in each queue it serves
// (so per-queue agent-seconds do not add up to the total; Genesys' EP share and Google's 1/k
// split an agent between queues instead); the callcenter_agent_* window series count each agent
// once.
//
// Exact windows. Let n_s(u) be the number of agents (serving the queue) in state s at time u,
// changing by δ_i = ±1 at times t_i. The agent-seconds in s over the window (L, R] are
//   ∫_L^R n_s = (R − L)·n_s(R) − Σ_{t_i ∈ (L, R]} δ_i·(t_i − L),
// so the collector keeps n_s(now) and, in a SlidingWindow per queue, Σδ_i and
// Σδ_i·(t_i − origin) per state. Each window value is then exact to the millisecond whatever the
// length of the states, and includes every agent's ongoing state up to now, at the cost of two
// window Adds per served queue and state change. R is the event clock at scrape; L is the
// window's far edge on SlidingWindow's 1-second grid, (⌈R / 1 s⌉ − W) s, so like every window the
// span is between W − 1 s and W. Changes older than the longest window fall before every L and
// need no record.
//
// Change times. An agent event is placed at max(event time, the agent's previous event) (as the
// AgentTable does), so an agent's states never overlap. An agent's time counts from its first
// event: before it, its state is unknown (logged out for the windows; the duration of that first,
// unknown state is not observed). Agents already in the Model when the collector is built (a
// restored checkpoint) are counted from their current state's start.
//
// Time in state. A state lasts until the agent enters a *different* state: an event repeating the
// state (new queues, a new not-ready reason, a bridge re-sending the status) continues it. The
// histogram observes each completed logged-in state when it ends; logged-out time is not
// observed.
//
// The per-queue windows take the queues the agent served *during* each state: the collector keeps
// its own copy of each agent's queues, because the AgentTable already holds the new ones when the
// fact arrives. The fact path allocates only when an agent or queue is first seen or an agent's
// queue list grows.
//
// Per-agent series (opt-in): logged-in agents first, then logged-out ones, in the order the daemon
// first saw them, up to AgentOptions::max_per_agent_series agents; every state is rendered 0/1
// (kube-state-metrics style, so a change never leaves a stale series). Agents beyond the cap are
// counted in ccmond_agent_series_omitted. `source` is part of the agent's identity. The since
// timestamp is the start of the state as defined above (a repeated state does not reset it);
// it is absent for an agent known only from contact events (no state event yet).
//
// Engine thread only (see Collector).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "collectors/collector.h"
#include "collectors/handle_time_collector.h"
#include "collectors/sliding_window.h"

namespace ccmon::collectors {

class AgentActivityCollector final : public Collector {
 public:
  // `model` must outlive the collector.
  AgentActivityCollector(const CollectorOptions& options, const state::Model& model);

  std::string_view Name() const override { return "agent_activity"; }
  void OnFact(const state::Fact& fact) override;
  void OnAdvance(UnixMs now_ms) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  // Agent-milliseconds spent in `state` (not logged out) by the agents serving q — or by all
  // agents, once each, when q is kNoQueue — within `span` as of `now` (clamped to the latest
  // event time seen). 0 for an unknown queue.
  std::int64_t StateMs(state::QueueId q, state::AgentState state, SlidingWindow::Span span,
                       UnixMs now) const;

 private:
  // Logged-in states: AgentState values 1..5 map to index 0..4.
  static constexpr int kStateCount = state::kAgentStateCount - 1;

  // Agents in each logged-in state now, and the window of their changes: counter 2k holds Σδ,
  // counter 2k + 1 holds Σδ·(t − origin_ms_) for state index k.
  struct Occupancy {
    std::array<std::int64_t, kStateCount> agents{};
    SlidingWindow changes{2 * kStateCount};
  };
  // What the collector knows of one agent.
  struct Track {
    state::AgentState state = state::AgentState::kLoggedOut;
    UnixMs since_ms = 0;        // Start of `state` (events repeating the state continue it).
    UnixMs last_change_ms = 0;  // Latest event applied (state or queues).
    bool seen = false;
    std::vector<state::QueueId> queues;  // Served during `state`.
  };

  Occupancy& Queue(state::QueueId q);
  // Applies δ = `delta` agents in `s` at time t to o.
  void Change(Occupancy* o, state::AgentState s, int delta, UnixMs t);
  // Applies `delta` for state s to every queue in `queues` and to all_.
  void ChangeAll(const std::vector<state::QueueId>& queues, state::AgentState s, int delta,
                 UnixMs t);
  std::int64_t WindowMs(const Occupancy& o, int k, SlidingWindow::Span span, UnixMs now) const;
  // The scrape's right edge: `now`, but never before what the windows already hold.
  UnixMs RightEdge(UnixMs now) const;

  const state::Model& model_;
  bool per_agent_;
  std::size_t max_per_agent_series_;
  DurationBuckets buckets_;
  std::array<DurationHistogram, kStateCount> durations_;
  std::vector<Occupancy> queues_;
  Occupancy all_;
  std::vector<Track> agents_;
  UnixMs origin_ms_ = 0;  // Time origin of the Σδ·t counters (the first change seen).
  bool has_origin_ = false;
  UnixMs clock_ms_ = 0;     // Latest change time or OnAdvance() seen.
  UnixMs advanced_ms_ = 0;  // Latest OnAdvance(); new windows start there.
};

}  // namespace ccmon::collectors
