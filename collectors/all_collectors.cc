#include "collectors/all_collectors.h"

#include <algorithm>

#include "collectors/agent_activity_collector.h"
#include "collectors/agents_collector.h"
#include "collectors/ewt_collector.h"
#include "collectors/fcr_collector.h"
#include "collectors/handle_time_collector.h"
#include "collectors/ingest_health_collector.h"
#include "collectors/queue_activity_collector.h"
#include "collectors/queue_live_collector.h"
#include "collectors/service_level_collector.h"
#include "collectors/staffing_collector.h"
#include "collectors/survey_collector.h"
#include "collectors/wait_time_collector.h"
#include "collectors/window_collector.h"

namespace ccmon::collectors {

CollectorSet::CollectorSet(const CollectorOptions& options, const state::Model& model) {
  // The list. Adding a metric group = one line here (STYLE.md "Adding a collector").
  collectors_.push_back(std::make_unique<QueueActivityCollector>(model));
  collectors_.push_back(std::make_unique<QueueLiveCollector>(options));
  collectors_.push_back(std::make_unique<WaitTimeCollector>(options, model));
  collectors_.push_back(std::make_unique<ServiceLevelCollector>(options, model));
  collectors_.push_back(std::make_unique<WindowCollector>(options, model));
  collectors_.push_back(std::make_unique<HandleTimeCollector>(options, model));
  collectors_.push_back(std::make_unique<AgentsCollector>());
  collectors_.push_back(std::make_unique<AgentActivityCollector>(options, model));
  collectors_.push_back(std::make_unique<SurveyCollector>(model));
  collectors_.push_back(std::make_unique<FcrCollector>(options, model));
  // The expected-wait collector reads the staffing collector's load estimates (listed first).
  auto staffing = std::make_unique<StaffingCollector>(options, model);
  const QueueLoadEstimator* load = &staffing->estimator();
  collectors_.push_back(std::move(staffing));
  collectors_.push_back(std::make_unique<EwtCollector>(options, model, load));
  collectors_.push_back(std::make_unique<IngestHealthCollector>(options));

  for (const auto& c : collectors_) {
    if (c->ConsumesFacts()) fact_consumers_.push_back(c.get());
  }
}

CollectorSet::~CollectorSet() = default;

void CollectorSet::OnFact(const state::Fact& fact) {
  for (Collector* c : fact_consumers_) c->OnFact(fact);
}

void CollectorSet::OnAdvance(UnixMs now_ms) {
  for (const auto& c : collectors_) c->OnAdvance(now_ms);
}

void CollectorSet::Collect(const CollectContext& ctx,
                           std::vector<prometheus::MetricFamily>* out) const {
  const std::size_t first = out->size();
  for (const auto& c : collectors_) c->Collect(ctx, out);
  out->erase(std::remove_if(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(),
                            [](const prometheus::MetricFamily& f) { return f.metric.empty(); }),
             out->end());
}

const Collector* CollectorSet::Find(std::string_view name) const {
  for (const auto& c : collectors_) {
    if (c->Name() == name) return c.get();
  }
  return nullptr;
}

}  // namespace ccmon::collectors
