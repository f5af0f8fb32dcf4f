// HandleTimeCollector from hand-written facts (expected values computed by hand in the comments)
// and from facts of the real Lifecycle: talk, hold, after-contact-work and handle histograms,
// short-answered contacts, and the exact sliding-window AHT, hold ratio and transfer ratio.
#include "collectors/handle_time_collector.h"

#include <gtest/gtest.h>

#include <limits>

#include "daemon/state/lifecycle.h"
#include "tests/testing/event_builder.h"
#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::FindMetric;
using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::Fact;
using state::FactType;

constexpr UnixMs kSec = 1000;
constexpr UnixMs kT0 = 1'700'000'000 * kSec;  // A whole second.

// Cumulative count of the bucket with upper bound `le` (seconds).
std::uint64_t Bucket(const prometheus::ClientMetric& m, double le) {
  for (const auto& b : m.histogram.bucket) {
    if (b.upper_bound == le) return b.cumulative_count;
  }
  ADD_FAILURE() << "no bucket le=" << le;
  return 0;
}

class HandleTime : public ::testing::Test {
 protected:
  HandleTime() : model_(state::QueueRegistryOptions{}) {
    sales_ = model_.queues.Declare("sales", state::QueueSettings{});
    model_.queues.Declare("support", state::QueueSettings{});
    options_.handle_time.duration_buckets_s = {10, 30, 60, 300};
    options_.handle_time.short_answer_ms = 10 * kSec;
  }

  Fact Conversation(UnixMs at, std::int64_t talk_s, std::int64_t hold_s, std::uint32_t holds) {
    Fact f;
    f.type = FactType::kConversationEnded;
    f.queue = sales_;
    f.time_ms = at;
    f.talk_ms = talk_s * kSec;
    f.hold_ms = hold_s * kSec;
    f.hold_count = holds;
    return f;
  }
  Fact WrapUp(UnixMs at, std::int64_t talk_s, std::int64_t hold_s, std::int64_t acw_s) {
    Fact f;
    f.type = FactType::kWrapUpEnded;
    f.queue = sales_;
    f.time_ms = at;
    f.talk_ms = talk_s * kSec;
    f.hold_ms = hold_s * kSec;
    f.acw_ms = acw_s * kSec;
    f.handle_ms = f.talk_ms + f.hold_ms + f.acw_ms;
    return f;
  }
  Fact Transfer(UnixMs at, bool before_answer) {
    Fact f;
    f.type = FactType::kTransferredOut;
    f.queue = sales_;
    f.time_ms = at;
    f.before_answer = before_answer;
    return f;
  }

  // The scenario, all in sales (times from T0):
  //   c1 ended at 100 s: talk 50, hold 20 (2 holds); wrap-up ended at 130 s: ACW 30, handle 100
  //   c2 ended at 200 s: talk 8, no hold (short: 8 ≤ 10); wrap-up at 210 s: ACW 10, handle 18
  //   c3 ended at 250 s: talk 120, no hold, then transferred out after answer at 250 s (no
  //      wrap-up in sales)
  //   c5 transferred out before answer at 300 s (a flow-out: nothing here)
  //   c4 ended at 400 s: talk 5, hold 6 (1 hold; 5 + 6 = 11 > 10: not short); wrap-up at 420 s:
  //      ACW 20, handle 31
  void FeedScenario(HandleTimeCollector* c) {
    c->OnFact(Conversation(kT0 + 100 * kSec, 50, 20, 2));
    c->OnFact(WrapUp(kT0 + 130 * kSec, 50, 20, 30));
    c->OnFact(Conversation(kT0 + 200 * kSec, 8, 0, 0));
    c->OnFact(WrapUp(kT0 + 210 * kSec, 8, 0, 10));
    c->OnFact(Conversation(kT0 + 250 * kSec, 120, 0, 0));
    c->OnFact(Transfer(kT0 + 250 * kSec, false));
    c->OnFact(Transfer(kT0 + 300 * kSec, true));
    c->OnFact(Conversation(kT0 + 400 * kSec, 5, 6, 1));
    c->OnFact(WrapUp(kT0 + 420 * kSec, 5, 6, 20));
    c->OnAdvance(kT0 + 420 * kSec);
  }

  std::optional<double> Window(const std::vector<prometheus::MetricFamily>& families,
                               const char* name, const char* window) {
    return Value(families, name, {{"queue", "sales"}, {"window", window}});
  }

  state::Model model_;
  state::QueueId sales_;
  CollectorOptions options_;
};

TEST_F(HandleTime, TalkHoldAfterContactWorkAndHandleHistogramsObserveEachLegAndWrapUp) {
  HandleTimeCollector collector(options_, model_);
  FeedScenario(&collector);
  const auto families = Scrape(collector, model_, kT0 + 420 * kSec);
  const auto* talk = FindMetric(families, "callcenter_contact_talk_seconds", {{"queue", "sales"}});
  const auto* hold = FindMetric(families, "callcenter_contact_hold_seconds", {{"queue", "sales"}});
  const auto* acw =
      FindMetric(families, "callcenter_contact_after_contact_work_seconds", {{"queue", "sales"}});
  const auto* handle =
      FindMetric(families, "callcenter_contact_handle_seconds", {{"queue", "sales"}});
  ASSERT_NE(talk, nullptr);
  ASSERT_NE(hold, nullptr);
  ASSERT_NE(acw, nullptr);
  ASSERT_NE(handle, nullptr);

  // Talk, every leg: 50, 8, 120, 5 → ≤10: 2 (8, 5); ≤30: 2; ≤60: 3; ≤300: 4; sum 183 s.
  EXPECT_EQ(Bucket(*talk, 10), 2u);
  EXPECT_EQ(Bucket(*talk, 30), 2u);
  EXPECT_EQ(Bucket(*talk, 60), 3u);
  EXPECT_EQ(Bucket(*talk, 300), 4u);
  EXPECT_EQ(Bucket(*talk, std::numeric_limits<double>::infinity()), 4u);
  EXPECT_EQ(talk->histogram.sample_count, 4u);
  EXPECT_DOUBLE_EQ(talk->histogram.sample_sum, 183.0);

  // Hold, legs held at least once (c1 20 s, c4 6 s): ≤10: 1; ≤30: 2; sum 26 s.
  EXPECT_EQ(Bucket(*hold, 10), 1u);
  EXPECT_EQ(Bucket(*hold, 30), 2u);
  EXPECT_EQ(hold->histogram.sample_count, 2u);
  EXPECT_DOUBLE_EQ(hold->histogram.sample_sum, 26.0);

  // ACW, per wrap-up: 30, 10, 20 → ≤10: 1 (exactly 10 is in le="10"); ≤30: 3; sum 60 s.
  EXPECT_EQ(Bucket(*acw, 10), 1u);
  EXPECT_EQ(Bucket(*acw, 30), 3u);
  EXPECT_EQ(acw->histogram.sample_count, 3u);
  EXPECT_DOUBLE_EQ(acw->histogram.sample_sum, 60.0);

  // Handle = talk + hold + ACW: 100, 18, 31 → ≤10: 0; ≤30: 1; ≤60: 2; ≤300: 3; sum 149 s.
  // c3 was transferred to another queue: no wrap-up here, no handle.
  EXPECT_EQ(Bucket(*handle, 10), 0u);
  EXPECT_EQ(Bucket(*handle, 30), 1u);
  EXPECT_EQ(Bucket(*handle, 60), 2u);
  EXPECT_EQ(Bucket(*handle, 300), 3u);
  EXPECT_EQ(handle->histogram.sample_count, 3u);
  EXPECT_DOUBLE_EQ(handle->histogram.sample_sum, 149.0);
}

TEST_F(HandleTime, ShortAnsweredCountsLegsConnectedForAtMostTheThreshold) {
  HandleTimeCollector collector(options_, model_);
  FeedScenario(&collector);
  // Exactly at the threshold counts too: talk 4 + hold 6 = 10 ≤ 10.
  collector.OnFact(Conversation(kT0 + 420 * kSec, 4, 6, 1));
  const auto families = Scrape(collector, model_, kT0 + 420 * kSec);
  // c2 (8 s) and the last one (10 s); c4 (5 + 6 = 11 s) is not short.
  EXPECT_EQ(Value(families, "callcenter_contacts_short_answered_total", {{"queue", "sales"}}), 2.0);
}

TEST_F(HandleTime, AverageHandleTimeHoldAndTransferRatiosAreExactPerWindow) {
  HandleTimeCollector collector(options_, model_);
  FeedScenario(&collector);
  auto families = Scrape(collector, model_, kT0 + 420 * kSec);
  // 5m = (T0 + 120 s, T0 + 420 s]: wrap-ups at 130, 210, 420 → AHT (100 + 18 + 31) / 3;
  // legs ended at 200, 250, 400 (c1's at 100 is out) → held 1 (c4) / 3, transfers 1 (c3) / 3.
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_average_handle_time_seconds", "5m"),
                   149.0 / 3);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_hold_ratio", "5m"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_transfer_ratio", "5m"), 1.0 / 3);
  // 15m holds everything: 4 legs ended, 2 held (c1, c4), 1 transfer; the flow-out is no transfer
  // after answer.
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_average_handle_time_seconds", "15m"),
                   149.0 / 3);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_hold_ratio", "15m"), 2.0 / 4);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_transfer_ratio", "15m"), 1.0 / 4);

  // 10 s later the 5m window is (T0 + 130 s, T0 + 430 s]: c1's wrap-up, exactly 300 s old, is
  // out → AHT (18 + 31) / 2.
  families = Scrape(collector, model_, kT0 + 430 * kSec);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_average_handle_time_seconds", "5m"), 24.5);

  // An hour after the last wrap-up every window is empty: no series, not 0 or NaN.
  collector.OnAdvance(kT0 + 4020 * kSec);
  families = Scrape(collector, model_, kT0 + 4020 * kSec);
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_average_handle_time_seconds"), 0u);
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_hold_ratio"), 0u);
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_transfer_ratio"), 0u);
  // The histograms keep everything.
  EXPECT_EQ(FindMetric(families, "callcenter_contact_handle_seconds", {{"queue", "sales"}})
                ->histogram.sample_count,
            3u);
}

TEST_F(HandleTime, KnownQueuesStartAtZeroWithoutWindowSeries) {
  HandleTimeCollector collector(options_, model_);
  const auto families = Scrape(collector, model_, kT0);
  for (const char* name :
       {"callcenter_contact_talk_seconds", "callcenter_contact_hold_seconds",
        "callcenter_contact_after_contact_work_seconds", "callcenter_contact_handle_seconds"}) {
    const auto* m = FindMetric(families, name, {{"queue", "support"}});
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->histogram.sample_count, 0u) << name;
    // 4 bounds + Inf.
    EXPECT_EQ(m->histogram.bucket.size(), 5u) << name;
    EXPECT_EQ(SeriesCount(families, name), 2u) << name;
  }
  EXPECT_EQ(Value(families, "callcenter_contacts_short_answered_total", {{"queue", "support"}}),
            0.0);
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_average_handle_time_seconds"), 0u);
}

TEST_F(HandleTime, QueueFirstSeenAfterStartIsCountedFromItsFirstFact) {
  HandleTimeCollector collector(options_, model_);
  collector.OnAdvance(kT0 + 100 * kSec);
  const state::QueueId late = model_.queues.Resolve("late");
  Fact f = WrapUp(kT0 + 100 * kSec, 60, 0, 15);
  f.queue = late;
  collector.OnFact(f);
  const auto families = Scrape(collector, model_, kT0 + 100 * kSec);
  EXPECT_DOUBLE_EQ(*Value(families, "callcenter_queue_average_handle_time_seconds",
                          {{"queue", "late"}, {"window", "5m"}}),
                   75.0);
}

// Facts from the real Lifecycle: answered at 10 s, held 30–45 s, ended at 100 s, wrap-up ended at
// 130 s → talk = 90 − 15 = 75 s, hold 15 s (1 hold), ACW 30 s, handle 120 s.
TEST_F(HandleTime, LifecycleFactsGiveTalkExcludingHoldAndHandleIncludingAfterContactWork) {
  HandleTimeCollector collector(options_, model_);
  struct Forward : state::FactSink {
    explicit Forward(Collector* c) : collector(c) {}
    void OnFact(const Fact& f) override { collector->OnFact(f); }
    Collector* collector;
  } sink(&collector);
  const state::SourceId source = model_.sources.Resolve("sim");
  state::Lifecycle lifecycle(&model_, &sink);
  const testing::EventBuilder ev(source, kT0);
  lifecycle.Apply(ev.Queued(0, "c1", "sales"));
  lifecycle.Apply(ev.Answered(10, "c1", "sales"));
  lifecycle.Apply(ev.Contact(state::EventType::kContactHeld, 30, "c1", "sales"));
  lifecycle.Apply(ev.Contact(state::EventType::kContactResumed, 45, "c1", "sales"));
  lifecycle.Apply(ev.Ended(100, "c1", "sales"));
  lifecycle.Apply(ev.WrapUp(130, "c1", "sales"));
  collector.OnAdvance(kT0 + 130 * kSec);

  const auto families = Scrape(collector, model_, kT0 + 130 * kSec);
  const auto* talk = FindMetric(families, "callcenter_contact_talk_seconds", {{"queue", "sales"}});
  const auto* hold = FindMetric(families, "callcenter_contact_hold_seconds", {{"queue", "sales"}});
  const auto* acw =
      FindMetric(families, "callcenter_contact_after_contact_work_seconds", {{"queue", "sales"}});
  ASSERT_NE(talk, nullptr);
  ASSERT_NE(hold, nullptr);
  ASSERT_NE(acw, nullptr);
  EXPECT_DOUBLE_EQ(talk->histogram.sample_sum, 75.0);
  EXPECT_DOUBLE_EQ(hold->histogram.sample_sum, 15.0);
  EXPECT_DOUBLE_EQ(acw->histogram.sample_sum, 30.0);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_average_handle_time_seconds", "5m"), 120.0);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_hold_ratio", "5m"), 1.0);
  EXPECT_DOUBLE_EQ(*Window(families, "callcenter_queue_transfer_ratio", "5m"), 0.0);
}

}  // namespace
}  // namespace ccmon::collectors
