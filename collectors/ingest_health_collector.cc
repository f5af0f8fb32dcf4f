#include "collectors/ingest_health_collector.h"

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;

void AddScalar(std::vector<prometheus::MetricFamily>* out, std::string_view name,
               std::string_view help, MetricType type, double value) {
  AddSample(&AddFamily(out, name, help, type), {}, value);
}

}  // namespace

IngestHealthCollector::IngestHealthCollector(const CollectorOptions& options)
    : version_(options.version) {}

void IngestHealthCollector::Collect(const CollectContext& ctx,
                                    std::vector<prometheus::MetricFamily>* out) const {
  const state::IngestStats& stats = ctx.model.ingest;
  auto u = [](std::uint64_t v) { return static_cast<double>(v); };

  AddScalar(out, "ccmond_messages_received_total",
            "Messages taken off the event sockets, before any check.", MetricType::Counter,
            u(stats.messages_received));
  {
    auto& f = AddFamily(out, "ccmond_events_applied_total",
                        "Events applied to the state, by event type.", MetricType::Counter);
    for (int t = 0; t < state::kEventTypeCount; ++t) {
      AddSample(&f, {{"type", state::EventTypeName(static_cast<state::EventType>(t))}},
                u(stats.events_applied[static_cast<std::size_t>(t)]));
    }
  }
  {
    auto& f = AddFamily(out, "ccmond_events_rejected_total",
                        "Messages not applied at all, by reason.", MetricType::Counter);
    for (int r = 0; r < state::kRejectReasonCount; ++r) {
      AddSample(&f, {{"reason", state::RejectReasonName(static_cast<state::RejectReason>(r))}},
                u(stats.rejected[static_cast<std::size_t>(r)]));
    }
  }
  {
    auto& f =
        AddFamily(out, "ccmond_lifecycle_anomalies_total",
                  "Applied events that did not fit a contact's or agent's lifecycle, by kind.",
                  MetricType::Counter);
    for (int a = 0; a < state::kAnomalyCount; ++a) {
      AddSample(&f, {{"kind", state::AnomalyName(static_cast<state::Anomaly>(a))}},
                u(stats.anomalies[static_cast<std::size_t>(a)]));
    }
  }
  AddScalar(out, "ccmond_sequence_gaps_total",
            "Gaps detected in a source's per-topic sequence numbers.", MetricType::Counter,
            u(stats.sequence_gaps));
  AddScalar(out, "ccmond_events_missing_total",
            "Events lost for good: revealed by a sequence gap and not recovered by replay.",
            MetricType::Counter, u(stats.events_missing));
  AddScalar(out, "ccmond_events_recovered_total",
            "Events a sequence gap revealed that the bridge's journal replayed; applied in order.",
            MetricType::Counter, u(stats.events_recovered));
  {
    auto& f = AddFamily(out, "ccmond_replay_requests_total",
                        "Replay requests to bridges, by how they ended.", MetricType::Counter);
    for (int r = 0; r < state::kReplayResultCount; ++r) {
      AddSample(&f, {{"result", state::ReplayResultName(static_cast<state::ReplayResult>(r))}},
                u(stats.replay_requests[static_cast<std::size_t>(r)]));
    }
  }
  AddScalar(out, "ccmond_replay_held_events",
            "Events held back behind sequence gaps while their replay is awaited.",
            MetricType::Gauge, u(stats.replay_events_held));
  AddScalar(out, "ccmond_replay_awaited_events", "Events of sequence gaps whose replay is awaited.",
            MetricType::Gauge, u(stats.replay_events_awaited));
  AddScalar(out, "ccmond_replay_hold_overflows_total",
            "Times the hold limit was reached and a source's open gaps were given up.",
            MetricType::Counter, u(stats.replay_hold_overflows));
  AddScalar(out, "ccmond_events_duplicate_total",
            "Events dropped because their sequence number was already applied.",
            MetricType::Counter, u(stats.duplicates));
  AddScalar(out, "ccmond_source_epoch_changes_total",
            "Times a source restarted its numbering (a new epoch).", MetricType::Counter,
            u(stats.epoch_changes));
  AddScalar(out, "ccmond_contacts_evicted_total",
            "Contacts dropped after max_contact_age without events.", MetricType::Counter,
            u(stats.contacts_evicted));
  AddScalar(out, "ccmond_contacts_live",
            "Contacts the daemon holds now (waiting, in conversation, in wrap-up or transferring).",
            MetricType::Gauge, u(ctx.model.contacts.size()));
  AddScalar(out, "ccmond_queues", "Queues the daemon knows, the overflow queue included.",
            MetricType::Gauge, u(ctx.model.queues.size()));
  {
    auto& f = AddFamily(out, "ccmond_cardinality_overflow_total",
                        "Events whose queue or agent could not get its own series: attributed to "
                        "the overflow queue (queue) or rejected (agent), by reason.",
                        MetricType::Counter);
    AddSample(&f, {{"label", "queue"}, {"reason", "cap"}},
              u(ctx.model.queues.overflow_cap_count()));
    AddSample(&f, {{"label", "queue"}, {"reason", "invalid"}},
              u(ctx.model.queues.overflow_invalid_count()));
    AddSample(&f, {{"label", "agent"}, {"reason", "cap"}}, u(ctx.model.agents.overflow_count()));
  }

  const state::SourceRegistry& sources = ctx.model.sources;
  {
    auto& f = AddFamily(out, "ccmond_source_last_event_timestamp_seconds",
                        "ACD time of the latest event applied from the source.", MetricType::Gauge);
    for (state::SourceId s = 0; s < sources.size(); ++s) {
      const state::SourceInfo& info = sources.at(s);
      if (info.event_clock_ms != 0) {
        AddSample(&f, {{"source", info.name}}, Seconds(info.event_clock_ms));
      }
    }
  }
  {
    auto& f = AddFamily(out, "ccmond_source_last_heard_timestamp_seconds",
                        "Daemon wall-clock time of the latest message from the source.",
                        MetricType::Gauge);
    for (state::SourceId s = 0; s < sources.size(); ++s) {
      const state::SourceInfo& info = sources.at(s);
      if (info.last_heard_wall_ms != 0) {
        AddSample(&f, {{"source", info.name}}, Seconds(info.last_heard_wall_ms));
      }
    }
  }
  {
    auto& f = AddFamily(out, "ccmond_source_events_applied_total",
                        "Contact and agent events applied from the source (heartbeats excluded).",
                        MetricType::Counter);
    for (state::SourceId s = 0; s < sources.size(); ++s) {
      AddSample(&f, {{"source", sources.at(s).name}},
                static_cast<double>(sources.at(s).events_applied));
    }
  }
  {
    auto& f = AddFamily(out, "ccmond_source_up",
                        "1 if the source was heard from within 3 of its heartbeat intervals "
                        "(daemon wall clock), else 0.",
                        MetricType::Gauge);
    for (state::SourceId s = 0; s < sources.size(); ++s) {
      const state::SourceInfo& info = sources.at(s);
      const std::int64_t allowed =
          kMissedHeartbeatsAllowed * static_cast<std::int64_t>(info.heartbeat_interval_ms);
      const bool up =
          info.last_heard_wall_ms != 0 && ctx.wall_now_ms - info.last_heard_wall_ms <= allowed;
      AddSample(&f, {{"source", info.name}}, up ? 1.0 : 0.0);
    }
  }
  {
    auto& f = AddFamily(out, "ccmond_source_acd_connected",
                        "1 if the source's bridge reports its ACD connection up, 0 if down; absent "
                        "until it says.",
                        MetricType::Gauge);
    for (state::SourceId s = 0; s < sources.size(); ++s) {
      const state::SourceInfo& info = sources.at(s);
      if (info.acd == state::AcdConnection::kUnspecified) continue;
      AddSample(&f, {{"source", info.name}}, info.acd == state::AcdConnection::kUp ? 1.0 : 0.0);
    }
  }
  AddScalar(out, "ccmond_event_clock_timestamp_seconds",
            "The daemon's event clock: the latest ACD time seen over all sources.",
            MetricType::Gauge, Seconds(ctx.event_now_ms));
  AddSample(&AddFamily(out, "ccmond_build_info", "Build of the running ccmond; value is always 1.",
                       MetricType::Gauge),
            {{"version", version_}}, 1.0);
}

}  // namespace ccmon::collectors
