// CollectorSet: the explicit list of every collector the daemon runs (one line per collector in
// all_collectors.cc; no self-registration through static initialisers), seen by the rest of the
// daemon as one FactSink and one source of metric families.
//
// The engine wires it as the Lifecycle's FactSink, calls OnAdvance() when its event clock moves,
// and Collect() for a scrape. The export module serialises what Collect() returns.
//
// Engine thread only: OnFact/OnAdvance/Collect must not run concurrently (a scrape is posted to
// the engine thread or reads a snapshot it published).
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "collectors/collector.h"
#include "daemon/state/fact.h"
#include "daemon/state/model.h"

namespace ccmon::collectors {

class CollectorSet final : public state::FactSink {
 public:
  // Builds every collector. `model` must outlive the set; queues declared in it now have their
  // series from the first scrape, queues added later appear when created.
  CollectorSet(const CollectorOptions& options, const state::Model& model);
  ~CollectorSet() override;

  CollectorSet(const CollectorSet&) = delete;
  CollectorSet& operator=(const CollectorSet&) = delete;

  // Hands the fact to every collector that consumes facts, in list order.
  void OnFact(const state::Fact& fact) override;

  // The engine's event clock moved to now_ms (monotonic): rolls every collector's windows.
  void OnAdvance(UnixMs now_ms);

  // Appends the families of every collector, in list order, to *out. Families without any
  // sample (e.g. no source known yet) are left out.
  void Collect(const CollectContext& ctx, std::vector<prometheus::MetricFamily>* out) const;

  // The collectors in list order (for checkpoints, logs and tests).
  std::size_t size() const { return collectors_.size(); }
  const Collector& at(std::size_t i) const { return *collectors_[i]; }
  // The collector named `name`, or nullptr.
  const Collector* Find(std::string_view name) const;

 private:
  std::vector<std::unique_ptr<Collector>> collectors_;
  std::vector<Collector*> fact_consumers_;  // The subset of collectors_ that consume facts.
};

}  // namespace ccmon::collectors
