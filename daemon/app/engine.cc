#include "daemon/app/engine.h"

namespace ccmon::app {

namespace {

state::Model MakeModel(const config::Config& config) {
  state::Model model(config.queue_options, config.max_agents, config.max_sources);
  for (const auto& q : config.queues) model.queues.Declare(q.name, q.settings);
  return model;
}

}  // namespace

Engine::Engine(const config::Config& config, const Clock* wall_clock)
    : wall_clock_(wall_clock),
      model_(MakeModel(config)),
      collectors_(config.collectors, model_),
      lifecycle_(&model_, &collectors_, config.lifecycle),
      tracker_(&model_.ingest) {}

void Engine::ApplyBatch(ingest::Batch& batch) {
  auto& stats = model_.ingest;
  ++stats.batches;
  stats.messages_received += batch.messages;
  for (int r = 0; r < state::kRejectReasonCount; ++r) stats.rejected[r] += batch.rejected[r];
  const UnixMs before = event_clock_ms_;
  for (std::size_t i = 0; i < batch.size; ++i) ApplyDecoded(batch.events[i]);
  if (event_clock_ms_ > before) collectors_.OnAdvance(event_clock_ms_);
}

void Engine::ApplyDecoded(ingest::DecodedEvent& decoded) {
  const state::SourceId source = model_.sources.Resolve(decoded.event.source_name);
  if (source == state::kNoSource) {
    ++model_.ingest.rejected[static_cast<int>(state::RejectReason::kSourceCap)];
    return;
  }
  const auto verdict = tracker_.Check(decoded.event.source_name, decoded.position.epoch,
                                      decoded.position.topic, decoded.position.seq);
  if (verdict == ingest::SequenceVerdict::kDuplicate) return;
  model_.sources.at(source).last_heard_wall_ms = wall_clock_->NowMs();
  decoded.event.source = source;
  lifecycle_.Apply(decoded.event);
  const UnixMs clock = model_.sources.at(source).event_clock_ms;
  if (clock > event_clock_ms_) event_clock_ms_ = clock;
}

std::vector<prometheus::MetricFamily> Engine::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  collectors::CollectContext ctx{model_, event_clock_ms_, wall_clock_->NowMs()};
  collectors_.Collect(ctx, &families);
  return families;
}

}  // namespace ccmon::app
