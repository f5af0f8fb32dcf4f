// AgentsCollector: agents by state, per queue and in total, read from the AgentTable's live
// counts at scrape time (docs/metrics.md "Agents"):
//
//   callcenter_queue_agents{queue,state}   an agent serving several queues counts in each
//   callcenter_agents{state}               distinct agents
//
// Every state is rendered for every queue of the registry, zeros included. O(queues × states) per
// scrape, nothing on the fact path.
//
// Engine thread only (see Collector).
#pragma once

#include <vector>

#include "collectors/collector.h"

namespace ccmon::collectors {

class AgentsCollector final : public Collector {
 public:
  AgentsCollector() = default;

  std::string_view Name() const override { return "agents"; }
  bool ConsumesFacts() const override { return false; }
  void OnFact(const state::Fact& fact) override { (void)fact; }
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;
};

}  // namespace ccmon::collectors
