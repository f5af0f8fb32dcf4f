#include "collectors/agents_collector.h"

#include "collectors/exposition.h"

namespace ccmon::collectors {

void AgentsCollector::Collect(const CollectContext& ctx,
                              std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  const state::AgentTable& agents = ctx.model.agents;

  prometheus::MetricFamily& per_queue = AddFamily(
      out, "callcenter_queue_agents",
      "Agents serving the queue, by state (an agent serving several queues counts in each).",
      prometheus::MetricType::Gauge);
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const state::AgentStateCounts& counts = agents.CountsForQueue(q);
    for (int s = 0; s < state::kAgentStateCount; ++s) {
      AddSample(&per_queue,
                {{"queue", registry.Name(q)},
                 {"state", state::AgentStateName(static_cast<state::AgentState>(s))}},
                static_cast<double>(counts[static_cast<std::size_t>(s)]));
    }
  }

  prometheus::MetricFamily& totals =
      AddFamily(out, "callcenter_agents", "Distinct agents known to the daemon, by state.",
                prometheus::MetricType::Gauge);
  for (int s = 0; s < state::kAgentStateCount; ++s) {
    AddSample(&totals, {{"state", state::AgentStateName(static_cast<state::AgentState>(s))}},
              static_cast<double>(agents.Totals()[static_cast<std::size_t>(s)]));
  }
}

}  // namespace ccmon::collectors
