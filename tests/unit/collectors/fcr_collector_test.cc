// FcrCollector: which lifecycle facts make a handled contact, a repeat, an unresolved verdict;
// anonymous callers, transfers and callbacks; queue groups; the rendered families and labels.
// Most tests drive the real Lifecycle with canonical events, as the engine does.
#include "collectors/fcr_collector.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "daemon/state/lifecycle.h"
#include "tests/testing/event_builder.h"
#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::Labels;
using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::EventType;

constexpr UnixMs kBase = 1'700'000'000'000;
constexpr double kHour = 3600;
constexpr double kDay = 24 * kHour;
// Caller keys as the bridges send them: 32 hex characters.
const std::string kAnn = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const std::string kBob = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

class FcrFacts : public ::testing::Test, public state::FactSink {
 protected:
  explicit FcrFacts(CollectorOptions options = {}) : model_(state::QueueRegistryOptions{}) {
    model_.queues.Declare("sales", state::QueueSettings{});
    model_.queues.Declare("support", state::QueueSettings{});
    model_.queues.Declare("billing", state::QueueSettings{});
    source_ = model_.sources.Resolve("sim");
    events_ = std::make_unique<testing::EventBuilder>(source_, kBase);
    collector_ = std::make_unique<FcrCollector>(options, model_);
    lifecycle_ = std::make_unique<state::Lifecycle>(&model_, this);
  }

  void OnFact(const state::Fact& fact) override { collector_->OnFact(fact); }

  void Apply(state::Event e) {
    now_ = std::max(now_, e.time_ms);
    lifecycle_->Apply(e);
    collector_->OnAdvance(now_);
  }
  // A contact of `caller` queued at t in `queue`, answered 10 s later, ended after 2 min, wrapped
  // up 30 s later with `resolution`.
  void Handled(double t, const std::string& id, const std::string& queue, const std::string& caller,
               state::Resolution resolution = state::Resolution::kUnspecified) {
    Apply(events_->Queued(t, id, queue, caller));
    Apply(events_->Answered(t + 10, id, queue));
    Apply(events_->Ended(t + 130, id, queue));
    auto wrap = events_->WrapUp(t + 160, id, queue);
    wrap.resolution = resolution;
    Apply(wrap);
  }
  void Heartbeat(double t) { Apply(events_->Heartbeat(t)); }

  double Settled(const std::string& queue, const std::string& window, const std::string& scope,
                 const std::string& outcome) const {
    return Value(Scrape(*collector_, model_, now_), "callcenter_fcr_settled_total",
                 {{"queue", queue}, {"window", window}, {"scope", scope}, {"outcome", outcome}})
        .value_or(-1);
  }
  double Open(const std::string& window, const std::string& scope) const {
    return Value(Scrape(*collector_, model_, now_), "callcenter_fcr_open_contacts",
                 {{"window", window}, {"scope", scope}})
        .value_or(-1);
  }

  state::Model model_;
  state::SourceId source_;
  std::unique_ptr<testing::EventBuilder> events_;
  std::unique_ptr<FcrCollector> collector_;
  std::unique_ptr<state::Lifecycle> lifecycle_;
  UnixMs now_ = 0;
};

TEST_F(FcrFacts, EveryKnownQueueHasItsSeriesAtZeroAndTheRatioIsAbsentUntilSomethingSettles) {
  const auto f = Scrape(*collector_, model_, kBase);
  // 3 queues × 3 windows × 2 scopes × 3 outcomes.
  EXPECT_EQ(SeriesCount(f, "callcenter_fcr_settled_total"), 54u);
  EXPECT_EQ(SeriesCount(f, "callcenter_fcr_repeat_contacts_total"), 18u);
  EXPECT_EQ(SeriesCount(f, "callcenter_fcr_open_contacts"), 6u);
  EXPECT_EQ(SeriesCount(f, "callcenter_fcr_ratio"), 0u);
  EXPECT_EQ(
      Value(f, "callcenter_fcr_settled_total",
            {{"queue", "billing"}, {"window", "7d"}, {"scope", "group"}, {"outcome", "repeat"}}),
      0.0);
  EXPECT_EQ(Value(f, "ccmond_fcr_tracked_callers"), 0.0);
  EXPECT_EQ(Value(f, "ccmond_fcr_contacts_dropped_total"), 0.0);
  EXPECT_TRUE(Value(f, "ccmond_fcr_memory_bytes").has_value());
}

TEST_F(FcrFacts, ConversationEndIsTheHandleMomentAndAContactAgainIsARepeat) {
  Apply(events_->Queued(0, "c1", "sales", kAnn));
  Apply(events_->Answered(10, "c1", "sales"));
  EXPECT_EQ(Open("24h", "global"), 0) << "not handled before the conversation ends";
  Apply(events_->Ended(130, "c1", "sales"));
  EXPECT_EQ(Open("24h", "global"), 1) << "no wrap-up needed";
  EXPECT_EQ(Value(Scrape(*collector_, model_, now_), "ccmond_fcr_tracked_callers"), 1.0);

  Apply(events_->Queued(2 * kHour, "c2", "sales", kAnn));
  for (const char* window : {"24h", "72h", "7d"}) {
    for (const char* scope : {"group", "global"}) {
      EXPECT_EQ(Settled("sales", window, scope, "repeat"), 1) << window << " " << scope;
    }
  }
  const auto f = Scrape(*collector_, model_, now_);
  EXPECT_EQ(Value(f, "callcenter_fcr_repeat_contacts_total",
                  {{"queue", "sales"}, {"window", "24h"}, {"scope", "global"}}),
            1.0);
  EXPECT_EQ(
      Value(f, "callcenter_fcr_ratio", {{"queue", "sales"}, {"window", "24h"}, {"scope", "group"}}),
      0.0);
}

TEST_F(FcrFacts, ResolvedWhenTheWindowPassesAndTheRatioFollows) {
  Handled(0, "c1", "sales", kAnn);
  Handled(60, "c2", "sales", kBob);
  Apply(events_->Queued(kHour, "c3", "support", kBob));  // Bob again, another group.
  Heartbeat(kDay + 200);
  EXPECT_EQ(Settled("sales", "24h", "group", "resolved"), 2);
  EXPECT_EQ(Settled("sales", "24h", "global", "resolved"), 1);
  EXPECT_EQ(Settled("sales", "24h", "global", "repeat"), 1);
  const auto f = Scrape(*collector_, model_, now_);
  EXPECT_EQ(
      Value(f, "callcenter_fcr_ratio", {{"queue", "sales"}, {"window", "24h"}, {"scope", "group"}}),
      1.0);
  EXPECT_EQ(Value(f, "callcenter_fcr_ratio",
                  {{"queue", "sales"}, {"window", "24h"}, {"scope", "global"}}),
            0.5);
  EXPECT_FALSE(
      Value(f, "callcenter_fcr_ratio", {{"queue", "sales"}, {"window", "72h"}, {"scope", "group"}})
          .has_value())
      << "nothing settled in 72 h yet";
}

TEST_F(FcrFacts, AnonymousCallersAreExcluded) {
  Handled(0, "c1", "sales", "");
  Apply(events_->Queued(kHour, "c2", "sales", ""));
  Heartbeat(8 * kDay);
  EXPECT_EQ(Open("24h", "global"), 0);
  EXPECT_EQ(Settled("sales", "24h", "global", "resolved"), 0);
  EXPECT_EQ(Settled("sales", "24h", "global", "repeat"), 0);
}

TEST_F(FcrFacts, DispositionNotResolvedSettlesAtOnce) {
  Handled(0, "c1", "sales", kAnn, state::Resolution::kNotResolved);
  Handled(10, "c2", "sales", kBob, state::Resolution::kResolved);
  EXPECT_EQ(Settled("sales", "24h", "group", "unresolved"), 1);
  EXPECT_EQ(Settled("sales", "7d", "global", "unresolved"), 1);
  EXPECT_EQ(Open("24h", "global"), 1) << "a 'resolved' disposition waits for the window";
}

TEST_F(FcrFacts, SurveyNotResolvedSettlesTheContactItNames) {
  Handled(0, "c1", "sales", kAnn);
  auto survey = events_->Contact(EventType::kSurveyCompleted, 300, "c1", "sales");
  survey.csat = 2;
  survey.resolution = state::Resolution::kNotResolved;
  Apply(survey);
  EXPECT_EQ(Settled("sales", "72h", "group", "unresolved"), 1);
  auto other = events_->Contact(EventType::kSurveyCompleted, 400, "c-unknown", "sales");
  other.resolution = state::Resolution::kNotResolved;
  Apply(other);
  EXPECT_EQ(Settled("sales", "72h", "group", "unresolved"), 1);
}

TEST_F(FcrFacts, TransferAfterAnswerIsHandledWhereTheLastConversationEnds) {
  Apply(events_->Queued(0, "c1", "sales", kAnn));
  Apply(events_->Answered(10, "c1", "sales"));
  Apply(events_->Transferred(100, "c1", "sales", "support"));
  auto requeued = events_->Queued(100, "c1", "support", kAnn);
  requeued.transferred_from_queue = "sales";
  Apply(requeued);
  EXPECT_EQ(Settled("sales", "24h", "global", "repeat"), 0) << "the same contact, not a repeat";
  EXPECT_EQ(Open("24h", "global"), 0);
  Apply(events_->Answered(120, "c1", "support", "a2"));
  Apply(events_->Ended(300, "c1", "support"));
  Heartbeat(kDay + 400);
  EXPECT_EQ(Settled("support", "24h", "global", "resolved"), 1);
  EXPECT_EQ(Settled("sales", "24h", "global", "resolved"), 0);
}

TEST_F(FcrFacts, CallbackOfAWaitingCallerIsNotARepeat) {
  Handled(0, "c1", "sales", kAnn);
  auto callback = events_->Queued(kHour, "cb1", "sales", kAnn);
  callback.channel = state::Channel::kCallback;
  Apply(callback);
  EXPECT_EQ(Settled("sales", "24h", "global", "repeat"), 0);
  Apply(events_->Queued(2 * kHour, "c2", "sales", kAnn));
  EXPECT_EQ(Settled("sales", "24h", "global", "repeat"), 1);
}

class FcrGroups : public FcrFacts {
 protected:
  static CollectorOptions Options() {
    CollectorOptions o;
    o.fcr.queue_groups = {{"sales", "front"}, {"support", "front"}, {"late-queue", "back"}};
    return o;
  }
  FcrGroups() : FcrFacts(Options()) {}
};

TEST_F(FcrGroups, QueuesOfOneConfiguredGroupShareTheGroupScope) {
  Handled(0, "c1", "sales", kAnn);
  Handled(0, "c2", "sales", kBob);
  Apply(events_->Queued(kHour, "c3", "support", kAnn));  // Same group.
  Apply(events_->Queued(kHour, "c4", "billing", kBob));  // Billing is a group of its own.
  EXPECT_EQ(Settled("sales", "24h", "group", "repeat"), 1);
  EXPECT_EQ(Settled("sales", "24h", "global", "repeat"), 2);
  // A queue first seen in events gets its configured group too.
  Handled(2 * kHour, "c5", "late-queue", kAnn);
  Apply(events_->Queued(3 * kHour, "c6", "late-queue", kAnn));
  EXPECT_EQ(Settled("late-queue", "24h", "group", "repeat"), 1);
}

TEST(FcrCollectorLabels, WindowLabelsReadAsTheConfigSays) {
  EXPECT_EQ(FcrCollector::WindowLabel(24LL * 3600'000), "24h");
  EXPECT_EQ(FcrCollector::WindowLabel(72LL * 3600'000), "72h");
  EXPECT_EQ(FcrCollector::WindowLabel(7LL * 24 * 3600'000), "7d");
  EXPECT_EQ(FcrCollector::WindowLabel(30LL * 24 * 3600'000), "30d");
  EXPECT_EQ(FcrCollector::WindowLabel(90LL * 60'000), "90m");
  EXPECT_EQ(FcrCollector::WindowLabel(45'000), "45s");
}

TEST(FcrCollectorLabels, NoLabelNamesAContactOrACaller) {
  state::Model model(state::QueueRegistryOptions{});
  model.queues.Declare("sales", state::QueueSettings{});
  FcrCollector collector(CollectorOptions{}, model);
  for (const auto& f : Scrape(collector, model, kBase)) {
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_EQ(f.type == prometheus::MetricType::Counter, f.name.ends_with("_total")) << f.name;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        EXPECT_TRUE(l.name == "queue" || l.name == "window" || l.name == "scope" ||
                    l.name == "outcome")
            << f.name << " " << l.name;
      }
    }
  }
}

}  // namespace
}  // namespace ccmon::collectors
