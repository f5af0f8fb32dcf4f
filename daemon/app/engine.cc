#include "daemon/app/engine.h"

#include "common/topic.h"

namespace ccmon::app {

namespace {

state::Model MakeModel(const config::Config& config) {
  state::Model model(config.queue_options, config.max_agents, config.max_sources);
  for (const auto& q : config.queues) model.queues.Declare(q.name, q.settings);
  return model;
}

ingest::ResequencerOptions ResequencerOptionsFrom(const config::Config& config,
                                                  const Clock* wall_clock) {
  ingest::ResequencerOptions o;
  for (const auto& s : config.subscriptions) {
    ingest::ResequencerSubscription sub;
    sub.replay = !s.replay.endpoint.empty();
    sub.topics = s.topics;
    sub.replay_timeout_ms = s.replay.timeout_ms;
    sub.max_held_events = s.replay.max_held_events;
    o.subscriptions.push_back(std::move(sub));
  }
  o.listening_since_ms = wall_clock->NowMs();
  return o;
}

}  // namespace

Engine::Engine(const config::Config& config, const Clock* wall_clock)
    : wall_clock_(wall_clock),
      model_(MakeModel(config)),
      collectors_(config.collectors, model_),
      lifecycle_(&model_, &collectors_, config.lifecycle),
      resequencer_(
          ResequencerOptionsFrom(config, wall_clock), &model_.ingest,
          [this](ingest::DecodedEvent& d, bool may_decline, std::string* check_topic) {
            return Apply(d, may_decline, check_topic);
          },
          [this](const ingest::ReplayRequest& r) {
            if (requester_) requester_(r);
          }) {}

void Engine::SetReplayRequester(std::function<void(const ingest::ReplayRequest&)> requester) {
  requester_ = std::move(requester);
}

void Engine::ApplyBatch(ingest::Batch& batch) {
  auto& stats = model_.ingest;
  ++stats.batches;
  stats.messages_received += batch.messages;
  for (int r = 0; r < state::kRejectReasonCount; ++r) stats.rejected[r] += batch.rejected[r];
  const UnixMs before = event_clock_ms_;
  const std::int64_t now = wall_clock_->NowMs();
  for (std::size_t i = 0; i < batch.size; ++i) ApplyDecoded(batch.events[i]);
  for (const auto& answer : batch.answers) resequencer_.OnAnswer(answer, now);
  resequencer_.Expire(now);
  AdvanceCollectors(before);
}

void Engine::ApplyDecoded(ingest::DecodedEvent& decoded) {
  const state::SourceId source = model_.sources.Resolve(decoded.event.source_name);
  if (source == state::kNoSource) {
    ++model_.ingest.rejected[static_cast<int>(state::RejectReason::kSourceCap)];
    return;
  }
  const std::int64_t now = wall_clock_->NowMs();
  if (decoded.replay_request == 0) model_.sources.at(source).last_heard_wall_ms = now;
  decoded.event.source = source;
  resequencer_.Offer(decoded, now);
}

void Engine::ApplyReplayAnswer(const ingest::ReplayAnswer& answer) {
  const UnixMs before = event_clock_ms_;
  resequencer_.OnAnswer(answer, wall_clock_->NowMs());
  AdvanceCollectors(before);
}

void Engine::ExpireReplays() {
  const UnixMs before = event_clock_ms_;
  resequencer_.Expire(wall_clock_->NowMs());
  AdvanceCollectors(before);
}

bool Engine::Apply(ingest::DecodedEvent& decoded, bool may_decline, std::string* check_topic) {
  const state::Event& e = decoded.event;
  if (may_decline && e.type == state::EventType::kContactQueued &&
      !e.transferred_from_queue.empty()) {
    const state::ContactSlot slot = model_.contacts.Find(e.source, e.contact_id);
    if (slot != state::kNoSlot &&
        model_.contacts.at(slot).phase != state::ContactPhase::kTransferring) {
      *check_topic = ContactTopic(e.tenant, e.transferred_from_queue);
      return false;
    }
  }
  lifecycle_.Apply(decoded.event);
  const UnixMs clock = model_.sources.at(decoded.event.source).event_clock_ms;
  if (clock > event_clock_ms_) event_clock_ms_ = clock;
  return true;
}

void Engine::AdvanceCollectors(UnixMs before) {
  if (event_clock_ms_ > before) collectors_.OnAdvance(event_clock_ms_);
}

void Engine::Reconfigure(const config::Config& config) {
  for (const auto& q : config.queues) model_.queues.Declare(q.name, q.settings);
  model_.queues.SetDefaults(config.queue_options.defaults);
  lifecycle_.SetOptions(config.lifecycle);
}

std::vector<prometheus::MetricFamily> Engine::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  collectors::CollectContext ctx{model_, event_clock_ms_, wall_clock_->NowMs()};
  collectors_.Collect(ctx, &families);
  return families;
}

}  // namespace ccmon::app
