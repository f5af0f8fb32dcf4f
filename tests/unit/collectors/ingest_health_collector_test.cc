// IngestHealthCollector from hand-set IngestStats and sources: counters by label, source liveness
// at the 3-heartbeat edge, absent values while unknown.
#include "collectors/ingest_health_collector.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;

constexpr UnixMs kEventNow = 1'700'000'000'500;
constexpr UnixMs kWallNow = 1'700'000'100'000;

class IngestHealth : public ::testing::Test {
 protected:
  IngestHealth() : model_(MakeOptions()) {}

  static state::QueueRegistryOptions MakeOptions() {
    state::QueueRegistryOptions options;
    options.max_queues = 1;
    return options;
  }

  state::Model model_;
};

TEST_F(IngestHealth, ExportsTheIngestCountersByLabel) {
  state::IngestStats& s = model_.ingest;
  s.messages_received = 100;
  s.events_applied[static_cast<int>(state::EventType::kContactQueued)] = 40;
  s.rejected[static_cast<int>(state::RejectReason::kUndecodable)] = 3;
  s.anomalies[static_cast<int>(state::Anomaly::kDuplicateEvent)] = 2;
  s.sequence_gaps = 4;
  s.events_missing = 9;
  s.duplicates = 5;
  s.epoch_changes = 1;
  s.contacts_evicted = 6;
  // Queue cap 1: the second name goes to "_other" (cap), an empty name too (invalid).
  model_.queues.Resolve("a");
  model_.queues.Resolve("b");
  model_.queues.Resolve("");
  model_.contacts.Insert(0, "c1");

  IngestHealthCollector collector(CollectorOptions{});
  const auto f = Scrape(collector, model_, kEventNow, kWallNow);
  EXPECT_EQ(Value(f, "ccmond_messages_received_total"), 100.0);
  EXPECT_EQ(Value(f, "ccmond_events_applied_total", {{"type", "contact_queued"}}), 40.0);
  EXPECT_EQ(Value(f, "ccmond_events_applied_total", {{"type", "heartbeat"}}), 0.0);
  EXPECT_EQ(SeriesCount(f, "ccmond_events_applied_total"),
            static_cast<std::size_t>(state::kEventTypeCount));
  EXPECT_EQ(Value(f, "ccmond_events_rejected_total", {{"reason", "undecodable"}}), 3.0);
  EXPECT_EQ(SeriesCount(f, "ccmond_events_rejected_total"),
            static_cast<std::size_t>(state::kRejectReasonCount));
  EXPECT_EQ(Value(f, "ccmond_lifecycle_anomalies_total", {{"kind", "duplicate_event"}}), 2.0);
  EXPECT_EQ(Value(f, "ccmond_sequence_gaps_total"), 4.0);
  EXPECT_EQ(Value(f, "ccmond_events_missing_total"), 9.0);
  EXPECT_EQ(Value(f, "ccmond_events_duplicate_total"), 5.0);
  EXPECT_EQ(Value(f, "ccmond_source_epoch_changes_total"), 1.0);
  EXPECT_EQ(Value(f, "ccmond_contacts_evicted_total"), 6.0);
  EXPECT_EQ(Value(f, "ccmond_contacts_live"), 1.0);
  EXPECT_EQ(Value(f, "ccmond_queues"), 2.0);  // "a" and "_other".
  EXPECT_EQ(Value(f, "ccmond_cardinality_overflow_total", {{"label", "queue"}, {"reason", "cap"}}),
            1.0);
  EXPECT_EQ(
      Value(f, "ccmond_cardinality_overflow_total", {{"label", "queue"}, {"reason", "invalid"}}),
      1.0);
  EXPECT_EQ(Value(f, "ccmond_cardinality_overflow_total", {{"label", "agent"}, {"reason", "cap"}}),
            0.0);
  EXPECT_EQ(Value(f, "ccmond_event_clock_timestamp_seconds"), 1'700'000'000.5);
  EXPECT_EQ(Value(f, "ccmond_build_info", {{"version", "dev"}}), 1.0);
}

TEST_F(IngestHealth, SourceIsUpUntilThreeHeartbeatIntervalsOfSilence) {
  // edge: heard exactly 3 s ago with a 1 s heartbeat → up; late: 3.001 s ago → down.
  const state::SourceId edge_id = model_.sources.Resolve("edge");
  const state::SourceId late_id = model_.sources.Resolve("late");
  model_.sources.Resolve("mute");  // Never heard, no event, ACD state never said.
  state::SourceInfo& edge = model_.sources.at(edge_id);
  edge.heartbeat_interval_ms = 1000;
  edge.last_heard_wall_ms = kWallNow - 3000;
  edge.event_clock_ms = kEventNow - 250;
  edge.acd = state::AcdConnection::kUp;
  state::SourceInfo& late = model_.sources.at(late_id);
  late.heartbeat_interval_ms = 1000;
  late.last_heard_wall_ms = kWallNow - 3001;
  late.acd = state::AcdConnection::kDown;

  IngestHealthCollector collector(CollectorOptions{});
  const auto f = Scrape(collector, model_, kEventNow, kWallNow);
  EXPECT_EQ(Value(f, "ccmond_source_up", {{"source", "edge"}}), 1.0);
  EXPECT_EQ(Value(f, "ccmond_source_up", {{"source", "late"}}), 0.0);
  EXPECT_EQ(Value(f, "ccmond_source_up", {{"source", "mute"}}), 0.0);
  EXPECT_EQ(Value(f, "ccmond_source_acd_connected", {{"source", "edge"}}), 1.0);
  EXPECT_EQ(Value(f, "ccmond_source_acd_connected", {{"source", "late"}}), 0.0);
  EXPECT_FALSE(Value(f, "ccmond_source_acd_connected", {{"source", "mute"}}));
  EXPECT_EQ(Value(f, "ccmond_source_last_event_timestamp_seconds", {{"source", "edge"}}),
            1'700'000'000.25);
  EXPECT_FALSE(Value(f, "ccmond_source_last_event_timestamp_seconds", {{"source", "late"}}));
  EXPECT_EQ(Value(f, "ccmond_source_last_heard_timestamp_seconds", {{"source", "late"}}),
            static_cast<double>(kWallNow - 3001) / 1000.0);
  EXPECT_FALSE(Value(f, "ccmond_source_last_heard_timestamp_seconds", {{"source", "mute"}}));
}

TEST_F(IngestHealth, UpUsesTheIntervalTheSourcePromised) {
  // A bridge heartbeating every 5 s is up after 14 s of silence and down after 15.001 s.
  const state::SourceId slow_id = model_.sources.Resolve("slow");
  state::SourceInfo& slow = model_.sources.at(slow_id);
  slow.heartbeat_interval_ms = 5000;
  slow.last_heard_wall_ms = kWallNow - 14'000;
  slow.events_applied = 42;
  IngestHealthCollector collector(CollectorOptions{});
  auto f = Scrape(collector, model_, kEventNow, kWallNow);
  EXPECT_EQ(Value(f, "ccmond_source_up", {{"source", "slow"}}), 1.0);
  EXPECT_EQ(Value(f, "ccmond_source_events_applied_total", {{"source", "slow"}}), 42.0);
  model_.sources.at(slow_id).last_heard_wall_ms = kWallNow - 15'001;
  f = Scrape(collector, model_, kEventNow, kWallNow);
  EXPECT_EQ(Value(f, "ccmond_source_up", {{"source", "slow"}}), 0.0);
}

TEST_F(IngestHealth, BuildInfoCarriesTheConfiguredVersion) {
  CollectorOptions options;
  options.version = "1.2.3";
  IngestHealthCollector collector(options);
  EXPECT_EQ(Value(Scrape(collector, model_, kEventNow, kWallNow), "ccmond_build_info",
                  {{"version", "1.2.3"}}),
            1.0);
}

}  // namespace
}  // namespace ccmon::collectors
