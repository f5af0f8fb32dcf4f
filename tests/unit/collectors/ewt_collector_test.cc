// EwtCollector: the expected-wait method on hand-built situations, and the collector fed by the
// real Lifecycle: a prediction stored at each arrival, scored against the actual wait at the
// answer (histogram, bias, absolute error), dropped unscored at other outcomes; the gauge for a
// contact arriving now.
#include "collectors/ewt_collector.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/erlang.h"
#include "daemon/state/lifecycle.h"
#include "tests/testing/event_builder.h"
#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::FindMetric;
using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::AgentState;

constexpr UnixMs kBase = 1'700'000'100'000;

TEST(ExpectedWait, IsZeroWhenAFreeAgentIsLeftForTheNewcomer) {
  EwtSituation s;
  s.ahead = 2;
  s.staffed = 5;
  s.free = 3;  // Three free agents: two for those ahead, one for the newcomer.
  EXPECT_EQ(ExpectedWaitSeconds(s), 0.0);  // Even without a handle time.
}

TEST(ExpectedWait, WithoutAbandonsIsPositionTimesHandleTimeOverAgents) {
  EwtSituation s;
  s.ahead = 4;
  s.staffed = 3;
  s.free = 1;             // Takes the first caller ahead: 3 remain ahead.
  s.handle_time_s = 180;  // Nμ = 1/60 per second.
  EXPECT_NEAR(*ExpectedWaitSeconds(s), 4 * 60.0, 1e-9);  // (3 + 1)·AHT/N.
}

TEST(ExpectedWait, AbandonsAheadShortenTheWait) {
  EwtSituation s;
  s.ahead = 2;
  s.staffed = 2;
  s.handle_time_s = 100;  // Nμ = 0.02/s.
  s.patience_s = 50;      // θ = 0.02/s.
  // 1/0.02 + 1/0.04 + 1/0.06.
  EXPECT_NEAR(*ExpectedWaitSeconds(s), 50 + 25 + 50.0 / 3, 1e-9);
}

TEST(ExpectedWait, LongQueuesUseTheClosedFormAndAgreeWithTheSum) {
  for (const double patience : {30.0, 600.0, 1e7, 1e12}) {
    for (const std::int64_t ahead : {64, 65, 500, 5000}) {
      double sum = 0;
      const double n_mu = 20.0 / 240;
      for (std::int64_t i = 0; i <= ahead; ++i)
        sum += 1 / (n_mu + static_cast<double>(i) / patience);
      EXPECT_NEAR(erlang::ExpectedWaitBehind(ahead, 20, 240, patience), sum, 1e-9 * sum)
          << patience << " " << ahead;
    }
  }
}

TEST(ExpectedWait, WithNobodyStaffedFallsBackToTheOldestWaitOrNothing) {
  EwtSituation s;
  s.handle_time_s = 100;
  EXPECT_FALSE(ExpectedWaitSeconds(s));
  s.ahead = 3;
  s.oldest_wait_s = 42;
  EXPECT_EQ(ExpectedWaitSeconds(s), 42.0);
}

TEST(ExpectedWait, TheAnswerDelayIsAddedWhetherAnAgentIsFreeOrNot) {
  EwtSituation s;
  s.staffed = 2;
  s.free = 1;
  s.handle_time_s = 90;
  s.answer_delay_s = 4;
  EXPECT_EQ(ExpectedWaitSeconds(s), 4.0);
  EXPECT_TRUE(AgentFreeFor(s));
  s.free = 0;
  EXPECT_FALSE(AgentFreeFor(s));
  EXPECT_NEAR(*ExpectedWaitSeconds(s), 45 + 4, 1e-9);
}

TEST(ExpectedWait, NoHandleTimeNoPrediction) {
  EwtSituation s;
  s.ahead = 1;
  s.staffed = 2;
  EXPECT_FALSE(ExpectedWaitSeconds(s));
}

class Ewt : public ::testing::Test, public state::FactSink {
 protected:
  Ewt() : model_(state::QueueRegistryOptions{}) {
    sales_ = model_.queues.Declare("sales", state::QueueSettings{});
    model_.queues.Declare("idle", state::QueueSettings{});
    source_ = model_.sources.Resolve("sim");
    events_ = std::make_unique<testing::EventBuilder>(source_, kBase);
    collector_ = std::make_unique<EwtCollector>(CollectorOptions{}, model_);
    lifecycle_ = std::make_unique<state::Lifecycle>(&model_, this);
  }

  void OnFact(const state::Fact& fact) override { collector_->OnFact(fact); }
  void Apply(state::Event e) { lifecycle_->Apply(e); }
  std::optional<double> Prediction(const char* id) const {
    return collector_->PredictionFor(source_, id);
  }
  std::vector<prometheus::MetricFamily> ScrapeAt(double t) const {
    return Scrape(*collector_, model_, events_->At(t));
  }

  // Two agents serving sales; c1 queued at 0 finds both free, is answered at 1 s (the answer delay
  // is 1 s from then on), talks 60 s and wraps up 30 s (AHT 90 s). At 100 s both agents are on
  // contacts.
  void Warm() {
    Apply(events_->Agent(0, "a1", AgentState::kAvailable, {"sales"}));
    Apply(events_->Agent(0, "a2", AgentState::kAvailable, {"sales"}));
    Apply(events_->Queued(0, "c1", "sales"));
    EXPECT_EQ(Prediction("c1"), 0.0);
    Apply(events_->Answered(1, "c1", "sales"));
    Apply(events_->Ended(61, "c1", "sales"));
    Apply(events_->WrapUp(91, "c1", "sales"));
    Apply(events_->Agent(100, "a1", AgentState::kOnContact, {"sales"}));
    Apply(events_->Agent(100, "a2", AgentState::kOnContact, {"sales"}));
  }

  state::Model model_;
  state::QueueId sales_;
  state::SourceId source_;
  std::unique_ptr<testing::EventBuilder> events_;
  std::unique_ptr<EwtCollector> collector_;
  std::unique_ptr<state::Lifecycle> lifecycle_;
};

TEST_F(Ewt, PredictsAtArrivalAndScoresAgainstTheActualWaitWhenAnswered) {
  Warm();
  // Both agents busy, AHT 90 s, no abandons yet: Nμ = 1/45 per second; answer delay 1 s.
  Apply(events_->Queued(110, "c2", "sales"));
  EXPECT_NEAR(*Prediction("c2"), 45 + 1, 1e-4);  // Nobody ahead: one departure.
  Apply(events_->Queued(120, "c3", "sales"));
  EXPECT_NEAR(*Prediction("c3"), 90 + 1, 1e-4);  // One ahead: two departures.
  EXPECT_EQ(collector_->pending_predictions(), 2u);

  Apply(events_->Answered(140, "c2", "sales"));   // Waited 30 s: error +16 s.
  Apply(events_->Abandoned(150, "c3", "sales"));  // Not scored.
  EXPECT_EQ(collector_->pending_predictions(), 0u);
  EXPECT_FALSE(Prediction("c3"));

  const EwtCollector::ErrorTotals totals = collector_->error_totals(sales_);
  EXPECT_EQ(totals.count, 2u);  // c1 (predicted 0, waited 1 s: −1) and c2 (+16).
  EXPECT_NEAR(totals.sum_s, 15, 1e-4);
  EXPECT_NEAR(totals.sum_abs_s, 17, 1e-4);

  const auto f = ScrapeAt(150);
  const prometheus::ClientMetric* h =
      FindMetric(f, "callcenter_ewt_error_seconds", {{"queue", "sales"}});
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->histogram.sample_count, 2u);
  EXPECT_NEAR(h->histogram.sample_sum, 15, 1e-4);
  auto cumulative = [&](double le) {
    for (const auto& b : h->histogram.bucket) {
      if (b.upper_bound == le) return static_cast<double>(b.cumulative_count);
    }
    return -1.0;
  };
  EXPECT_EQ(cumulative(-5), 0);
  EXPECT_EQ(cumulative(-1), 1);  // −1 is in le="-1".
  EXPECT_EQ(cumulative(10), 1);
  EXPECT_EQ(cumulative(30), 2);
  EXPECT_EQ(cumulative(std::numeric_limits<double>::infinity()), 2);
  EXPECT_NEAR(*Value(f, "callcenter_ewt_bias_seconds", {{"queue", "sales"}}), 7.5, 1e-3);
  EXPECT_NEAR(*Value(f, "callcenter_ewt_absolute_error_seconds", {{"queue", "sales"}}), 8.5, 1e-3);
  // Idle has its histogram at zero and no window gauges.
  EXPECT_EQ(SeriesCount(f, "callcenter_ewt_error_seconds"), 2u);
  EXPECT_FALSE(Value(f, "callcenter_ewt_bias_seconds", {{"queue", "idle"}}));
}

TEST_F(Ewt, GaugeIsTheWaitOfAContactArrivingNowWithPatienceFromTheWindow) {
  Warm();
  Apply(events_->Queued(110, "c2", "sales"));
  Apply(events_->Queued(120, "c3", "sales"));
  Apply(events_->Abandoned(130, "c3", "sales"));  // θ = 1 abandon / exposure.
  // Exposure at 150 s: c1 1 s, c2 40 s (still waiting), c3 10 s = 51 s → θ = 1/51.
  const double n_mu = 2.0 / 90;
  const double theta = 1.0 / 51;
  // A contact arriving at 150 s finds c2 ahead: 1/Nμ + 1/(Nμ + θ), plus the 1 s answer delay.
  EXPECT_NEAR(*Value(ScrapeAt(150), "callcenter_queue_expected_wait_seconds", {{"queue", "sales"}}),
              1 / n_mu + 1 / (n_mu + theta) + 1, 1e-9);
  // No handle time in idle and nobody staffed there: no gauge.
  EXPECT_FALSE(Value(ScrapeAt(150), "callcenter_queue_expected_wait_seconds", {{"queue", "idle"}}));
}

TEST_F(Ewt, WithEveryAgentGoneTheOldestWaitIsThePrediction) {
  Warm();
  Apply(events_->Agent(100, "a1", AgentState::kLoggedOut, {"sales"}));
  Apply(events_->Agent(100, "a2", AgentState::kNotReady, {"sales"}));
  Apply(events_->Queued(110, "c2", "sales"));
  EXPECT_FALSE(Prediction("c2")) << "nobody staffed and nobody ahead";
  Apply(events_->Queued(130, "c3", "sales"));
  EXPECT_NEAR(*Prediction("c3"), 20, 1e-4) << "c2 has waited 20 s";
  EXPECT_NEAR(*Value(ScrapeAt(140), "callcenter_queue_expected_wait_seconds", {{"queue", "sales"}}),
              30, 1e-9);
}

TEST_F(Ewt, TheWaitOfContactsThatFoundAnAgentFreeBecomesTheAnswerDelay) {
  Warm();  // c1 found an agent free and waited 1 s.
  Apply(events_->Agent(100, "a1", AgentState::kAvailable, {"sales"}));
  Apply(events_->Queued(110, "c2", "sales"));
  EXPECT_NEAR(*Prediction("c2"), 1, 1e-6) << "a1 is free; answers took 1 s so far";
  Apply(events_->Answered(115, "c2", "sales", "a1"));  // 5 s: the delay is now (1 + 5)/2.
  Apply(events_->Agent(115, "a1", AgentState::kOnContact, {"sales"}));
  Apply(events_->Queued(120, "c3", "sales"));
  EXPECT_NEAR(*Prediction("c3"), 45 + 3, 1e-4) << "both busy: one departure plus the delay";
}

TEST_F(Ewt, AContactOfHigherPriorityIsNotBehindLowerPriorityOnes) {
  Warm();
  Apply(events_->Queued(110, "low1", "sales"));
  Apply(events_->Queued(111, "low2", "sales"));
  auto vip = events_->Queued(112, "vip", "sales");
  vip.priority = 10;
  Apply(vip);
  EXPECT_NEAR(*Prediction("vip"), 45 + 1, 1e-4) << "nobody of its priority ahead";
  Apply(events_->Queued(113, "low3", "sales"));
  EXPECT_NEAR(*Prediction("low3"), 4 * 45 + 1, 1e-4) << "three ahead, the VIP included";
  // The VIP is answered; a new VIP again finds nobody of its priority ahead, a normal contact
  // finds the three low ones.
  Apply(events_->Answered(120, "vip", "sales"));
  auto vip2 = events_->Queued(121, "vip2", "sales");
  vip2.priority = 10;
  Apply(vip2);
  EXPECT_NEAR(*Prediction("vip2"), 45 + 1, 1e-4);
  EXPECT_NEAR(*Value(ScrapeAt(122), "callcenter_queue_expected_wait_seconds", {{"queue", "sales"}}),
              5 * 45 + 1, 1e-4)
      << "a priority-0 contact arriving now: low1-3 and vip2 ahead";
}

TEST_F(Ewt, ATransferredContactIsPredictedAgainInItsNewQueueAndScoredThere) {
  Warm();
  Apply(events_->Agent(100, "b1", AgentState::kAvailable, {"idle"}));
  Apply(events_->Queued(110, "c2", "sales"));
  ASSERT_TRUE(Prediction("c2"));
  Apply(events_->Transferred(120, "c2", "sales", "idle"));
  EXPECT_FALSE(Prediction("c2")) << "the sales stay ended unanswered";
  auto queued = events_->Queued(120, "c2", "idle");
  queued.transferred_from_queue = "sales";
  Apply(queued);
  EXPECT_EQ(Prediction("c2"), 0.0) << "b1 is free in idle";
  Apply(events_->Answered(125, "c2", "idle", "b1"));
  EXPECT_EQ(collector_->error_totals(model_.queues.Find("idle")).count, 1u);
  EXPECT_NEAR(collector_->error_totals(model_.queues.Find("idle")).sum_s, -5, 1e-6);
  EXPECT_EQ(collector_->error_totals(sales_).count, 1u);  // Only c1.
}

TEST(EwtShared, ReadingTheStaffingCollectorsEstimatesPredictsTheSameAsKeepingItsOwn) {
  state::Model model(state::QueueRegistryOptions{});
  model.queues.Declare("sales", state::QueueSettings{});
  const state::SourceId source = model.sources.Resolve("sim");
  StaffingCollector staffing(CollectorOptions{}, model);
  EwtCollector shared(CollectorOptions{}, model, &staffing.estimator());
  EwtCollector standalone(CollectorOptions{}, model);
  struct Fanout : state::FactSink {
    std::vector<Collector*> to;
    void OnFact(const state::Fact& f) override {
      for (Collector* c : to) c->OnFact(f);
    }
  } fanout;
  fanout.to = {&staffing, &shared, &standalone};
  state::Lifecycle lifecycle(&model, &fanout);
  testing::EventBuilder e(source, kBase);
  lifecycle.Apply(e.Agent(0, "a1", AgentState::kAvailable, {"sales"}));
  lifecycle.Apply(e.Queued(0, "c1", "sales"));
  lifecycle.Apply(e.Answered(2, "c1", "sales"));
  lifecycle.Apply(e.Agent(2, "a1", AgentState::kOnContact, {"sales"}));
  lifecycle.Apply(e.Queued(10, "c2", "sales"));
  lifecycle.Apply(e.Queued(20, "c3", "sales"));
  lifecycle.Apply(e.Abandoned(40, "c3", "sales"));
  lifecycle.Apply(e.Ended(62, "c1", "sales"));
  lifecycle.Apply(e.WrapUp(70, "c1", "sales"));
  lifecycle.Apply(e.Queued(80, "c4", "sales"));
  lifecycle.Apply(e.Queued(81, "c5", "sales"));
  for (const char* id : {"c2", "c4", "c5"}) {
    EXPECT_EQ(shared.PredictionFor(source, id), standalone.PredictionFor(source, id)) << id;
  }
  ASSERT_TRUE(shared.PredictionFor(source, "c5"));
  EXPECT_GT(*shared.PredictionFor(source, "c5"), *shared.PredictionFor(source, "c4"));
  EXPECT_EQ(shared.ExpectedWaitNow(0, e.At(90)), standalone.ExpectedWaitNow(0, e.At(90)));
}

}  // namespace
}  // namespace ccmon::collectors
