// ServiceLevelCollector from hand-written facts: the service-level-event rule (one SL event per
// contact stay and threshold), the ratio formulas, the sliding windows and the labels.
#include "collectors/service_level_collector.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using Part = ServiceLevelCollector::Part;
using Span = SlidingWindow::Span;
using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::Fact;
using state::FactType;

constexpr UnixMs kSec = 1000;
constexpr UnixMs kT0 = 1'700'000'000 * kSec;  // A whole second.

class ServiceLevel : public ::testing::Test {
 protected:
  ServiceLevel() : model_(state::QueueRegistryOptions{}) {
    state::QueueSettings settings;
    settings.sl_thresholds_ms = {20'000, 60'000};
    settings.sl_target = 0.9;
    settings.sl_target_index = 1;
    sales_ = model_.queues.Declare("sales", settings);
  }

  // Outcome of a contact enqueued at `enqueue` in sales, `wait` later.
  Fact Outcome(FactType type, UnixMs enqueue, std::int64_t wait, std::uint32_t breached_mask = 0) {
    Fact f;
    f.type = type;
    f.queue = sales_;
    f.enqueue_ms = enqueue;
    f.time_ms = enqueue + wait;
    f.wait_ms = wait;
    f.breached_mask = breached_mask;
    return f;
  }
  // The Lifecycle's breach of threshold i for a contact enqueued at `enqueue`.
  Fact Breach(UnixMs enqueue, std::uint8_t i) {
    Fact f;
    f.type = FactType::kSlBreached;
    f.queue = sales_;
    f.enqueue_ms = enqueue;
    f.time_ms = enqueue + model_.queues.Settings(sales_).sl_thresholds_ms[i];
    f.threshold_index = i;
    return f;
  }

  // The scenario behind the ratio tests (all in sales; now ≥ T0 + 100 s):
  //   c1 answered  at T0+10 s, wait 10 s                      → A(20), A(60)
  //   c2 abandoned at T0+12 s, wait 3 s, short                 → B+S(20), B+S(60)
  //   c3 abandoned at T0+14 s, wait 8 s                        → B(20), B(60)
  //   c4 enqueued T0+5 s: breach of 20 s at T0+25 s            → R(20)
  //      answered at T0+40 s, wait 35 s, mask 0b01             → A(60)
  //   c5 exited    at T0+30 s, wait 2 s                        → E(20), E(60)
  // Threshold 20 s: A=1 B=2 S=1 E=1 R=1. Threshold 60 s: A=2 B=2 S=1 E=1 R=0.
  void FeedScenario(ServiceLevelCollector* c) {
    c->OnFact(Outcome(FactType::kAnswered, kT0, 10 * kSec));
    Fact short_abandon = Outcome(FactType::kAbandoned, kT0 + 9 * kSec, 3 * kSec);
    short_abandon.short_abandon = true;
    c->OnFact(short_abandon);
    c->OnFact(Outcome(FactType::kAbandoned, kT0 + 6 * kSec, 8 * kSec));
    c->OnFact(Breach(kT0 + 5 * kSec, 0));
    c->OnFact(Outcome(FactType::kAnswered, kT0 + 5 * kSec, 35 * kSec, 0b01));
    c->OnFact(Outcome(FactType::kExited, kT0 + 28 * kSec, 2 * kSec));
  }

  std::optional<double> Ratio(const std::vector<prometheus::MetricFamily>& families,
                              const char* threshold, const char* window) {
    return Value(families, "callcenter_service_level_ratio",
                 {{"queue", "sales"}, {"threshold", threshold}, {"window", window}});
  }

  state::Model model_;
  state::QueueId sales_;
};

TEST_F(ServiceLevel, CallCrossingThresholdWhileWaitingCountsAsBreachImmediately) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  // Enqueued at T0, still waiting when its source's clock passes T0 + 20 s.
  collector.OnFact(Breach(kT0, 0));
  collector.OnAdvance(kT0 + 20 * kSec);
  auto families = Scrape(collector, model_, kT0 + 20 * kSec);
  EXPECT_EQ(Value(families, "callcenter_service_level_breached_total",
                  {{"queue", "sales"}, {"threshold", "20"}}),
            1.0);
  // The real-time service level drops at once: 0 / (0 + 0 − 0 + 1).
  EXPECT_EQ(Ratio(families, "20", "5m"), 0.0);
  // 60 s has not been crossed: no SL event there yet, so no ratio.
  EXPECT_FALSE(Ratio(families, "60", "5m"));

  // Answered later at 30 s: its SL event for 20 s was the breach; for 60 s it is answered within.
  collector.OnFact(Outcome(FactType::kAnswered, kT0, 30 * kSec, 0b01));
  families = Scrape(collector, model_, kT0 + 30 * kSec);
  EXPECT_EQ(Value(families, "callcenter_service_level_breached_total",
                  {{"queue", "sales"}, {"threshold", "20"}}),
            1.0);
  EXPECT_EQ(Value(families, "callcenter_service_level_answered_within_total",
                  {{"queue", "sales"}, {"threshold", "20"}}),
            0.0);
  EXPECT_EQ(Value(families, "callcenter_service_level_answered_within_total",
                  {{"queue", "sales"}, {"threshold", "60"}}),
            1.0);
  EXPECT_EQ(Ratio(families, "60", "5m"), 1.0);
}

TEST_F(ServiceLevel, AnswerAtExactlyTheThresholdIsWithinIt) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  collector.OnFact(Outcome(FactType::kAnswered, kT0, 20 * kSec));
  EXPECT_EQ(collector.count(sales_, 0, Part::kAnsweredWithin), 1u);
  EXPECT_EQ(collector.count(sales_, 0, Part::kBreached), 0u);
}

TEST_F(ServiceLevel, EveryContactStayHasExactlyOneEventPerThreshold) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  FeedScenario(&collector);
  // Five stays, each with an outcome or a breach for every threshold.
  for (std::size_t i = 0; i < 2; ++i) {
    const std::uint64_t events = collector.count(sales_, i, Part::kAnsweredWithin) +
                                 collector.count(sales_, i, Part::kAbandonedWithin) +
                                 collector.count(sales_, i, Part::kExitedWithin) +
                                 collector.count(sales_, i, Part::kBreached);
    EXPECT_EQ(events, 5u) << "threshold " << i;
  }
  EXPECT_EQ(collector.count(sales_, 0, Part::kAnsweredWithin), 1u);
  EXPECT_EQ(collector.count(sales_, 0, Part::kAbandonedWithin), 2u);
  EXPECT_EQ(collector.count(sales_, 0, Part::kShortAbandonedWithin), 1u);
  EXPECT_EQ(collector.count(sales_, 0, Part::kExitedWithin), 1u);
  EXPECT_EQ(collector.count(sales_, 0, Part::kBreached), 1u);
  EXPECT_EQ(collector.count(sales_, 1, Part::kAnsweredWithin), 2u);
  EXPECT_EQ(collector.count(sales_, 1, Part::kBreached), 0u);
}

TEST_F(ServiceLevel, FlowOutBeforeAnswerIsAnExitWithinAndTransferAfterAnswerIsNothing) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  Fact flow_out = Outcome(FactType::kTransferredOut, kT0, 4 * kSec);
  flow_out.before_answer = true;
  collector.OnFact(flow_out);
  Fact after_answer = Outcome(FactType::kTransferredOut, kT0, 400 * kSec);
  after_answer.before_answer = false;
  collector.OnFact(after_answer);
  EXPECT_EQ(collector.count(sales_, 0, Part::kExitedWithin), 1u);
  EXPECT_EQ(collector.count(sales_, 1, Part::kExitedWithin), 1u);
  EXPECT_EQ(collector.count(sales_, 0, Part::kBreached), 0u);
}

TEST_F(ServiceLevel, EvictedWaitingContactThatNeverBreachedCountsNothing) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  Fact evicted = Outcome(FactType::kEvicted, kT0, 10 * kSec);
  evicted.was_waiting = true;
  collector.OnFact(evicted);
  for (int part = 0; part < ServiceLevelCollector::kPartCount; ++part) {
    EXPECT_EQ(collector.count(sales_, 0, static_cast<Part>(part)), 0u);
  }
}

TEST_F(ServiceLevel, OutcomeAfterTheThresholdWithoutItsBreachFactCountsTheBreachOnce) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  // Abandoned at 70 s, breach facts for neither threshold seen (a guard, see the header).
  collector.OnFact(Outcome(FactType::kAbandoned, kT0, 70 * kSec, 0));
  EXPECT_EQ(collector.count(sales_, 0, Part::kBreached), 1u);
  EXPECT_EQ(collector.count(sales_, 1, Part::kBreached), 1u);
  EXPECT_EQ(collector.count(sales_, 0, Part::kAbandonedWithin), 0u);
  // With both breaches recorded, the outcome adds nothing.
  collector.OnFact(Outcome(FactType::kAbandoned, kT0, 70 * kSec, 0b11));
  EXPECT_EQ(collector.count(sales_, 0, Part::kBreached), 1u);
  EXPECT_EQ(collector.count(sales_, 1, Part::kBreached), 1u);
}

TEST_F(ServiceLevel, BreachForAThresholdTheQueueDoesNotHaveIsIgnored) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  Fact f = Breach(kT0, 0);
  f.threshold_index = 5;
  collector.OnFact(f);
  EXPECT_EQ(collector.count(sales_, 0, Part::kBreached), 0u);
  EXPECT_EQ(collector.count(sales_, 1, Part::kBreached), 0u);
}

TEST_F(ServiceLevel, RatioFormulasMatchTheirDefinitions) {
  double r = 0;
  // CCPulse check (metric-definitions §2): T 20 s, S 10 s, 300 answered of which 200 within T,
  // 100 abandoned (all within T) of which 50 short → A=200, B=100, S=50, R=100 (late answers).
  ASSERT_TRUE(
      ServiceLevelCollector::Ratio(SlFormula::kShortAbandonsExcluded, 200, 100, 50, 100, &r));
  EXPECT_NEAR(r, 200.0 / 350.0, 1e-12);  // 57.14 %.
  ASSERT_TRUE(ServiceLevelCollector::Ratio(SlFormula::kAbandonsNegative, 200, 100, 50, 100, &r));
  EXPECT_NEAR(r, 200.0 / 400.0, 1e-12);
  ASSERT_TRUE(ServiceLevelCollector::Ratio(SlFormula::kAbandonsIgnored, 200, 100, 50, 100, &r));
  EXPECT_NEAR(r, 200.0 / 300.0, 1e-12);
  ASSERT_TRUE(ServiceLevelCollector::Ratio(SlFormula::kAbandonsPositive, 200, 100, 50, 100, &r));
  EXPECT_NEAR(r, 300.0 / 400.0, 1e-12);
  // Only short abandons: the default formula has nothing left to judge.
  EXPECT_FALSE(ServiceLevelCollector::Ratio(SlFormula::kShortAbandonsExcluded, 0, 3, 3, 0, &r));
  EXPECT_FALSE(ServiceLevelCollector::Ratio(SlFormula::kAbandonsIgnored, 0, 3, 3, 0, &r));
}

TEST_F(ServiceLevel, RatioUsesTheConfiguredFormulaOverEachWindow) {
  struct Case {
    SlFormula formula;
    double ratio20;  // From the scenario's parts for 20 s: A=1 B=2 S=1 R=1.
  };
  const Case cases[] = {
      {SlFormula::kShortAbandonsExcluded, 1.0 / 3.0},  // 1 / (1 + 2 − 1 + 1)
      {SlFormula::kAbandonsNegative, 1.0 / 4.0},       // 1 / (1 + 2 + 1)
      {SlFormula::kAbandonsIgnored, 1.0 / 2.0},        // 1 / (1 + 1)
      {SlFormula::kAbandonsPositive, 3.0 / 4.0},       // (1 + 2) / (1 + 2 + 1)
  };
  for (const Case& c : cases) {
    CollectorOptions options;
    options.sl_formula = c.formula;
    ServiceLevelCollector collector(options, model_);
    FeedScenario(&collector);
    collector.OnAdvance(kT0 + 100 * kSec);
    const auto families = Scrape(collector, model_, kT0 + 100 * kSec);
    for (const char* window : {"5m", "15m", "1h"}) {
      ASSERT_TRUE(Ratio(families, "20", window)) << window;
      EXPECT_NEAR(*Ratio(families, "20", window), c.ratio20, 1e-12) << window;
    }
  }
  // 60 s under the default: A=2 B=2 S=1 R=0 → 2 / 3.
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  FeedScenario(&collector);
  const auto families = Scrape(collector, model_, kT0 + 100 * kSec);
  EXPECT_NEAR(*Ratio(families, "60", "1h"), 2.0 / 3.0, 1e-12);
}

TEST_F(ServiceLevel, WindowRatioDropsEventsAsTheyAgeOutAndIsAbsentWhenEmpty) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  EXPECT_EQ(SeriesCount(Scrape(collector, model_, kT0), "callcenter_service_level_ratio"), 0u);
  FeedScenario(&collector);
  collector.OnAdvance(kT0 + 100 * kSec);
  // At T0+310 s the 5 m window is (T0+10 s, T0+310 s]: c1's answer at T0+10 s is out.
  // 20 s: A=0 B=2 S=1 R=1 → 0 / 2.
  collector.OnAdvance(kT0 + 310 * kSec);
  auto families = Scrape(collector, model_, kT0 + 310 * kSec);
  EXPECT_EQ(Ratio(families, "20", "5m"), 0.0);
  EXPECT_NEAR(*Ratio(families, "20", "15m"), 1.0 / 3.0, 1e-12);
  // At T0+340 s the last event (c4's answer at T0+40 s) has left the 5 m window: no ratio.
  // Read at scrape time without an OnAdvance: the window is exact at the scrape's event clock.
  families = Scrape(collector, model_, kT0 + 340 * kSec);
  EXPECT_FALSE(Ratio(families, "20", "5m"));
  EXPECT_FALSE(Ratio(families, "60", "5m"));
  EXPECT_TRUE(Ratio(families, "20", "15m"));
  // Counters never go down.
  EXPECT_EQ(Value(families, "callcenter_service_level_answered_within_total",
                  {{"queue", "sales"}, {"threshold", "60"}}),
            2.0);
  EXPECT_EQ(collector.window_sum(sales_, 1, Part::kAnsweredWithin, Span::k1h, kT0 + 340 * kSec), 2);
}

TEST_F(ServiceLevel, LateBreachFactLandsAtItsCrossingTimeInTheWindow) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  collector.OnAdvance(kT0 + 400 * kSec);
  // Detected late (its source's clock lagged): stamped T0 + 20 s, which is outside the 5 m window
  // at T0 + 400 s (covers (T0+100 s, T0+400 s]) but inside 15 m.
  collector.OnFact(Breach(kT0, 0));
  EXPECT_EQ(collector.window_sum(sales_, 0, Part::kBreached, Span::k5m, kT0 + 400 * kSec), 0);
  EXPECT_EQ(collector.window_sum(sales_, 0, Part::kBreached, Span::k15m, kT0 + 400 * kSec), 1);
  EXPECT_EQ(collector.count(sales_, 0, Part::kBreached), 1u);
}

TEST_F(ServiceLevel, ThresholdLabelsAreSecondsAndTheTargetIsForTheTargetThreshold) {
  state::QueueSettings fast;
  fast.sl_thresholds_ms = {500, 1'250};
  fast.sl_target = 0.95;
  fast.sl_target_index = 0;
  model_.queues.Declare("fast", fast);
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(Value(families, "callcenter_service_level_breached_total",
                  {{"queue", "fast"}, {"threshold", "0.5"}}),
            0.0);
  EXPECT_EQ(Value(families, "callcenter_service_level_breached_total",
                  {{"queue", "fast"}, {"threshold", "1.25"}}),
            0.0);
  EXPECT_EQ(Value(families, "callcenter_service_level_target_ratio",
                  {{"queue", "fast"}, {"threshold", "0.5"}}),
            0.95);
  EXPECT_EQ(Value(families, "callcenter_service_level_target_ratio",
                  {{"queue", "sales"}, {"threshold", "60"}}),
            0.9);
  EXPECT_EQ(SeriesCount(families, "callcenter_service_level_target_ratio"), 2u);
  // 2 + 2 thresholds, each part.
  EXPECT_EQ(SeriesCount(families, "callcenter_service_level_short_abandoned_within_total"), 4u);
}

TEST_F(ServiceLevel, QueueGivenNewThresholdsRestartsItsCountsForThem) {
  ServiceLevelCollector collector(CollectorOptions{}, model_);
  FeedScenario(&collector);
  state::QueueSettings changed = model_.queues.Settings(sales_);
  changed.sl_thresholds_ms = {30'000};
  changed.sl_target_index = 0;
  model_.queues.Declare("sales", changed);
  // Before any fact: the new threshold at 0, the old ones gone.
  auto families = Scrape(collector, model_, kT0 + 100 * kSec);
  EXPECT_EQ(Value(families, "callcenter_service_level_answered_within_total",
                  {{"queue", "sales"}, {"threshold", "30"}}),
            0.0);
  EXPECT_FALSE(Value(families, "callcenter_service_level_answered_within_total",
                     {{"queue", "sales"}, {"threshold", "20"}}));
  collector.OnFact(Outcome(FactType::kAnswered, kT0 + 100 * kSec, 25 * kSec));
  families = Scrape(collector, model_, kT0 + 125 * kSec);
  EXPECT_EQ(Value(families, "callcenter_service_level_answered_within_total",
                  {{"queue", "sales"}, {"threshold", "30"}}),
            1.0);
  EXPECT_EQ(Ratio(families, "30", "5m"), 1.0);
}

}  // namespace
}  // namespace ccmon::collectors
