// StaffingCollector (and its QueueLoadEstimator) from canonical events applied by the real
// Lifecycle: arrival rate, handle time and patience over the estimation window computed by hand,
// the window sliding, agents staffed, and the Erlang predictions wired to the queue's target and
// the daemon's SL formula.
#include "collectors/staffing_collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "daemon/state/lifecycle.h"
#include "tests/testing/event_builder.h"
#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::AgentState;

// A whole multiple of the 15-second buckets of the default 15-minute window.
constexpr UnixMs kBase = 1'700'000'100'000;

class Staffing : public ::testing::Test, public state::FactSink {
 protected:
  explicit Staffing(CollectorOptions options = {}) : model_(state::QueueRegistryOptions{}) {
    state::QueueSettings sales;
    sales.sl_thresholds_ms = {20'000};
    sales.sl_target = 0.8;
    sales.short_abandon_ms = 5'000;
    model_.queues.Declare("sales", sales);
    model_.queues.Declare("idle", state::QueueSettings{});
    source_ = model_.sources.Resolve("sim");
    events_ = std::make_unique<testing::EventBuilder>(source_, kBase);
    collector_ = std::make_unique<StaffingCollector>(options, model_);
    lifecycle_ = std::make_unique<state::Lifecycle>(&model_, this);
  }

  void OnFact(const state::Fact& fact) override { collector_->OnFact(fact); }
  // Events are queued and applied in time order (as one source sends them) before each scrape,
  // so a scenario can be written contact by contact.
  void Apply(state::Event e) { script_.push_back(std::move(e)); }
  void Flush() {
    std::stable_sort(
        script_.begin(), script_.end(),
        [](const state::Event& a, const state::Event& b) { return a.time_ms < b.time_ms; });
    for (const state::Event& e : script_) lifecycle_->Apply(e);
    script_.clear();
  }

  // A contact queued at t, answered `wait` later, talking `talk`, then `acw` of wrap-up
  // (acw < 0: no wrap-up event at all).
  void Handled(double t, const std::string& id, double wait, double talk, double acw) {
    Apply(events_->Queued(t, id, "sales"));
    Apply(events_->Answered(t + wait, id, "sales"));
    Apply(events_->Ended(t + wait + talk, id, "sales"));
    if (acw >= 0) Apply(events_->WrapUp(t + wait + talk + acw, id, "sales"));
  }
  void Agents(double t, int n, AgentState s) {
    for (int i = 0; i < n; ++i) {
      Apply(events_->Agent(t, "a" + std::to_string(i), s, {"sales"}));
    }
  }

  std::vector<prometheus::MetricFamily> ScrapeAt(double t) {
    Flush();
    return Scrape(*collector_, model_, events_->At(t));
  }
  static std::optional<double> Sales(const std::vector<prometheus::MetricFamily>& f,
                                     const char* name, const char* model = nullptr) {
    scrape_lookup::Labels labels{{"queue", "sales"}};
    if (model != nullptr) labels["model"] = model;
    return Value(f, name, labels);
  }

  state::Model model_;
  state::SourceId source_;
  std::unique_ptr<testing::EventBuilder> events_;
  std::unique_ptr<StaffingCollector> collector_;
  std::unique_ptr<state::Lifecycle> lifecycle_;
  std::vector<state::Event> script_;
};

// Seconds from kBase; the first fact at 0:
//   c1 queued   0, answered  10 (wait 10), talk 120, wrap-up 30  → handle 150
//   c2 queued  20, abandoned 50 (wait 30)
//   c3 queued  40, answered  60 (wait 20), talk  40, wrap-up 10  → handle  50
//   c4 queued 200, still waiting at 300                           → 100 s so far
// At 300 s: span 300 s, 4 arrivals, AHT 100 s, 1 abandon over 160 s of waiting.
TEST_F(Staffing, EstimatesArrivalRateHandleTimeAndPatienceByHand) {
  Agents(0, 2, AgentState::kAvailable);
  Handled(0, "c1", 10, 120, 30);
  Apply(events_->Queued(20, "c2", "sales"));
  Apply(events_->Abandoned(50, "c2", "sales"));
  Handled(40, "c3", 20, 40, 10);
  Apply(events_->Queued(200, "c4", "sales"));

  const auto f = ScrapeAt(300);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_arrival_rate_per_second"), 4.0 / 300, 1e-12);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_handle_time_estimate_seconds"), 100, 1e-9);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_offered_load_erlangs"), 4.0 / 300 * 100, 1e-9);
  // Exposure 10 + 30 + 20 + 100 (c4, still waiting) = 160 s for one abandon.
  EXPECT_NEAR(*Sales(f, "callcenter_queue_patience_estimate_seconds"), 160, 1e-9);
  EXPECT_EQ(Sales(f, "callcenter_queue_agents_staffed"), 2.0);

  const QueueLoadEstimator::Estimate e =
      collector_->estimator().At(model_.queues.Find("sales"), events_->At(300));
  EXPECT_EQ(e.arrivals, 4);
  EXPECT_EQ(e.handled, 2);
  EXPECT_EQ(e.abandons, 1);
  EXPECT_NEAR(e.exposure_s, 160, 1e-9);
  EXPECT_NEAR(e.span_s, 300, 1e-9);

  // A second later c4 has waited one more second.
  EXPECT_NEAR(*Sales(ScrapeAt(301), "callcenter_queue_patience_estimate_seconds"), 161, 1e-9);
}

TEST_F(Staffing, PredictionsUseTheQueueTargetAndTheDaemonFormula) {
  Agents(0, 2, AgentState::kAvailable);
  Handled(0, "c1", 10, 120, 30);
  Apply(events_->Queued(20, "c2", "sales"));
  Apply(events_->Abandoned(50, "c2", "sales"));
  Handled(40, "c3", 20, 40, 10);
  Apply(events_->Queued(200, "c4", "sales"));
  const auto f = ScrapeAt(300);

  erlang::Inputs in;
  in.arrival_rate_per_s = 4.0 / 300;
  in.handle_time_s = 100;
  in.patience_s = 160;
  in.target_time_s = 20;
  in.short_abandon_s = 5;
  // Default formula: short abandons excluded (V5).
  const auto counting = erlang::AbandonCounting::kShortExcluded;
  for (erlang::Model m : {erlang::Model::kErlangC, erlang::Model::kErlangA}) {
    const char* name = erlang::ModelName(m);
    SCOPED_TRACE(name);
    const erlang::Prediction p = *erlang::Predict(m, in, 2);
    EXPECT_NEAR(*Sales(f, "callcenter_queue_predicted_service_level", name),
                erlang::ServiceLevel(p, counting), 1e-9);
    EXPECT_NEAR(*Sales(f, "callcenter_queue_predicted_asa_seconds", name), p.asa_s, 1e-9);
    EXPECT_EQ(*Sales(f, "callcenter_queue_agents_required", name),
              static_cast<double>(*erlang::AgentsRequired(m, in, 0.8, counting)));
  }
  const erlang::Prediction a = *erlang::Predict(erlang::Model::kErlangA, in, 2);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_predicted_abandon_ratio"), a.abandon_probability, 1e-12);
  EXPECT_GT(a.abandon_probability, 0);
}

class StaffingAbandonsNegative : public Staffing {
 protected:
  static CollectorOptions Options() {
    CollectorOptions o;
    o.sl_formula = SlFormula::kAbandonsNegative;
    return o;
  }
  StaffingAbandonsNegative() : Staffing(Options()) {}
};

TEST_F(StaffingAbandonsNegative, PredictedServiceLevelFollowsTheConfiguredFormula) {
  Agents(0, 1, AgentState::kAvailable);
  Handled(0, "c1", 10, 120, 30);
  Apply(events_->Queued(20, "c2", "sales"));
  Apply(events_->Abandoned(50, "c2", "sales"));
  erlang::Inputs in;
  in.arrival_rate_per_s = 2.0 / 200;
  in.handle_time_s = 150;
  in.patience_s = 40;  // Exposure 10 + 30.
  in.target_time_s = 20;
  in.short_abandon_s = 5;
  const erlang::Prediction p = *erlang::Predict(erlang::Model::kErlangA, in, 1);
  EXPECT_NEAR(*Sales(ScrapeAt(200), "callcenter_queue_predicted_service_level", "erlang_a"),
              p.service_level, 1e-12);
}

TEST_F(Staffing, WithoutWrapUpsHandleTimeIsTalkPlusHold) {
  Agents(0, 1, AgentState::kAvailable);
  Handled(0, "c1", 5, 60, -1);
  Handled(100, "c2", 5, 90, -1);
  const auto f = ScrapeAt(300);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_handle_time_estimate_seconds"), 75, 1e-9);
  // Once a wrap-up is in the window, only wrap-ups count.
  Apply(events_->WrapUp(310, "c2", "sales"));  // talk 90 + acw 115.
  EXPECT_NEAR(*Sales(ScrapeAt(320), "callcenter_queue_handle_time_estimate_seconds"), 205, 1e-9);
}

TEST_F(Staffing, TheWindowSlidesAndCountsOnlyWaitingInsideIt) {
  Agents(0, 1, AgentState::kAvailable);
  Apply(events_->Queued(0, "old", "sales"));      // Waits to the end.
  Apply(events_->Queued(590, "quick", "sales"));  // Abandons after 10 s.
  Apply(events_->Abandoned(600, "quick", "sales"));
  Handled(600, "h", 0, 30, 0);
  // At 1200 s the window covers the 60 buckets of 15 s ending with the one holding 1200 s:
  // [315 s, 1200 s], 885 s long.
  const auto f = ScrapeAt(1200);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_arrival_rate_per_second"), 2.0 / 885, 1e-12);
  // "old" waited 885 s inside the window, "quick" 10 s, "h" none.
  EXPECT_NEAR(*Sales(f, "callcenter_queue_patience_estimate_seconds"), 895, 1e-9);
  // Once the abandon and handled contact leave the window, only the rate of 0 arrivals is left.
  const auto later = ScrapeAt(1600);
  EXPECT_EQ(Sales(later, "callcenter_queue_arrival_rate_per_second"), 0.0);
  EXPECT_FALSE(Sales(later, "callcenter_queue_patience_estimate_seconds"));
  EXPECT_FALSE(Sales(later, "callcenter_queue_handle_time_estimate_seconds"));
  EXPECT_FALSE(Sales(later, "callcenter_queue_predicted_service_level", "erlang_c"));
}

TEST_F(Staffing, NothingButStaffingBeforeAnyFactAndNoPredictionsWithoutAHandledContact) {
  auto f = ScrapeAt(0);
  EXPECT_EQ(Value(f, "callcenter_queue_agents_staffed", {{"queue", "idle"}}), 0.0);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_agents_staffed"), 2u);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_arrival_rate_per_second"), 0u);

  Apply(events_->Queued(0, "c1", "sales"));
  Apply(events_->Abandoned(30, "c1", "sales"));
  f = ScrapeAt(60);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_arrival_rate_per_second"), 1.0 / 60, 1e-12);
  EXPECT_EQ(Value(f, "callcenter_queue_arrival_rate_per_second", {{"queue", "idle"}}), 0.0);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_patience_estimate_seconds"), 30, 1e-9);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_handle_time_estimate_seconds"), 0u);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_agents_required"), 0u);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_predicted_service_level"), 0u);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_predicted_abandon_ratio"), 0u);
}

TEST_F(Staffing, StaffedCountsAgentsWhoCanTakeContactsOnly) {
  Apply(events_->Agent(0, "free", AgentState::kAvailable, {"sales"}));
  Apply(events_->Agent(0, "ringing", AgentState::kReserved, {"sales"}));
  Apply(events_->Agent(0, "talking", AgentState::kOnContact, {"sales", "idle"}));
  Apply(events_->Agent(0, "wrapping", AgentState::kAfterContactWork, {"sales"}));
  Apply(events_->Agent(0, "break", AgentState::kNotReady, {"sales"}));
  Apply(events_->Agent(0, "gone", AgentState::kLoggedOut, {"sales"}));
  const auto f = ScrapeAt(1);
  EXPECT_EQ(Sales(f, "callcenter_queue_agents_staffed"), 4.0);
  EXPECT_EQ(Value(f, "callcenter_queue_agents_staffed", {{"queue", "idle"}}), 1.0);
}

TEST_F(Staffing, WithNobodyStaffedNothingIsAnsweredAndEveryoneAbandons) {
  Agents(0, 1, AgentState::kAvailable);
  Handled(0, "c1", 10, 120, 30);
  Apply(events_->Queued(20, "c2", "sales"));
  Apply(events_->Abandoned(50, "c2", "sales"));
  Agents(200, 1, AgentState::kNotReady);
  const auto f = ScrapeAt(300);
  EXPECT_EQ(Sales(f, "callcenter_queue_agents_staffed"), 0.0);
  EXPECT_EQ(Sales(f, "callcenter_queue_predicted_service_level", "erlang_c"), 0.0);
  EXPECT_EQ(Sales(f, "callcenter_queue_predicted_service_level", "erlang_a"), 0.0);
  EXPECT_EQ(Sales(f, "callcenter_queue_predicted_abandon_ratio"), 1.0);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_predicted_asa_seconds"), 0u);
  // What would be needed is still shown.
  EXPECT_GE(*Sales(f, "callcenter_queue_agents_required", "erlang_c"), 1.0);
  EXPECT_GE(*Sales(f, "callcenter_queue_agents_required", "erlang_a"), 1.0);
}

TEST_F(Staffing, OverloadWithoutAbandonsHasNoErlangCSteadyState) {
  Agents(0, 1, AgentState::kAvailable);
  // Three arrivals in 150 s with a 150 s handle time: A = 3 on one agent, no abandons.
  Handled(0, "c1", 0, 120, 30);
  Apply(events_->Queued(50, "c2", "sales"));
  Apply(events_->Queued(140, "c3", "sales"));
  const auto f = ScrapeAt(150);
  EXPECT_NEAR(*Sales(f, "callcenter_queue_offered_load_erlangs"), 3.0, 1e-9);
  EXPECT_FALSE(Sales(f, "callcenter_queue_patience_estimate_seconds"));
  EXPECT_EQ(Sales(f, "callcenter_queue_predicted_service_level", "erlang_c"), 0.0);
  EXPECT_FALSE(Sales(f, "callcenter_queue_predicted_asa_seconds", "erlang_c"));
  // θ = 0: Erlang A is Erlang C, equally without a steady state; no abandon ratio.
  EXPECT_EQ(Sales(f, "callcenter_queue_predicted_service_level", "erlang_a"), 0.0);
  EXPECT_FALSE(Sales(f, "callcenter_queue_predicted_asa_seconds", "erlang_a"));
  EXPECT_FALSE(Sales(f, "callcenter_queue_predicted_abandon_ratio"));
  erlang::Inputs in;
  in.arrival_rate_per_s = 0.02;
  in.handle_time_s = 150;
  in.target_time_s = 20;
  in.short_abandon_s = 5;
  const std::int64_t required = *erlang::AgentsRequired(erlang::Model::kErlangC, in, 0.8);
  EXPECT_GT(required, 3);
  EXPECT_EQ(Sales(f, "callcenter_queue_agents_required", "erlang_c"),
            static_cast<double>(required));
  EXPECT_EQ(Sales(f, "callcenter_queue_agents_required", "erlang_a"),
            static_cast<double>(required));
}

TEST(EstimationWindowTest, AddSpreadSplitsTimeAcrossBucketsAndForgetsWhatLeft) {
  EstimationWindow<1> w(60'000);  // 60 buckets of 1 s.
  w.AddSpread(500, 2'500, 0, 2);  // 2 contacts waiting 2 s: 1000 + 2000 + 1000 contact-ms.
  EXPECT_EQ(w.Sum(0, 2'999), 4'000);
  EXPECT_EQ(w.WindowStart(2'999), -57'000);
  // At 60.5 s the window is [1 s, 60.5 s]: bucket 0 (its 1000 contact-ms) has left.
  EXPECT_EQ(w.Sum(0, 60'500), 3'000);
  w.Add(61'000, 0, 5);
  EXPECT_EQ(w.Sum(0, 61'000), 1'000 + 5);
  // Too old to enter.
  w.Add(500, 0, 100);
  EXPECT_EQ(w.Sum(0, 61'000), 1'005);
}

TEST(EstimationWindowTest, RunningTotalsAgreeWithSummingTheBucketsAtRandom) {
  // Reference: every accepted contribution with its bucket; the window at `now` sums those in the
  // 60 buckets ending at now's. Times mostly move forward, sometimes jump or step back.
  constexpr std::int64_t kBucketMs = 1000;
  EstimationWindow<2> w(60 * kBucketMs);
  struct Piece {
    std::int64_t bucket;
    int index;
    std::int64_t amount;
  };
  std::vector<Piece> pieces;
  std::int64_t head = std::numeric_limits<std::int64_t>::min();
  std::mt19937_64 rng(7);
  UnixMs t = 1'000'000;
  for (int step = 0; step < 20'000; ++step) {
    const std::uint64_t r = rng() % 100;
    t += r < 80   ? static_cast<UnixMs>(rng() % 700)
         : r < 90 ? static_cast<UnixMs>(rng() % 90'000)
                  : -static_cast<UnixMs>(rng() % 5'000);
    const int index = static_cast<int>(rng() % 2);
    const std::int64_t amount = static_cast<std::int64_t>(rng() % 10) + 1;
    const std::int64_t b = t / kBucketMs;
    head = std::max(head, b);
    w.Add(t, index, amount);
    if (b > head - 60) pieces.push_back({b, index, amount});
    if (step % 37 == 0) {
      const UnixMs now = t + static_cast<UnixMs>(rng() % 3'000);
      const std::int64_t n = now / kBucketMs;
      for (int i = 0; i < 2; ++i) {
        std::int64_t want = 0;
        for (const Piece& p : pieces) {
          // Held by the window (not overwritten since: within 60 of the head) and inside [n−59, n].
          if (p.index == i && p.bucket > head - 60 && p.bucket > n - 60 && p.bucket <= n) {
            want += p.amount;
          }
        }
        ASSERT_EQ(w.Sum(i, now), want) << "step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace ccmon::collectors
