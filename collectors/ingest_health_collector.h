// IngestHealthCollector: the daemon's own health (ccmond_*), read at scrape time from the
// Model's IngestStats, registries and tables (docs/metrics.md "Ingest health"):
//
//   ccmond_messages_received_total, ccmond_events_applied_total{type},
//   ccmond_events_rejected_total{reason}, ccmond_lifecycle_anomalies_total{kind},
//   ccmond_sequence_gaps_total, ccmond_events_missing_total, ccmond_events_recovered_total,
//   ccmond_replay_requests_total{result}, ccmond_replay_held_events,
//   ccmond_replay_awaited_events, ccmond_replay_hold_overflows_total,
//   ccmond_events_duplicate_total,
//   ccmond_source_epoch_changes_total, ccmond_contacts_evicted_total, ccmond_contacts_live,
//   ccmond_queues, ccmond_cardinality_overflow_total{label,reason},
//   ccmond_source_last_event_timestamp_seconds{source}, ccmond_source_up{source},
//   ccmond_source_acd_connected{source}, ccmond_event_clock_timestamp_seconds,
//   ccmond_build_info{version}
//
// A source is up when the daemon's wall clock (CollectContext::wall_now_ms) is within 3× its
// heartbeat interval of the last time it was heard from. Its last event timestamp is absent until
// it sent an event; acd_connected is absent while the bridge has not said.
//
// Engine thread only (see Collector).
#pragma once

#include <string>
#include <vector>

#include "collectors/collector.h"

namespace ccmon::collectors {

class IngestHealthCollector final : public Collector {
 public:
  // How many heartbeat intervals of silence a source may have and still be up.
  static constexpr std::int64_t kMissedHeartbeatsAllowed = 3;

  explicit IngestHealthCollector(const CollectorOptions& options);

  std::string_view Name() const override { return "ingest_health"; }
  bool ConsumesFacts() const override { return false; }
  void OnFact(const state::Fact& fact) override { (void)fact; }
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

 private:
  std::string version_;
};

}  // namespace ccmon::collectors
