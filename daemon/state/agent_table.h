// AgentTable: every agent the daemon has heard of, its current state, since when, and the queues
// it serves; plus live counts of agents by state per queue and in total, kept up to date on every
// change so a scrape reads them in O(queues).
//
// Mutated only on the engine thread (by the Lifecycle); collectors read it at scrape time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/state/types.h"

namespace ccmon::state {

struct Agent {
  std::string name;  // Agent id as the source sent it (not a label unless per-agent series are on).
  SourceId source = kNoSource;
  AgentState state = AgentState::kLoggedOut;
  UnixMs since_ms = 0;  // When the current state began (ACD clock).
  std::string reason;   // Not-ready reason.
  std::vector<QueueId> queues;
};

using AgentStateCounts = std::array<std::uint32_t, kAgentStateCount>;

class AgentTable {
 public:
  explicit AgentTable(std::size_t max_agents = 20'000) : max_agents_(max_agents) {}

  // Id of (source, name), created (logged out, no queues) if new. kNoAgent when the cap is
  // reached.
  AgentId Resolve(SourceId source, std::string_view name);

  // Result of SetState: the state left and how long the agent was in it.
  struct Transition {
    AgentState from = AgentState::kLoggedOut;
    std::int64_t duration_ms = 0;
  };

  // Moves `id` to `state` at time t. If `queues` is non-null it replaces the served queues.
  // Duration is clamped at 0 when t is before the current state's start (reordered events).
  Transition SetState(AgentId id, AgentState state, UnixMs t, std::string_view reason,
                      const std::vector<QueueId>* queues);

  std::size_t size() const { return agents_.size(); }
  const Agent& at(AgentId id) const { return agents_[id]; }

  // Agents in each state serving queue q (an agent serving several queues counts in each).
  const AgentStateCounts& CountsForQueue(QueueId q) const;
  // Distinct agents in each state.
  const AgentStateCounts& Totals() const { return totals_; }

  std::uint64_t overflow_count() const { return overflow_; }

 private:
  struct Key {
    SourceId source;
    std::string name;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<std::string>{}(k.name) * 31u + k.source;
    }
  };
  void Count(const Agent& a, int delta);

  std::size_t max_agents_;
  std::unordered_map<Key, AgentId, KeyHash> ids_;
  std::vector<Agent> agents_;
  std::vector<AgentStateCounts> per_queue_;
  AgentStateCounts totals_{};
  std::uint64_t overflow_ = 0;
};

}  // namespace ccmon::state
