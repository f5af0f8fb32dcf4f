// QueueLiveCollector from a hand-built ContactTable: waiting counts, oldest contact, contacts
// past each threshold and breaching soon, highest priority.
#include "collectors/queue_live_collector.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;

constexpr UnixMs kT0 = 1'700'000'000'000;
constexpr UnixMs kSec = 1000;

class QueueLive : public ::testing::Test {
 protected:
  QueueLive() : model_(state::QueueRegistryOptions{}) {
    state::QueueSettings settings;
    settings.sl_thresholds_ms = {500, 20'000, 60'000};
    sales_ = model_.queues.Declare("sales", settings);
    idle_ = model_.queues.Declare("idle", state::QueueSettings{});
  }

  // A contact waiting in q since `enqueue`, with breached_mask as the Lifecycle would have set it.
  void Wait(const char* id, state::QueueId q, UnixMs enqueue, std::uint32_t mask,
            std::int32_t priority = 0) {
    const state::ContactSlot slot = model_.contacts.Insert(0, id);
    state::Contact& c = model_.contacts.at(slot);
    c.queue = q;
    c.enqueue_ms = enqueue;
    c.breached_mask = mask;
    c.priority = priority;
    model_.contacts.AddWaiting(slot);
  }

  state::Model model_;
  state::QueueId sales_;
  state::QueueId idle_;
};

TEST_F(QueueLive, EmptyQueueShowsZerosAndNoOldestContact) {
  QueueLiveCollector collector(CollectorOptions{});
  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(Value(families, "callcenter_queue_contacts_waiting", {{"queue", "idle"}}), 0.0);
  EXPECT_EQ(Value(families, "callcenter_queue_oldest_contact_wait_seconds", {{"queue", "idle"}}),
            0.0);
  EXPECT_FALSE(Value(families, "callcenter_queue_oldest_contact_enqueued_timestamp_seconds",
                     {{"queue", "idle"}}));
  EXPECT_FALSE(Value(families, "callcenter_queue_highest_waiting_priority", {{"queue", "idle"}}));
  EXPECT_EQ(Value(families, "callcenter_queue_contacts_past_threshold",
                  {{"queue", "idle"}, {"threshold", "20"}}),
            0.0);
  EXPECT_EQ(Value(families, "callcenter_queue_contacts_breaching_soon",
                  {{"queue", "idle"}, {"threshold", "20"}}),
            0.0);
  // sales has three thresholds, idle one.
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_contacts_past_threshold"), 4u);
}

TEST_F(QueueLive, CountsPastAndSoonPerThresholdFromTheWaitingContacts) {
  // Event clock now = T0 + 100 s; horizon 10 s; thresholds 0.5 s, 20 s, 60 s.
  //   a: enqueued T0 +  0 s (waited 100 s), breached all three (mask 0b111), priority 1
  //   b: enqueued T0 + 45 s (waited  55 s), breached 0.5 s and 20 s (0b011); 60 s at T0+105 s
  //      ≤ now + 10 s → soon for 60, priority 7
  //   c: enqueued T0 + 85 s (waited  15 s), breached 0.5 s (0b001); 20 s at T0+105 s → soon;
  //      60 s at T0+145 s → not soon, priority 3
  //   d: enqueued T0 + 99.8 s (waited 0.2 s), nothing breached; 0.5 s at T0+100.3 s → soon;
  //      20 s at T0+119.8 s → not soon, priority −2
  //   e: enqueued T0 + 50 s, its source's clock lags: 20 s (due T0+70 s) not yet fired (mask 0b001)
  //      → counted soon for 20 (due already by the event clock); 60 s at T0+110 s → soon
  Wait("a", sales_, kT0, 0b111, 1);
  Wait("b", sales_, kT0 + 45 * kSec, 0b011, 7);
  Wait("c", sales_, kT0 + 85 * kSec, 0b001, 3);
  Wait("d", sales_, kT0 + 99'800, 0b000, -2);
  Wait("e", sales_, kT0 + 50 * kSec, 0b001, 0);
  QueueLiveCollector collector(CollectorOptions{});
  const auto families = Scrape(collector, model_, kT0 + 100 * kSec);

  auto past = [&](const char* t) {
    return Value(families, "callcenter_queue_contacts_past_threshold",
                 {{"queue", "sales"}, {"threshold", t}});
  };
  auto soon = [&](const char* t) {
    return Value(families, "callcenter_queue_contacts_breaching_soon",
                 {{"queue", "sales"}, {"threshold", t}});
  };
  EXPECT_EQ(Value(families, "callcenter_queue_contacts_waiting", {{"queue", "sales"}}), 5.0);
  // 0.5 s: past a, b, c, e (4); soon d (1).
  EXPECT_EQ(past("0.5"), 4.0);
  EXPECT_EQ(soon("0.5"), 1.0);
  // 20 s: past a, b (2); soon c, e (2); d not soon.
  EXPECT_EQ(past("20"), 2.0);
  EXPECT_EQ(soon("20"), 2.0);
  // 60 s: past a (1); soon b, e (2); c, d not soon.
  EXPECT_EQ(past("60"), 1.0);
  EXPECT_EQ(soon("60"), 2.0);
  EXPECT_EQ(Value(families, "callcenter_queue_oldest_contact_enqueued_timestamp_seconds",
                  {{"queue", "sales"}}),
            1'700'000'000.0);
  EXPECT_EQ(Value(families, "callcenter_queue_oldest_contact_wait_seconds", {{"queue", "sales"}}),
            100.0);
  EXPECT_EQ(Value(families, "callcenter_queue_highest_waiting_priority", {{"queue", "sales"}}),
            7.0);
}

TEST_F(QueueLive, HorizonEdgeIsInclusive) {
  // Crossing 20 s exactly 10 s after now (enqueued T0, now T0 + 10 s) is soon; 1 ms later is not.
  Wait("x", idle_, kT0, 0);
  Wait("y", idle_, kT0 + 1, 0);
  QueueLiveCollector collector(CollectorOptions{});
  const auto families = Scrape(collector, model_, kT0 + 10 * kSec);
  EXPECT_EQ(Value(families, "callcenter_queue_contacts_breaching_soon",
                  {{"queue", "idle"}, {"threshold", "20"}}),
            1.0);
}

TEST_F(QueueLive, OnlyNegativePrioritiesGiveANegativeHighest) {
  Wait("x", idle_, kT0, 0, -5);
  Wait("y", idle_, kT0 + 1, 0, -3);
  QueueLiveCollector collector(CollectorOptions{});
  const auto families = Scrape(collector, model_, kT0 + kSec);
  EXPECT_EQ(Value(families, "callcenter_queue_highest_waiting_priority", {{"queue", "idle"}}),
            -3.0);
  EXPECT_EQ(Value(families, "callcenter_queue_oldest_contact_wait_seconds", {{"queue", "idle"}}),
            1.0);
}

}  // namespace
}  // namespace ccmon::collectors
