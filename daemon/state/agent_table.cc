#include "daemon/state/agent_table.h"

#include <algorithm>

namespace ccmon::state {

AgentId AgentTable::Resolve(SourceId source, std::string_view name) {
  // The key is built per lookup; agent events are a small share of the stream.
  Key key{source, std::string(name)};
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  if (agents_.size() >= max_agents_) {
    ++overflow_;
    return kNoAgent;
  }
  const auto id = static_cast<AgentId>(agents_.size());
  Agent& agent = agents_.emplace_back();
  agent.name = key.name;
  agent.source = source;
  ids_.emplace(std::move(key), id);
  Count(agents_.back(), +1);
  return id;
}

AgentTable::Transition AgentTable::SetState(AgentId id, AgentState state, UnixMs t,
                                            std::string_view reason,
                                            const std::vector<QueueId>* queues) {
  Agent& a = agents_[id];
  Transition tr{a.state, t > a.since_ms ? t - a.since_ms : 0};
  Count(a, -1);
  a.state = state;
  // A reordered (older) event changes the state but never moves the start of it backwards
  // beyond what we know.
  a.since_ms = std::max(t, a.since_ms);
  a.reason.assign(reason);
  if (queues != nullptr) a.queues = *queues;
  Count(a, +1);
  return tr;
}

const AgentStateCounts& AgentTable::CountsForQueue(QueueId q) const {
  static const AgentStateCounts kZero{};
  return q < per_queue_.size() ? per_queue_[q] : kZero;
}

void AgentTable::Count(const Agent& a, int delta) {
  const auto s = static_cast<std::size_t>(a.state);
  totals_[s] += static_cast<std::uint32_t>(delta);
  for (QueueId q : a.queues) {
    if (q >= per_queue_.size()) per_queue_.resize(q + 1);
    per_queue_[q][s] += static_cast<std::uint32_t>(delta);
  }
}

}  // namespace ccmon::state
