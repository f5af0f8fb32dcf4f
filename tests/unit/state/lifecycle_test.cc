// Lifecycle: events in, facts out. Expected values are computed by hand in the comments.
#include "daemon/state/lifecycle.h"

#include <gtest/gtest.h>

#include "tests/testing/event_builder.h"

namespace ccmon::state {
namespace {

using ccmon::testing::EventBuilder;
using ccmon::testing::RecordingSink;

class LifecycleTest : public ::testing::Test {
 protected:
  LifecycleTest() : model_(Options()), lifecycle_(&model_, &sink_, LifecycleOpts()) {
    QueueSettings sales;
    sales.sl_thresholds_ms = {20'000, 60'000};
    sales.short_abandon_ms = 5'000;
    model_.queues.Declare("sales", sales);
    model_.queues.Declare("support", sales);
    source_ = model_.sources.Resolve("sim1");
    b_ = EventBuilder(source_);
  }
  static QueueRegistryOptions Options() { return QueueRegistryOptions{}; }
  static LifecycleOptions LifecycleOpts() {
    LifecycleOptions o;
    o.max_contact_age_ms = 3600'000;
    o.pending_ttl_ms = 30'000;
    o.sweep_interval_ms = 10'000;
    return o;
  }
  void Apply(const Event& e) { lifecycle_.Apply(e); }
  std::size_t Count(FactType t) const { return sink_.OfType(t).size(); }
  std::uint64_t Anomalies(Anomaly a) const { return model_.ingest.anomalies[static_cast<int>(a)]; }
  QueueId Q(std::string_view name) const { return model_.queues.Find(name); }

  Model model_;
  RecordingSink sink_;
  Lifecycle lifecycle_;
  SourceId source_ = 0;
  EventBuilder b_{0};
};

TEST_F(LifecycleTest, AnsweredContactReportsItsWaitFromAcdTimestamps) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Answered(12.5, "c1", "sales"));
  auto answered = sink_.OfType(FactType::kAnswered);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].wait_ms, 12'500);
  EXPECT_EQ(answered[0].queue, Q("sales"));
  EXPECT_EQ(answered[0].breached_mask, 0u);
  EXPECT_EQ(model_.contacts.WaitingCount(Q("sales")), 0u);
}

TEST_F(LifecycleTest, CallCrossingThresholdWhileWaitingBreachesAtTheCrossingMoment) {
  Apply(b_.Queued(0, "c1", "sales"));
  // Wait exactly 20 s is still within the 20 s threshold: no breach yet.
  Apply(b_.Heartbeat(20));
  EXPECT_EQ(Count(FactType::kSlBreached), 0u);
  // The clock passes 20 s while the caller still waits: breach now, stamped at 20 s exactly.
  Apply(b_.Heartbeat(21));
  auto breaches = sink_.OfType(FactType::kSlBreached);
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0].time_ms, b_.At(20));
  EXPECT_EQ(breaches[0].threshold_index, 0);
  // Answered at 30 s: the outcome carries the breach so the SL event is not counted twice.
  Apply(b_.Answered(30, "c1", "sales"));
  auto answered = sink_.OfType(FactType::kAnswered);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].breached_mask, 0b01u);
  EXPECT_EQ(Count(FactType::kSlBreached), 1u);  // 60 s never reached.
}

TEST_F(LifecycleTest, AnswerExactlyAtThresholdIsWithinIt) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Answered(20, "c1", "sales"));
  EXPECT_EQ(Count(FactType::kSlBreached), 0u);
  EXPECT_EQ(sink_.OfType(FactType::kAnswered)[0].breached_mask, 0u);
}

TEST_F(LifecycleTest, LateEventFromAnotherSourceDoesNotBreachThisSourcesContacts) {
  Apply(b_.Queued(0, "c1", "sales"));
  const SourceId other = model_.sources.Resolve("other");
  EventBuilder ob(other);
  lifecycle_.Apply(ob.Heartbeat(100));  // Another bridge's clock is far ahead.
  EXPECT_EQ(Count(FactType::kSlBreached), 0u);
}

TEST_F(LifecycleTest, ShortAbandonIsAtOrBelowTheShortAbandonThreshold) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Queued(0, "c2", "sales"));
  Apply(b_.Abandoned(5, "c1", "sales"));      // 5 s ≤ 5 s: short.
  Apply(b_.Abandoned(5.001, "c2", "sales"));  // 5.001 s: not short.
  auto ab = sink_.OfType(FactType::kAbandoned);
  ASSERT_EQ(ab.size(), 2u);
  EXPECT_TRUE(ab[0].short_abandon);
  EXPECT_FALSE(ab[1].short_abandon);
  EXPECT_EQ(ab[1].wait_ms, 5'001);
}

TEST_F(LifecycleTest, EachExitReasonIsReportedAsExitedWithThatReason) {
  const ExitReason reasons[] = {
      ExitReason::kTimeout,  ExitReason::kQueueFull, ExitReason::kNoAgents,
      ExitReason::kKeyPress, ExitReason::kOverflow,  ExitReason::kWithdrawn,
      ExitReason::kClosed,   ExitReason::kLost,      ExitReason::kOther};
  int i = 0;
  for (ExitReason r : reasons) {
    const std::string id = "c" + std::to_string(i++);
    Apply(b_.Queued(1, id, "sales"));
    Apply(b_.Exited(2, id, "sales", r));
  }
  Apply(b_.Queued(3, "cb", "sales"));
  Apply(b_.Contact(EventType::kCallbackRequested, 4, "cb", "sales"));
  auto exits = sink_.OfType(FactType::kExited);
  ASSERT_EQ(exits.size(), 10u);
  for (std::size_t k = 0; k < 9; ++k) EXPECT_EQ(exits[k].exit_reason, reasons[k]);
  EXPECT_EQ(exits[9].exit_reason, ExitReason::kCallback);
  EXPECT_EQ(exits[9].wait_ms, 1'000);
  EXPECT_EQ(model_.contacts.size(), 0u);
}

TEST_F(LifecycleTest, TransferBeforeAnswerIsAFlowOutThenAnOfferInTheTargetQueue) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Transferred(8, "c1", "sales", "support"));
  auto out = sink_.OfType(FactType::kTransferredOut);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].before_answer);
  EXPECT_EQ(out[0].wait_ms, 8'000);
  EXPECT_EQ(out[0].queue, Q("sales"));
  EXPECT_EQ(out[0].target_queue, Q("support"));
  Apply(b_.Queued(9, "c1", "support"));
  auto offered = sink_.OfType(FactType::kOffered);
  ASSERT_EQ(offered.size(), 2u);
  EXPECT_FALSE(offered[0].transferred_in);
  EXPECT_TRUE(offered[1].transferred_in);
  EXPECT_EQ(offered[1].queue, Q("support"));
  // The wait in the new queue starts at its own entry.
  Apply(b_.Answered(19, "c1", "support"));
  EXPECT_EQ(sink_.OfType(FactType::kAnswered)[0].wait_ms, 10'000);
  EXPECT_EQ(Anomalies(Anomaly::kImplicitTransfer), 0u);
}

TEST_F(LifecycleTest, TransferAfterAnswerEndsTheLegAndCountsATransferOut) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Answered(5, "c1", "sales"));
  Apply(b_.Transferred(65, "c1", "sales", "support"));
  auto legs = sink_.OfType(FactType::kConversationEnded);
  ASSERT_EQ(legs.size(), 1u);
  EXPECT_EQ(legs[0].talk_ms, 60'000);
  auto out = sink_.OfType(FactType::kTransferredOut);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].before_answer);
  Apply(b_.Queued(66, "c1", "support"));
  EXPECT_TRUE(sink_.OfType(FactType::kOffered).back().transferred_in);
}

TEST_F(LifecycleTest, HandleTimeIsTalkPlusHoldPlusAfterContactWork) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Answered(10, "c1", "sales"));
  Apply(b_.Contact(EventType::kContactHeld, 20, "c1", "sales"));
  Apply(b_.Contact(EventType::kContactResumed, 30, "c1", "sales"));
  Apply(b_.Ended(60, "c1", "sales"));
  Apply(b_.WrapUp(75, "c1", "sales"));
  auto w = sink_.OfType(FactType::kWrapUpEnded);
  ASSERT_EQ(w.size(), 1u);
  // Talk = 60 − 10 − 10 (hold) = 40 s; hold 10 s; ACW 75 − 60 = 15 s; handle 65 s.
  EXPECT_EQ(w[0].talk_ms, 40'000);
  EXPECT_EQ(w[0].hold_ms, 10'000);
  EXPECT_EQ(w[0].hold_count, 1u);
  EXPECT_EQ(w[0].acw_ms, 15'000);
  EXPECT_EQ(w[0].handle_ms, 65'000);
  EXPECT_EQ(model_.contacts.size(), 0u);
}

TEST_F(LifecycleTest, AnswerForUnknownContactIsHeldBackAndAppliedWhenItsQueuedArrives) {
  Apply(b_.Answered(10, "c1", "sales"));  // Reordered: the answer comes first.
  EXPECT_EQ(Count(FactType::kAnswered), 0u);
  Apply(b_.Queued(2, "c1", "sales"));
  auto answered = sink_.OfType(FactType::kAnswered);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].wait_ms, 8'000);
  EXPECT_EQ(Anomalies(Anomaly::kUnknownContact), 0u);
  EXPECT_EQ(lifecycle_.pending_count(), 0u);
}

TEST_F(LifecycleTest, AnswerForAContactThatNeverQueuesIsCountedAsUnknownAfterTheHoldTime) {
  Apply(b_.Answered(10, "ghost", "sales"));
  Apply(b_.Heartbeat(20));
  EXPECT_EQ(Anomalies(Anomaly::kUnknownContact), 0u);  // Still held back.
  Apply(b_.Heartbeat(60));                             // Past the 30 s hold time, at a sweep.
  EXPECT_EQ(Anomalies(Anomaly::kUnknownContact), 1u);
  EXPECT_EQ(Count(FactType::kAnswered), 0u);
  EXPECT_EQ(Count(FactType::kOffered), 0u);
}

TEST_F(LifecycleTest, EndBeforeAnswerClosesTheContactAsExitedOtherAndCountsIt) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Ended(7, "c1", "sales"));
  auto exits = sink_.OfType(FactType::kExited);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].exit_reason, ExitReason::kOther);
  EXPECT_EQ(Anomalies(Anomaly::kEndedWhileWaiting), 1u);
  EXPECT_EQ(model_.contacts.size(), 0u);
}

TEST_F(LifecycleTest, DuplicateEventsAreCountedOnce) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Answered(3, "c1", "sales"));
  Apply(b_.Answered(3, "c1", "sales"));
  EXPECT_EQ(Count(FactType::kOffered), 1u);
  EXPECT_EQ(Count(FactType::kAnswered), 1u);
  EXPECT_EQ(Anomalies(Anomaly::kDuplicateEvent), 2u);
}

TEST_F(LifecycleTest, ImpossibleTransitionsAreCountedAndChangeNothing) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Contact(EventType::kContactHeld, 1, "c1", "sales"));  // Hold while waiting.
  Apply(b_.Answered(2, "c1", "sales"));
  Apply(b_.Abandoned(3, "c1", "sales"));  // Abandon after answer.
  EXPECT_EQ(Anomalies(Anomaly::kImpossibleTransition), 2u);
  EXPECT_EQ(Count(FactType::kAbandoned), 0u);
  EXPECT_EQ(Count(FactType::kHeld), 0u);
}

TEST_F(LifecycleTest, QueuedInAnotherQueueWhileWaitingIsAnImplicitFlowOut) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Queued(4, "c1", "support"));
  EXPECT_EQ(Anomalies(Anomaly::kImplicitTransfer), 1u);
  auto out = sink_.OfType(FactType::kTransferredOut);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].before_answer);
  EXPECT_EQ(model_.contacts.WaitingCount(Q("support")), 1u);
  EXPECT_EQ(model_.contacts.WaitingCount(Q("sales")), 0u);
}

TEST_F(LifecycleTest, StaleWaitingContactIsEvictedAsItsOutcome) {
  Apply(b_.Queued(0, "c1", "sales"));
  Apply(b_.Heartbeat(3600 + 11));  // Past max age (1 h) at a sweep.
  auto ev = sink_.OfType(FactType::kEvicted);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].was_waiting);
  EXPECT_EQ(model_.ingest.contacts_evicted, 1u);
  EXPECT_EQ(model_.contacts.size(), 0u);
}

TEST_F(LifecycleTest, WaitingListIsOrderedByEnqueueTimeEvenWhenEventsArriveOutOfOrder) {
  Apply(b_.Queued(10, "c1", "sales"));
  Apply(b_.Queued(5, "c2", "sales"));
  Apply(b_.Queued(12, "c3", "sales"));
  std::vector<std::string> order;
  model_.contacts.ForEachWaiting(Q("sales"), [&](const Contact& c) { order.push_back(c.id); });
  EXPECT_EQ(order, (std::vector<std::string>{"c2", "c1", "c3"}));
  EXPECT_EQ(model_.contacts.OldestWaiting(Q("sales"))->enqueue_ms, b_.At(5));
}

TEST_F(LifecycleTest, AgentStatesAreCountedPerQueueAndAgentsOfALostAcdAreLoggedOut) {
  Apply(b_.Agent(0, "a1", AgentState::kAvailable, {"sales", "support"}));
  Apply(b_.Agent(0, "a2", AgentState::kNotReady, {"sales"}));
  Apply(b_.Agent(30, "a1", AgentState::kOnContact));
  const auto& sales = model_.agents.CountsForQueue(Q("sales"));
  EXPECT_EQ(sales[static_cast<int>(AgentState::kOnContact)], 1u);
  EXPECT_EQ(sales[static_cast<int>(AgentState::kNotReady)], 1u);
  EXPECT_EQ(model_.agents.CountsForQueue(Q("support"))[static_cast<int>(AgentState::kOnContact)],
            1u);
  EXPECT_EQ(model_.agents.Totals()[static_cast<int>(AgentState::kOnContact)], 1u);
  auto changes = sink_.OfType(FactType::kAgentStateChanged);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[2].from_state, AgentState::kAvailable);
  EXPECT_EQ(changes[2].state_duration_ms, 30'000);

  Event down = b_.Heartbeat(40);
  down.acd_connection = AcdConnection::kDown;
  down.heartbeat_interval_ms = 5000;
  Apply(down);
  EXPECT_EQ(model_.sources.at(down.source).heartbeat_interval_ms, 5000u);
  EXPECT_EQ(model_.sources.at(down.source).events_applied, 3u) << "agent events, not heartbeats";
  EXPECT_EQ(model_.agents.Totals()[static_cast<int>(AgentState::kLoggedOut)], 2u);
  EXPECT_EQ(model_.agents.CountsForQueue(Q("sales"))[static_cast<int>(AgentState::kOnContact)], 0u);
}

TEST_F(LifecycleTest, OfferedEqualsOutcomesPlusWaitingAfterAMixedScenario) {
  Apply(b_.Queued(0, "a", "sales"));
  Apply(b_.Queued(1, "b", "sales"));
  Apply(b_.Queued(2, "c", "sales"));
  Apply(b_.Queued(3, "d", "sales"));
  Apply(b_.Queued(4, "e", "sales"));
  Apply(b_.Answered(5, "a", "sales"));
  Apply(b_.Abandoned(6, "b", "sales"));
  Apply(b_.Exited(7, "c", "sales", ExitReason::kTimeout));
  Apply(b_.Transferred(8, "d", "sales", ""));
  const QueueId sales = Q("sales");
  auto count = [&](FactType t) {
    std::size_t n = 0;
    for (const auto& f : sink_.OfType(t)) {
      if (f.queue == sales && (t != FactType::kTransferredOut || f.before_answer)) ++n;
    }
    return n;
  };
  // 5 offered = 1 answered + 1 abandoned + 1 exited + 1 flow-out + 1 waiting.
  EXPECT_EQ(count(FactType::kOffered), 5u);
  EXPECT_EQ(count(FactType::kAnswered) + count(FactType::kAbandoned) + count(FactType::kExited) +
                count(FactType::kTransferredOut) + model_.contacts.WaitingCount(sales),
            5u);
}

TEST(QueueRegistry, QueuesBeyondTheCapAndInvalidNamesGoToOther) {
  QueueRegistryOptions o;
  o.max_queues = 2;
  o.max_name_length = 8;
  QueueRegistry r(o);
  const QueueId a = r.Resolve("a");
  const QueueId b = r.Resolve("b");
  const QueueId c = r.Resolve("c");
  EXPECT_NE(a, b);
  EXPECT_EQ(r.Name(c), "_other");
  EXPECT_EQ(r.Resolve("waytoolongname"), c);
  EXPECT_EQ(r.Resolve(std::string_view("bad\x01", 4)), c);
  EXPECT_EQ(r.Resolve(std::string_view("\xff\xfe", 2)), c);
  EXPECT_EQ(r.overflow_cap_count(), 1u);
  EXPECT_EQ(r.overflow_invalid_count(), 3u);
  EXPECT_EQ(r.Resolve("a"), a);
}

TEST(QueueRegistry, AllThresholdsIsTheSortedUnionOfEveryQueuesThresholds) {
  QueueRegistryOptions o;
  o.defaults.sl_thresholds_ms = {20'000};
  QueueRegistry r(o);
  QueueSettings s;
  s.sl_thresholds_ms = {10'000, 30'000};
  r.Declare("x", s);
  EXPECT_EQ(r.AllThresholdsMs(), (std::vector<std::int64_t>{10'000, 20'000, 30'000}));
}

}  // namespace
}  // namespace ccmon::state
