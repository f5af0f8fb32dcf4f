// AgentActivityCollector from agent events applied by the real Lifecycle (so the AgentTable holds
// what it holds in production when each fact arrives). Every expected value is computed by hand
// in the comments: agent-seconds per state in exact sliding windows (ongoing states included,
// states cut at the window edge), occupancy and utilisation, time in state, multi-queue agents,
// and the opt-in per-agent series with their cap.
#include "collectors/agent_activity_collector.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>

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
using Span = SlidingWindow::Span;

constexpr UnixMs kSec = 1000;
constexpr UnixMs kT0 = 1'700'000'000 * kSec;  // A whole second.

std::uint64_t Bucket(const prometheus::ClientMetric& m, double le) {
  for (const auto& b : m.histogram.bucket) {
    if (b.upper_bound == le) return b.cumulative_count;
  }
  ADD_FAILURE() << "no bucket le=" << le;
  return 0;
}

class AgentActivity : public ::testing::Test, public state::FactSink {
 protected:
  AgentActivity() : model_(state::QueueRegistryOptions{}), events_(0, kT0) {
    sales_ = model_.queues.Declare("sales", state::QueueSettings{});
    support_ = model_.queues.Declare("support", state::QueueSettings{});
    source_ = model_.sources.Resolve("sim");
    events_ = testing::EventBuilder(source_, kT0);
    options_.agents.state_duration_buckets_s = {10, 60, 120, 300};
  }

  // Builds the collector (after any agents restored into the model) and the Lifecycle feeding it.
  void Start() {
    collector_ = std::make_unique<AgentActivityCollector>(options_, model_);
    lifecycle_ = std::make_unique<state::Lifecycle>(&model_, this);
  }
  void OnFact(const state::Fact& fact) override { collector_->OnFact(fact); }

  // Applies an agent event at T0 + t seconds and advances the event clock as the engine does.
  void Agent(double t, const char* agent, AgentState s, std::vector<std::string> queues = {}) {
    lifecycle_->Apply(events_.Agent(t, agent, s, std::move(queues)));
    Advance(t);
  }
  void Advance(double t) {
    now_ = std::max(now_, events_.At(t));
    collector_->OnAdvance(now_);
  }

  // The scenario (times in seconds from T0):
  //   ann serves sales and support: available at 0, on_contact 60, after_contact_work 180,
  //       available 210
  //   bob serves sales: not_ready at 30, available 90, reserved 150, on_contact 155
  void FeedScenario() {
    Agent(0, "ann", AgentState::kAvailable, {"sales", "support"});
    Agent(30, "bob", AgentState::kNotReady, {"sales"});
    Agent(60, "ann", AgentState::kOnContact);
    Agent(90, "bob", AgentState::kAvailable);
    Agent(150, "bob", AgentState::kReserved);
    Agent(155, "bob", AgentState::kOnContact);
    Agent(180, "ann", AgentState::kAfterContactWork);
    Agent(210, "ann", AgentState::kAvailable);
  }

  double Seconds(state::QueueId q, AgentState s, Span span, UnixMs now) const {
    return static_cast<double>(collector_->StateMs(q, s, span, now)) / 1000.0;
  }

  state::Model model_;
  state::QueueId sales_;
  state::QueueId support_;
  state::SourceId source_;
  testing::EventBuilder events_;
  CollectorOptions options_;
  std::unique_ptr<AgentActivityCollector> collector_;
  std::unique_ptr<state::Lifecycle> lifecycle_;
  UnixMs now_ = 0;
};

TEST_F(AgentActivity, AgentSecondsPerStateIncludeEveryOngoingStateUpToNow) {
  Start();
  FeedScenario();
  Advance(300);
  const auto families = Scrape(*collector_, model_, kT0 + 300 * kSec);
  auto queue = [&](const char* q, const char* s, const char* w) {
    return Value(families, "callcenter_queue_agent_state_seconds",
                 {{"queue", q}, {"state", s}, {"window", w}});
  };
  // 5m = (T0, T0 + 300 s] holds everything since the first event.
  //   ann: available [0, 60) + [210, 300] = 150; on_contact [60, 180) = 120; ACW [180, 210) = 30
  //   bob: not_ready [30, 90) = 60; available [90, 150) = 60; reserved [150, 155) = 5;
  //        on_contact [155, 300] = 145 (ongoing)
  // sales (ann + bob): available 210, reserved 5, on_contact 265, ACW 30, not_ready 60.
  EXPECT_EQ(queue("sales", "available", "5m"), 210.0);
  EXPECT_EQ(queue("sales", "reserved", "5m"), 5.0);
  EXPECT_EQ(queue("sales", "on_contact", "5m"), 265.0);
  EXPECT_EQ(queue("sales", "after_contact_work", "5m"), 30.0);
  EXPECT_EQ(queue("sales", "not_ready", "5m"), 60.0);
  // support (ann only): available 150, on_contact 120, ACW 30.
  EXPECT_EQ(queue("support", "available", "5m"), 150.0);
  EXPECT_EQ(queue("support", "on_contact", "5m"), 120.0);
  EXPECT_EQ(queue("support", "after_contact_work", "5m"), 30.0);
  EXPECT_EQ(queue("support", "not_ready", "5m"), 0.0);
  // The longer windows hold the same history.
  EXPECT_EQ(queue("sales", "on_contact", "15m"), 265.0);
  EXPECT_EQ(queue("sales", "on_contact", "1h"), 265.0);
  // 2 queues × 5 logged-in states × 3 windows; logged_out is not a state here.
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_agent_state_seconds"), 30u);
  // Distinct agents: ann counts once although she serves two queues; same as sales here.
  EXPECT_EQ(
      Value(families, "callcenter_agent_state_seconds", {{"state", "available"}, {"window", "5m"}}),
      210.0);
  EXPECT_EQ(Value(families, "callcenter_agent_state_seconds",
                  {{"state", "on_contact"}, {"window", "5m"}}),
            265.0);
}

TEST_F(AgentActivity, OccupancyCountsAfterContactWorkAsBusyAndUtilisationAddsNotReady) {
  Start();
  FeedScenario();
  Advance(300);
  const auto families = Scrape(*collector_, model_, kT0 + 300 * kSec);
  auto ratio = [&](const char* name, const char* q, const char* w) {
    return Value(families, name, {{"queue", q}, {"window", w}});
  };
  // sales: busy = on_contact 265 + ACW 30 = 295; ready = available 210 + reserved 5 = 215;
  // occupancy = 295 / 510; utilisation = 295 / (510 + not_ready 60) = 295 / 570.
  EXPECT_DOUBLE_EQ(*ratio("callcenter_queue_agent_occupancy_ratio", "sales", "5m"), 295.0 / 510);
  EXPECT_DOUBLE_EQ(*ratio("callcenter_queue_agent_utilisation_ratio", "sales", "5m"), 295.0 / 570);
  // support: busy 150, ready 150, no not_ready → 0.5 both.
  EXPECT_DOUBLE_EQ(*ratio("callcenter_queue_agent_occupancy_ratio", "support", "5m"), 0.5);
  EXPECT_DOUBLE_EQ(*ratio("callcenter_queue_agent_utilisation_ratio", "support", "5m"), 0.5);
  // All agents once each: the same as sales.
  EXPECT_DOUBLE_EQ(*Value(families, "callcenter_agent_occupancy_ratio", {{"window", "1h"}}),
                   295.0 / 510);
  EXPECT_DOUBLE_EQ(*Value(families, "callcenter_agent_utilisation_ratio", {{"window", "1h"}}),
                   295.0 / 570);
}

TEST_F(AgentActivity, WindowCutsStatesThatStartedBeforeItsFarEdge) {
  Start();
  FeedScenario();
  Advance(400);
  const UnixMs now = kT0 + 400 * kSec;
  // 5m = (T0 + 100 s, T0 + 400 s]:
  //   ann: on_contact [100, 180) = 80; ACW 30; available [210, 400] = 190
  //   bob: available [100, 150) = 50; reserved 5; on_contact [155, 400] = 245
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k5m, now), 240.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kReserved, Span::k5m, now), 5.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kOnContact, Span::k5m, now), 325.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kAfterContactWork, Span::k5m, now), 30.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kNotReady, Span::k5m, now), 0.0);
  // 15m still holds everything: available 60 + 190 + 60 = 310, on_contact 120 + 245 = 365.
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k15m, now), 310.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kOnContact, Span::k15m, now), 365.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kNotReady, Span::k15m, now), 60.0);
  const auto families = Scrape(*collector_, model_, now);
  // busy 355, ready 245, not_ready 0: occupancy = utilisation = 355 / 600.
  EXPECT_DOUBLE_EQ(*Value(families, "callcenter_queue_agent_occupancy_ratio",
                          {{"queue", "sales"}, {"window", "5m"}}),
                   355.0 / 600);
  EXPECT_DOUBLE_EQ(*Value(families, "callcenter_queue_agent_utilisation_ratio",
                          {{"queue", "sales"}, {"window", "5m"}}),
                   355.0 / 600);
}

TEST_F(AgentActivity, ScrapeInsideASecondRoundsTheFarEdgeUpLikeEveryWindow) {
  Start();
  FeedScenario();
  const UnixMs now = kT0 + 300'500;
  // ⌈now⌉ = T0 + 301 s, so 5m = (T0 + 1 s, T0 + 300.5 s]:
  //   available: ann [1, 60) = 59 + [210, 300.5] = 90.5; bob [90, 150) = 60 → 209.5
  //   on_contact: ann 120 + bob [155, 300.5] = 145.5 → 265.5
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k5m, now), 209.5);
  EXPECT_EQ(Seconds(sales_, AgentState::kOnContact, Span::k5m, now), 265.5);
}

TEST_F(AgentActivity, StatesLongerThanTheWindowFillItExactly) {
  Start();
  Agent(0, "ann", AgentState::kAvailable, {"sales"});
  // Two hours later, with the clock moved by other sources' events only.
  Advance(7200);
  const UnixMs now = kT0 + 7200 * kSec;
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k5m, now), 300.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k15m, now), 900.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k1h, now), 3600.0);
  const auto families = Scrape(*collector_, model_, now);
  // Logged in but never busy: occupancy and utilisation are 0, not absent.
  EXPECT_EQ(Value(families, "callcenter_queue_agent_occupancy_ratio",
                  {{"queue", "sales"}, {"window", "1h"}}),
            0.0);
  EXPECT_EQ(Value(families, "callcenter_queue_agent_utilisation_ratio",
                  {{"queue", "sales"}, {"window", "1h"}}),
            0.0);
}

TEST_F(AgentActivity, RatiosAreAbsentWithoutLoggedInTimeAndStateSecondsStartAtZero) {
  Start();
  Agent(0, "ann", AgentState::kAvailable, {"sales"});
  Agent(100, "ann", AgentState::kLoggedOut);
  Advance(200);
  const auto families = Scrape(*collector_, model_, kT0 + 200 * kSec);
  // support never had an agent: zeros, no ratio.
  EXPECT_EQ(Value(families, "callcenter_queue_agent_state_seconds",
                  {{"queue", "support"}, {"state", "available"}, {"window", "5m"}}),
            0.0);
  EXPECT_FALSE(Value(families, "callcenter_queue_agent_occupancy_ratio",
                     {{"queue", "support"}, {"window", "5m"}}));
  // sales: available [0, 100) only; logged-out time is nobody's.
  EXPECT_EQ(Value(families, "callcenter_queue_agent_state_seconds",
                  {{"queue", "sales"}, {"state", "available"}, {"window", "5m"}}),
            100.0);
  EXPECT_EQ(Value(families, "callcenter_queue_agent_utilisation_ratio",
                  {{"queue", "sales"}, {"window", "5m"}}),
            0.0);
}

TEST_F(AgentActivity, AgentChangingQueuesMidStateCountsEachPartInTheQueueItServed) {
  Start();
  // cid: available at 0 serving sales; at 100 still available, now serving support only.
  Agent(0, "cid", AgentState::kAvailable, {"sales"});
  Agent(100, "cid", AgentState::kAvailable, {"support"});
  Advance(300);
  const UnixMs now = kT0 + 300 * kSec;
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k5m, now), 100.0);
  EXPECT_EQ(Seconds(support_, AgentState::kAvailable, Span::k5m, now), 200.0);
  EXPECT_EQ(Seconds(state::kNoQueue, AgentState::kAvailable, Span::k5m, now), 300.0);
  // One ongoing available state: nothing completed yet.
  const auto families = Scrape(*collector_, model_, now);
  const auto* available =
      FindMetric(families, "callcenter_agent_state_duration_seconds", {{"state", "available"}});
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->histogram.sample_count, 0u);
}

TEST_F(AgentActivity, TimeInStateHistogramObservesEachCompletedState) {
  Start();
  FeedScenario();
  Advance(300);
  const auto families = Scrape(*collector_, model_, kT0 + 300 * kSec);
  auto state = [&](const char* s) {
    const auto* m = FindMetric(families, "callcenter_agent_state_duration_seconds", {{"state", s}});
    EXPECT_NE(m, nullptr) << s;
    return m;
  };
  // Completed by 300 s: ann available 60, on_contact 120, ACW 30; bob not_ready 60, available
  // 60, reserved 5. Ongoing (ann available since 210, bob on_contact since 155) are not yet.
  const auto* available = state("available");
  EXPECT_EQ(available->histogram.sample_count, 2u);
  EXPECT_DOUBLE_EQ(available->histogram.sample_sum, 120.0);
  EXPECT_EQ(Bucket(*available, 10), 0u);
  EXPECT_EQ(Bucket(*available, 60), 2u);  // Exactly 60 s is in le="60".
  const auto* on_contact = state("on_contact");
  EXPECT_EQ(on_contact->histogram.sample_count, 1u);
  EXPECT_EQ(Bucket(*on_contact, 60), 0u);
  EXPECT_EQ(Bucket(*on_contact, 120), 1u);
  EXPECT_EQ(Bucket(*state("after_contact_work"), 60), 1u);
  EXPECT_EQ(Bucket(*state("reserved"), 10), 1u);
  EXPECT_DOUBLE_EQ(state("not_ready")->histogram.sample_sum, 60.0);
  // Logged-in states only.
  EXPECT_EQ(SeriesCount(families, "callcenter_agent_state_duration_seconds"), 5u);
}

TEST_F(AgentActivity, RepeatedStateContinuesItAndALateEventIsPlacedAfterThePreviousOne) {
  Start();
  Agent(0, "dee", AgentState::kNotReady, {"sales"});
  // The bridge re-sends not_ready (a new reason): the state goes on.
  Agent(40, "dee", AgentState::kNotReady);
  Agent(100, "dee", AgentState::kAvailable);
  // A reordered on_contact stamped 50 s arrives after the 100 s event: placed at 100 s.
  Agent(50, "dee", AgentState::kOnContact);
  Advance(200);
  const UnixMs now = kT0 + 200 * kSec;
  EXPECT_EQ(Seconds(sales_, AgentState::kNotReady, Span::k5m, now), 100.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kAvailable, Span::k5m, now), 0.0);
  EXPECT_EQ(Seconds(sales_, AgentState::kOnContact, Span::k5m, now), 100.0);
  const auto families = Scrape(*collector_, model_, now);
  // One not_ready state of 100 s, one available state of 0 s.
  const auto* not_ready =
      FindMetric(families, "callcenter_agent_state_duration_seconds", {{"state", "not_ready"}});
  ASSERT_NE(not_ready, nullptr);
  EXPECT_EQ(not_ready->histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(not_ready->histogram.sample_sum, 100.0);
  const auto* available =
      FindMetric(families, "callcenter_agent_state_duration_seconds", {{"state", "available"}});
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(available->histogram.sample_sum, 0.0);
}

TEST_F(AgentActivity, AgentsRestoredBeforeStartCountFromTheirStatesStart) {
  const std::vector<state::QueueId> queues = {sales_};
  model_.agents.SetState(model_.agents.Resolve(source_, "eve"), AgentState::kOnContact,
                         kT0 + 10 * kSec, "", &queues);
  Start();
  Advance(70);
  EXPECT_EQ(Seconds(sales_, AgentState::kOnContact, Span::k5m, kT0 + 70 * kSec), 60.0);
  // Her state ends at 100 s: its full 90 s is observed.
  Agent(100, "eve", AgentState::kAvailable);
  const auto families = Scrape(*collector_, model_, kT0 + 100 * kSec);
  EXPECT_DOUBLE_EQ(
      FindMetric(families, "callcenter_agent_state_duration_seconds", {{"state", "on_contact"}})
          ->histogram.sample_sum,
      90.0);
}

TEST_F(AgentActivity, PerAgentSeriesAreOffByDefault) {
  Start();
  Agent(0, "ann", AgentState::kAvailable, {"sales"});
  const auto families = Scrape(*collector_, model_, kT0);
  EXPECT_EQ(SeriesCount(families, "callcenter_agent_state"), 0u);
  EXPECT_EQ(SeriesCount(families, "callcenter_agent_state_since_timestamp_seconds"), 0u);
  EXPECT_EQ(SeriesCount(families, "ccmond_agent_series_omitted"), 0u);
}

TEST_F(AgentActivity, PerAgentSeriesAreCappedWithLoggedInAgentsFirst) {
  options_.agents.per_agent = true;
  options_.agents.max_per_agent_series = 2;
  Start();
  Agent(0, "ann", AgentState::kAvailable, {"sales"});
  Agent(5, "bob", AgentState::kAvailable, {"sales"});
  Agent(10, "bob", AgentState::kLoggedOut);
  Agent(20, "cid", AgentState::kOnContact, {"sales"});
  const auto families = Scrape(*collector_, model_, kT0 + 20 * kSec);
  auto state = [&](const char* agent, const char* s) {
    return Value(families, "callcenter_agent_state",
                 {{"source", "sim"}, {"agent", agent}, {"state", s}});
  };
  // ann and cid are logged in and fill the cap of 2; bob (logged out, seen before cid) is
  // omitted.
  EXPECT_EQ(state("ann", "available"), 1.0);
  EXPECT_EQ(state("ann", "on_contact"), 0.0);
  EXPECT_EQ(state("ann", "logged_out"), 0.0);
  EXPECT_EQ(state("cid", "on_contact"), 1.0);
  EXPECT_FALSE(state("bob", "logged_out"));
  // Every state of every rendered agent, 0 or 1.
  EXPECT_EQ(SeriesCount(families, "callcenter_agent_state"), 2u * 6u);
  EXPECT_EQ(Value(families, "callcenter_agent_state_since_timestamp_seconds",
                  {{"source", "sim"}, {"agent", "cid"}}),
            static_cast<double>(kT0 + 20 * kSec) / 1000.0);
  EXPECT_EQ(Value(families, "ccmond_agent_series_omitted"), 1.0);
}

}  // namespace
}  // namespace ccmon::collectors
