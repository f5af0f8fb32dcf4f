// Engine: the daemon's single writer. Owns the Model, the Lifecycle, the collectors and the
// sequence tracker; applies batches from ingest and renders metric families for a scrape.
//
// Engine thread only: ApplyBatch() and Collect() are called on the io_context thread that also
// serves HTTP, so a scrape sees one consistent instant and no lock is taken per event.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collectors/all_collectors.h"
#include "common/clock.h"
#include "daemon/config/config.h"
#include "daemon/ingest/sequence_tracker.h"
#include "daemon/ingest/subscriber.h"
#include "daemon/state/lifecycle.h"
#include "daemon/state/model.h"

namespace ccmon::app {

class Engine {
 public:
  // `wall_clock` tells when events arrive (source liveness); it must outlive the Engine.
  Engine(const config::Config& config, const Clock* wall_clock);

  // Applies a batch from ingest: rejects counted, each event resolved to its source, sequence
  // checked (duplicates dropped), then applied in order. The batch is not released here.
  void ApplyBatch(ingest::Batch& batch);

  // Applies one decoded event (the body of ApplyBatch; also used by replay tools and tests).
  // Sets decoded.event.source.
  void ApplyDecoded(ingest::DecodedEvent& decoded);

  // Renders every metric family.
  std::vector<prometheus::MetricFamily> Collect() const;

  // The latest ACD time seen from any source (the event clock).
  UnixMs event_clock_ms() const { return event_clock_ms_; }

  const state::Model& model() const { return model_; }

 private:
  const Clock* wall_clock_;
  state::Model model_;
  collectors::CollectorSet collectors_;
  state::Lifecycle lifecycle_;
  ingest::SequenceTracker tracker_;
  UnixMs event_clock_ms_ = 0;
};

}  // namespace ccmon::app
