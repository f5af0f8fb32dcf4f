// QueueActivityCollector from hand-written facts: counters per {queue, channel}, which series
// exist before any fact, and the offered = outcomes + waiting invariant.
#include "collectors/queue_activity_collector.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::Labels;
using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::Channel;
using state::ExitReason;
using state::Fact;
using state::FactType;

constexpr UnixMs kT0 = 1'700'000'000'000;

class QueueActivity : public ::testing::Test {
 protected:
  QueueActivity() : model_(state::QueueRegistryOptions{}) {
    sales_ = model_.queues.Declare("sales", state::QueueSettings{});
    state::QueueSettings chat;
    chat.channel = Channel::kChat;
    support_ = model_.queues.Declare("support", chat);
  }

  Fact Make(FactType type, state::QueueId q, Channel channel = Channel::kVoice) {
    Fact f;
    f.type = type;
    f.time_ms = kT0;
    f.queue = q;
    f.channel = channel;
    return f;
  }

  state::Model model_;
  state::QueueId sales_;
  state::QueueId support_;
};

TEST_F(QueueActivity, DeclaredQueuesStartAtZeroForTheirConfiguredChannelOnly) {
  QueueActivityCollector collector(model_);
  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(Value(families, "callcenter_contacts_offered_total",
                  {{"queue", "sales"}, {"channel", "voice"}}),
            0.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_offered_total",
                  {{"queue", "support"}, {"channel", "chat"}}),
            0.0);
  // Two queues × one channel each.
  EXPECT_EQ(SeriesCount(families, "callcenter_contacts_offered_total"), 2u);
  // Every exit reason and phase is there from the start: 2 × 10 reasons, 2 × 2 phases.
  EXPECT_EQ(SeriesCount(families, "callcenter_contacts_exited_total"), 20u);
  EXPECT_EQ(SeriesCount(families, "callcenter_contacts_transferred_out_total"), 4u);
  EXPECT_EQ(Value(families, "callcenter_contacts_exited_total",
                  {{"queue", "sales"}, {"channel", "voice"}, {"reason", "queue_full"}}),
            0.0);
}

TEST_F(QueueActivity, EachOutcomeCountsOnceInItsQueueAndChannel) {
  QueueActivityCollector collector(model_);
  // sales/voice: 5 offered (one by transfer in); outcomes: 1 answered, 2 abandoned (1 short),
  // 1 exited by callback; 1 still waiting. One RONA before the answer.
  for (int i = 0; i < 5; ++i) {
    Fact f = Make(FactType::kOffered, sales_);
    f.transferred_in = i == 4;
    collector.OnFact(f);
  }
  collector.OnFact(Make(FactType::kRinging, sales_));
  collector.OnFact(Make(FactType::kRingTimeout, sales_));
  collector.OnFact(Make(FactType::kAnswered, sales_));
  Fact abandon = Make(FactType::kAbandoned, sales_);
  collector.OnFact(abandon);
  abandon.short_abandon = true;
  collector.OnFact(abandon);
  Fact callback = Make(FactType::kExited, sales_);
  callback.exit_reason = ExitReason::kCallback;
  collector.OnFact(callback);
  // The answered one is later transferred out after the answer.
  Fact transfer = Make(FactType::kTransferredOut, sales_);
  transfer.before_answer = false;
  collector.OnFact(transfer);

  const auto families = Scrape(collector, model_, kT0);
  const Labels sales_voice = {{"queue", "sales"}, {"channel", "voice"}};
  EXPECT_EQ(Value(families, "callcenter_contacts_offered_total", sales_voice), 5.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_transferred_in_total", sales_voice), 1.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_answered_total", sales_voice), 1.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_abandoned_total", sales_voice), 2.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_short_abandoned_total", sales_voice), 1.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_exited_total",
                  {{"queue", "sales"}, {"channel", "voice"}, {"reason", "callback"}}),
            1.0);
  EXPECT_EQ(Value(families, "callcenter_callbacks_requested_total", sales_voice), 1.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_transferred_out_total",
                  {{"queue", "sales"}, {"channel", "voice"}, {"phase", "after_answer"}}),
            1.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_transferred_out_total",
                  {{"queue", "sales"}, {"channel", "voice"}, {"phase", "before_answer"}}),
            0.0);
  EXPECT_EQ(Value(families, "callcenter_ring_timeouts_total", sales_voice), 1.0);
  // Nothing leaked into the other queue.
  EXPECT_EQ(Value(families, "callcenter_contacts_offered_total",
                  {{"queue", "support"}, {"channel", "chat"}}),
            0.0);
}

TEST_F(QueueActivity, OfferedEqualsOutcomesPlusWaiting) {
  QueueActivityCollector collector(model_);
  // 7 offered: answered 2, abandoned 1, exited{timeout} 1, transferred out before answer 1,
  // evicted while waiting 1 → 6 outcomes, 1 waiting. An eviction after the outcome (in wrap-up)
  // is not an outcome.
  for (int i = 0; i < 7; ++i) collector.OnFact(Make(FactType::kOffered, sales_));
  collector.OnFact(Make(FactType::kAnswered, sales_));
  collector.OnFact(Make(FactType::kAnswered, sales_));
  collector.OnFact(Make(FactType::kAbandoned, sales_));
  Fact exit = Make(FactType::kExited, sales_);
  exit.exit_reason = ExitReason::kTimeout;
  collector.OnFact(exit);
  Fact flow_out = Make(FactType::kTransferredOut, sales_);
  flow_out.before_answer = true;
  collector.OnFact(flow_out);
  Fact evicted = Make(FactType::kEvicted, sales_);
  evicted.was_waiting = true;
  collector.OnFact(evicted);
  evicted.was_waiting = false;
  collector.OnFact(evicted);

  const auto& c = collector.counts(sales_, Channel::kVoice);
  std::uint64_t exited = 0;
  for (std::uint64_t e : c.exited) exited += e;
  const std::uint64_t outcomes =
      c.answered + c.abandoned + exited + c.transferred_out[0] + c.evicted[0];
  EXPECT_EQ(c.offered, outcomes + 1);
  EXPECT_EQ(c.evicted[1], 1u);

  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(Value(families, "callcenter_contacts_evicted_total",
                  {{"queue", "sales"}, {"channel", "voice"}, {"phase", "waiting"}}),
            1.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_evicted_total",
                  {{"queue", "sales"}, {"channel", "voice"}, {"phase", "after_outcome"}}),
            1.0);
}

TEST_F(QueueActivity, OtherChannelAppearsOnceSeen) {
  QueueActivityCollector collector(model_);
  EXPECT_FALSE(Value(Scrape(collector, model_, kT0), "callcenter_contacts_offered_total",
                     {{"queue", "sales"}, {"channel", "chat"}}));
  collector.OnFact(Make(FactType::kOffered, sales_, Channel::kChat));
  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(Value(families, "callcenter_contacts_offered_total",
                  {{"queue", "sales"}, {"channel", "chat"}}),
            1.0);
  EXPECT_EQ(Value(families, "callcenter_contacts_offered_total",
                  {{"queue", "sales"}, {"channel", "voice"}}),
            0.0);
}

TEST_F(QueueActivity, QueueFirstSeenInEventsGrowsTheCountersAndAppears) {
  QueueActivityCollector collector(model_);
  const state::QueueId billing = model_.queues.Resolve("billing");
  // Undeclared and not yet named by a fact: no series.
  EXPECT_EQ(SeriesCount(Scrape(collector, model_, kT0), "callcenter_contacts_offered_total"), 2u);
  collector.OnFact(Make(FactType::kOffered, billing, Channel::kEmail));
  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(Value(families, "callcenter_contacts_offered_total",
                  {{"queue", "billing"}, {"channel", "email"}}),
            1.0);
  EXPECT_EQ(SeriesCount(families, "callcenter_contacts_offered_total"), 3u);
}

TEST_F(QueueActivity, FactsWithoutAQueueAreIgnored) {
  QueueActivityCollector collector(model_);
  Fact agent = Make(FactType::kAgentStateChanged, state::kNoQueue);
  collector.OnFact(agent);
  Fact bogus = Make(FactType::kOffered, 12345);
  collector.OnFact(bogus);
  EXPECT_EQ(collector.counts(sales_, Channel::kVoice).offered, 0u);
  EXPECT_EQ(SeriesCount(Scrape(collector, model_, kT0), "callcenter_contacts_offered_total"), 2u);
}

}  // namespace
}  // namespace ccmon::collectors
