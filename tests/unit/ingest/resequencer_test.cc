// The Resequencer on hand-made positions, with fake time: numbering rules, gaps asked for and
// held back, recovered events applied in order, timeouts, the journal's retention, chunks,
// heartbeat tails, the hold limit and checkpoint positions.
#include "daemon/ingest/resequencer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ccmon::ingest {
namespace {

constexpr std::uint64_t kEpoch = 5000;  // After the daemon started listening (1000).
constexpr std::int64_t kTimeout = 2000;

// What was applied, as "topic:seq" (topics shortened to their queue name).
class Fixture {
 public:
  explicit Fixture(bool replay = true, std::size_t max_held = 1000,
                   std::vector<std::string> topics = {"v1."}) {
    ResequencerOptions o;
    ResequencerSubscription sub;
    sub.replay = replay;
    sub.topics = std::move(topics);
    sub.replay_timeout_ms = kTimeout;
    sub.max_held_events = max_held;
    o.subscriptions.push_back(sub);
    o.listening_since_ms = 1000;
    r = std::make_unique<Resequencer>(
        o, &stats,
        [this](DecodedEvent& e, bool may_decline, std::string* check_topic) {
          // The engine's rule, reduced: an event naming a predecessor topic is declined once.
          if (may_decline && !e.event.transferred_from_queue.empty()) {
            *check_topic = "v1.t." + e.event.transferred_from_queue + ".";
            declined.push_back(Name(e));
            return false;
          }
          applied.push_back(Name(e));
          return true;
        },
        [this](const ReplayRequest& q) { requests.push_back(q); });
  }

  static std::string Name(const DecodedEvent& e) {
    std::string t = e.position.topic;
    t = t.substr(t.find('.', 3) + 1);
    t.pop_back();
    return (e.event.source_name == "s" ? "" : e.event.source_name + "/") + t + ":" +
           std::to_string(e.position.seq);
  }

  static DecodedEvent Event(std::string_view queue, std::uint64_t seq, std::uint64_t epoch = kEpoch,
                            std::string source = "s", std::int64_t time_ms = 0,
                            std::string contact = "") {
    DecodedEvent e;
    e.event.time_ms = time_ms;
    e.event.contact_id = std::move(contact);
    e.event.type = state::EventType::kContactQueued;
    e.event.source_name = std::move(source);
    e.position.topic = "v1.t." + std::string(queue) + ".";
    e.position.epoch = epoch;
    e.position.seq = seq;
    return e;
  }

  static DecodedEvent Heartbeat(std::uint64_t seq,
                                std::vector<std::pair<std::string, std::uint64_t>> positions,
                                std::uint64_t epoch = kEpoch) {
    DecodedEvent e = Event("~hb", seq, epoch);
    e.event.type = state::EventType::kHeartbeat;
    for (auto& [q, last] : positions) e.heartbeat_positions.emplace_back("v1.t." + q + ".", last);
    return e;
  }

  void Live(DecodedEvent e) { r->Offer(e, now); }
  void Live(std::string_view queue, std::uint64_t seq, std::uint64_t epoch = kEpoch) {
    Live(Event(queue, seq, epoch));
  }

  // The bridge answers request `q` with `seqs` (status ok unless given); `times` and
  // `contacts` (optional, by position) describe the events.
  void Reply(const ReplayRequest& q, std::vector<std::uint64_t> seqs,
             ReplayStatus status = ReplayStatus::kOk, std::uint64_t first_available = 1,
             bool more = false, std::uint64_t next_seq = 0, std::vector<std::int64_t> times = {},
             std::vector<std::string> contacts = {}) {
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const std::uint64_t seq = seqs[i];
      DecodedEvent e = Event("", seq, q.epoch, q.source, i < times.size() ? times[i] : 0,
                             i < contacts.size() ? contacts[i] : "");
      e.position.topic = q.topic;
      e.replay_request = q.id;
      r->Offer(e, now);
    }
    ReplayAnswer a;
    a.request_id = q.id;
    a.status = status;
    a.topic = q.topic;
    a.first_available = first_available;
    a.more = more;
    a.next_seq = more ? next_seq : q.to_seq + 1;
    r->OnAnswer(a, now);
  }

  std::vector<std::string> TakeApplied() { return std::exchange(applied, {}); }
  std::uint64_t Result(state::ReplayResult result) const {
    return stats.replay_requests[static_cast<int>(result)];
  }

  std::int64_t now = 10'000;
  state::IngestStats stats;
  std::vector<std::string> applied;
  std::vector<std::string> declined;
  std::vector<ReplayRequest> requests;
  std::unique_ptr<Resequencer> r;
};

using Strings = std::vector<std::string>;

// ---- Numbering without replay (what ccmond did before replay, unchanged) ----

TEST(Resequencer, WithoutReplayTheFirstEventSetsTheBaselineAndGapsAreLostAtOnce) {
  Fixture f(/*replay=*/false);
  f.Live("q", 40);
  f.Live("q", 41);
  f.Live("q", 45);  // 42, 43, 44 missing.
  f.Live("q", 46);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:40", "q:41", "q:45", "q:46"}));
  EXPECT_EQ(f.stats.sequence_gaps, 1u);
  EXPECT_EQ(f.stats.events_missing, 3u);
  EXPECT_TRUE(f.requests.empty());
}

TEST(Resequencer, DuplicatesAndLateOldEpochsAreDroppedAndCounted) {
  Fixture f(/*replay=*/false);
  f.Live("q", 1, 2);
  f.Live("q", 2, 2);
  f.Live("q", 2, 2);
  f.Live("q", 1, 2);
  f.Live("q", 9, 1);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:2"}));
  EXPECT_EQ(f.stats.duplicates, 3u);
}

TEST(Resequencer, TopicsAndSourcesAreNumberedIndependently) {
  Fixture f(/*replay=*/false);
  f.Live("q", 1);
  f.Live("r", 1);
  f.Live(Fixture::Event("q", 1, kEpoch, "u"));
  f.Live("q", 2);
  EXPECT_EQ(f.r->stream_count(), 3u);
  EXPECT_EQ(f.stats.sequence_gaps, 0u);
  EXPECT_EQ(f.stats.duplicates, 0u);
}

TEST(Resequencer, ANewEpochRestartsTheStream) {
  Fixture f(/*replay=*/false);
  f.Live("q", 100, 1);
  f.Live("q", 1, 2);
  f.Live("q", 2, 2);
  EXPECT_EQ(f.stats.epoch_changes, 1u);
  EXPECT_EQ(f.stats.sequence_gaps, 0u);
  EXPECT_EQ(f.TakeApplied().size(), 3u);
}

// ---- Gap, request, hold, apply in order ----

TEST(Resequencer, AGapAsksForTheMissingRangeHoldsLaterEventsAndAppliesInOrder) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 2);
  f.Live("q", 5);  // 3 and 4 lost.
  f.Live("q", 6);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:2"}));
  ASSERT_EQ(f.requests.size(), 1u);
  const ReplayRequest& q = f.requests[0];
  EXPECT_EQ(q.source, "s");
  EXPECT_EQ(q.epoch, kEpoch);
  EXPECT_EQ(q.topic, "v1.t.q.");
  EXPECT_EQ(q.from_seq, 3u);
  EXPECT_EQ(q.to_seq, 4u);
  EXPECT_EQ(q.subscription, 0u);
  EXPECT_EQ(f.stats.sequence_gaps, 1u);
  EXPECT_EQ(f.stats.replay_events_held, 2u);
  EXPECT_EQ(f.stats.replay_events_awaited, 2u);

  f.Reply(q, {3, 4});
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:3", "q:4", "q:5", "q:6"}));
  EXPECT_EQ(f.stats.events_recovered, 2u);
  EXPECT_EQ(f.stats.events_missing, 0u);
  EXPECT_EQ(f.stats.replay_events_held, 0u);
  EXPECT_EQ(f.stats.replay_events_awaited, 0u);
  EXPECT_EQ(f.Result(state::ReplayResult::kOk), 1u);
  EXPECT_EQ(f.r->requests_outstanding(), 0u);
}

TEST(Resequencer, HoldingIsPerSourceSoOtherTopicsKeepTheirArrivalOrder) {
  Fixture f;
  f.Live("a", 1);
  f.Live("b", 1);
  f.Live("a", 3);  // a:2 lost; a:3 waits, and so does everything after it from this source.
  f.Live("b", 2);
  f.Live(Fixture::Event("a", 1, kEpoch, "other"));  // Another source is not held.
  EXPECT_EQ(f.TakeApplied(), (Strings{"a:1", "b:1", "other/a:1"}));
  f.Reply(f.requests.at(0), {2});
  // The recovered event takes the place of the one that revealed it.
  EXPECT_EQ(f.TakeApplied(), (Strings{"a:2", "a:3", "b:2"}));
}

TEST(Resequencer, SeveralGapsOfOneStreamAreAskedAtOnceAndSettleInOrder) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 3);
  f.Live("q", 5);
  ASSERT_EQ(f.requests.size(), 2u);
  f.Reply(f.requests[1], {4});  // The later gap answers first: still held behind the first.
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1"}));
  f.Reply(f.requests[0], {2});
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:2", "q:3", "q:4", "q:5"}));
  EXPECT_EQ(f.stats.sequence_gaps, 2u);
  EXPECT_EQ(f.stats.events_recovered, 2u);
}

TEST(Resequencer, DuplicatesCountOnceWhetherAppliedHeldOrRecovered) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 1);  // Applied already.
  f.Live("q", 3);
  f.Live("q", 3);  // Held.
  EXPECT_EQ(f.stats.duplicates, 2u);
  f.Reply(f.requests.at(0), {2, 2});  // The bridge's copy twice: taken once, not a duplicate.
  f.Live("q", 2);                     // Late live copy of a recovered event.
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:2", "q:3"}));
  EXPECT_EQ(f.stats.duplicates, 3u);
  EXPECT_EQ(f.stats.events_recovered, 1u);
}

TEST(Resequencer, ATimeoutCountsTheGapMissingAndReleasesWhatWasHeld) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 4);
  f.Live("q", 5);
  const ReplayRequest q = f.requests.at(0);
  f.r->Expire(f.now + kTimeout - 1);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1"}));
  f.r->Expire(f.now + kTimeout);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:4", "q:5"}));
  EXPECT_EQ(f.stats.events_missing, 2u);
  EXPECT_EQ(f.Result(state::ReplayResult::kTimeout), 1u);
  EXPECT_EQ(f.stats.replay_events_awaited, 0u);
  // A late reply changes nothing: those events were counted missing.
  f.Reply(q, {2, 3});
  EXPECT_TRUE(f.TakeApplied().empty());
  EXPECT_EQ(f.stats.events_recovered, 0u);
  EXPECT_EQ(f.Result(state::ReplayResult::kOk), 0u);
}

TEST(Resequencer, WhatTheJournalNoLongerHoldsIsCountedMissingAndTheRestApplied) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 10);
  // Retention removed everything before 6: 2..5 are gone for good, 6..9 come back.
  f.Reply(f.requests.at(0), {6, 7, 8, 9}, ReplayStatus::kGone, /*first_available=*/6);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:6", "q:7", "q:8", "q:9", "q:10"}));
  EXPECT_EQ(f.stats.events_missing, 4u);
  EXPECT_EQ(f.stats.events_recovered, 4u);
  EXPECT_EQ(f.Result(state::ReplayResult::kPartial), 1u);
}

TEST(Resequencer, AGapTheJournalNoLongerHoldsAtAllIsGone) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 4);
  f.Reply(f.requests.at(0), {}, ReplayStatus::kGone, /*first_available=*/50);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:4"}));
  EXPECT_EQ(f.stats.events_missing, 2u);
  EXPECT_EQ(f.Result(state::ReplayResult::kGone), 1u);
}

TEST(Resequencer, AnUnknownStreamOrABridgeErrorLosesTheGap) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 3);
  f.Live("r", 1);
  f.Live("r", 3);
  f.Reply(f.requests.at(0), {}, ReplayStatus::kUnknownStream, 0);
  f.Reply(f.requests.at(1), {}, ReplayStatus::kJournalError, 0);
  EXPECT_EQ(f.stats.events_missing, 2u);
  EXPECT_EQ(f.Result(state::ReplayResult::kUnknown), 1u);
  EXPECT_EQ(f.Result(state::ReplayResult::kError), 1u);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:3", "r:1", "r:3"}));
}

TEST(Resequencer, AChunkedReplyAsksForTheRestAndAppliesTheFrontEarly) {
  Fixture f(true, /*max_held=*/100'000);
  f.Live("q", 1);
  f.Live("q", 2502);
  ASSERT_EQ(f.requests.size(), 1u);
  std::vector<std::uint64_t> chunk;
  for (std::uint64_t s = 2; s <= 1001; ++s) chunk.push_back(s);
  f.Reply(f.requests[0], chunk, ReplayStatus::kOk, 1, /*more=*/true, /*next_seq=*/1002);
  // The gap is at the front of the source's queue: what came is applied without waiting.
  EXPECT_EQ(f.TakeApplied().size(), 1u + 1000u);
  ASSERT_EQ(f.requests.size(), 2u);
  EXPECT_EQ(f.requests[1].from_seq, 1002u);
  EXPECT_EQ(f.requests[1].to_seq, 2501u);
  chunk.clear();
  for (std::uint64_t s = 1002; s <= 2501; ++s) chunk.push_back(s);
  f.Reply(f.requests[1], chunk);
  const auto applied = f.TakeApplied();
  ASSERT_EQ(applied.size(), 1501u);
  EXPECT_EQ(applied.front(), "q:1002");
  EXPECT_EQ(applied.back(), "q:2502");
  EXPECT_EQ(f.stats.events_recovered, 2500u);
  EXPECT_EQ(f.Result(state::ReplayResult::kOk), 2u);
}

TEST(Resequencer, AHeartbeatRevealsALostTail) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 2);
  f.Live(Fixture::Heartbeat(1, {{"q", 4}}));  // q:3 and q:4 never came.
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:2"}));
  ASSERT_EQ(f.requests.size(), 1u);
  EXPECT_EQ(f.requests[0].from_seq, 3u);
  EXPECT_EQ(f.requests[0].to_seq, 4u);
  f.Reply(f.requests[0], {3, 4});
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:3", "q:4", "~hb:1"}));
  f.Live("q", 5);  // Numbering goes on from the announced end.
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:5"}));
  EXPECT_EQ(f.stats.sequence_gaps, 1u);
}

TEST(Resequencer, HeartbeatPositionsOutsideTheSubscriptionAreIgnored) {
  Fixture f(true, 1000, {"v1.t.q.", "v1.t.~hb."});
  f.Live("q", 1);
  f.Live(Fixture::Heartbeat(1, {{"q", 1}, {"other", 7}}));
  EXPECT_TRUE(f.requests.empty());
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "~hb:1"}));
}

TEST(Resequencer, AnEpochThatBeganWhileListeningIsOwedFromSeqOne) {
  Fixture f;
  f.Live("q", 3);  // The bridge started after the daemon: 1 and 2 were lost on the way.
  ASSERT_EQ(f.requests.size(), 1u);
  EXPECT_EQ(f.requests[0].from_seq, 1u);
  EXPECT_EQ(f.requests[0].to_seq, 2u);
  f.Reply(f.requests[0], {1, 2});
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:2", "q:3"}));
}

TEST(Resequencer, AnOlderEpochJoinedLateStartsWhereTheDaemonCameIn) {
  Fixture f;
  f.Live("q", 300, /*epoch=*/500);  // Began before the daemon listened (1000).
  EXPECT_TRUE(f.requests.empty());
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:300"}));
}

TEST(Resequencer, AfterTheFirstHeartbeatANewStreamIsOwedFromSeqOne) {
  Fixture f(/*replay=*/false);
  // Joined late: the first heartbeat anchors what exists (q at 40), nothing is owed before.
  f.Live(Fixture::Heartbeat(9, {{"q", 40}}, 500));
  f.Live("q", 41, 500);
  EXPECT_EQ(f.stats.events_missing, 0u);
  // A queue the heartbeat did not list starts at seq 1: its first two events were lost.
  f.Live("r", 3, 500);
  EXPECT_EQ(f.stats.events_missing, 2u);
  EXPECT_EQ(f.stats.sequence_gaps, 1u);
}

TEST(Resequencer, TheHoldLimitGivesUpTheBiggestHolder) {
  Fixture f(true, /*max_held=*/3);
  f.Live("q", 1);
  f.Live("q", 3);  // Holds q:3 behind the gap [2].
  f.Live("q", 4);
  f.Live("q", 5);
  EXPECT_EQ(f.stats.replay_events_held, 3u);
  f.Live("q", 6);  // Full: the gap is given up, everything applied.
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:3", "q:4", "q:5", "q:6"}));
  EXPECT_EQ(f.stats.replay_hold_overflows, 1u);
  EXPECT_EQ(f.stats.events_missing, 1u);
  EXPECT_EQ(f.Result(state::ReplayResult::kAbandoned), 1u);
  EXPECT_EQ(f.stats.replay_events_held, 0u);
  EXPECT_EQ(f.r->requests_outstanding(), 0u);
}

TEST(Resequencer, RecoveredEventsThatWereNotAskedForAreIgnored) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 3);
  ReplayRequest q = f.requests.at(0);
  q.to_seq = 3;  // The bridge also sends 3 (already held) and a foreign topic's event.
  ReplayRequest foreign = q;
  foreign.topic = "v1.t.r.";
  f.Reply(foreign, {2}, ReplayStatus::kOk, 1, /*more=*/true, 3);  // Same id, wrong topic.
  EXPECT_EQ(f.stats.events_recovered, 0u);
  EXPECT_EQ(f.r->requests_outstanding(), 0u);  // Settled: 2 did not come.
  EXPECT_EQ(f.stats.events_missing, 1u);
  EXPECT_EQ(f.TakeApplied(), (Strings{"q:1", "q:3"}));
}

// ---- Cross-topic predecessors (a transfer whose ContactTransferred was lost) ----

TEST(Resequencer, ADeclinedEventWaitsForAProbeOfThePredecessorTopic) {
  Fixture f;
  f.Live(Fixture::Event("a", 1, kEpoch, "s", 100, "x"));
  f.Live(Fixture::Event("a", 2, kEpoch, "s", 150, "y"));
  // x moves to queue b; its ContactTransferred (a:4) and a:3 were lost, not yet noticed.
  DecodedEvent queued = Fixture::Event("b", 1, kEpoch, "s", 200, "x");
  queued.event.transferred_from_queue = "a";
  f.Live(queued);
  EXPECT_EQ(f.declined, (Strings{"b:1"}));
  ASSERT_EQ(f.requests.size(), 1u);
  const ReplayRequest probe = f.requests[0];
  EXPECT_EQ(probe.topic, "v1.t.a.");
  EXPECT_EQ(probe.from_seq, 3u);
  EXPECT_EQ(probe.to_seq, 0u);  // Everything the journal has after what was applied.
  // Held behind it: c:1, then a gap in c.
  f.Live(Fixture::Event("c", 1, kEpoch, "s", 210, "z"));
  f.Live(Fixture::Event("c", 3, kEpoch, "s", 220, "z"));
  ASSERT_EQ(f.requests.size(), 2u);

  // The journal: a:3 (earlier), a:4 (x's transfer, same instant), a:5 at the same instant but
  // another contact (may be on its way: not proven lost), a:6 later. Its events come, then the
  // c gap is answered first: nothing of the probe may be applied before its own answer says
  // which events to keep.
  const std::vector<std::int64_t> times{190, 200, 200, 300};
  const std::vector<std::string> contacts{"w", "x", "v", "u"};
  for (std::size_t i = 0; i < 4; ++i) {
    DecodedEvent e = Fixture::Event("a", 3 + i, kEpoch, "s", times[i], contacts[i]);
    e.replay_request = probe.id;
    f.r->Offer(e, f.now);
  }
  f.Reply(f.requests[1], {2});
  EXPECT_EQ(f.TakeApplied(), (Strings{"a:1", "a:2"}));
  f.Reply(probe, {}, ReplayStatus::kOk, 1, false, 7);
  EXPECT_EQ(f.TakeApplied(), (Strings{"a:3", "a:4", "b:1", "c:1", "c:2", "c:3"}));
  EXPECT_EQ(f.stats.events_recovered, 3u);
  EXPECT_EQ(f.stats.sequence_gaps, 2u);
  EXPECT_EQ(f.stats.events_missing, 0u);
  EXPECT_EQ(f.stats.replay_events_held, 0u);
  // a:5 does arrive: next in order, not a duplicate.
  f.Live(Fixture::Event("a", 5, kEpoch, "s", 200, "v"));
  EXPECT_EQ(f.TakeApplied(), (Strings{"a:5"}));
  EXPECT_EQ(f.stats.duplicates, 0u);
}

TEST(Resequencer, AProbeThatFindsNothingLostAppliesTheDeclinedEventAsItIs) {
  Fixture f;
  f.Live(Fixture::Event("a", 1, kEpoch, "s", 100, "x"));
  DecodedEvent queued = Fixture::Event("b", 1, kEpoch, "s", 200, "x");
  queued.event.transferred_from_queue = "a";
  f.Live(queued);
  f.Reply(f.requests.at(0), {2}, ReplayStatus::kOk, 1, false, 3, {250}, {"y"});
  EXPECT_EQ(f.TakeApplied(), (Strings{"a:1", "b:1"}));
  EXPECT_EQ(f.stats.sequence_gaps, 0u);
  EXPECT_EQ(f.stats.events_recovered, 0u);
  // A probe that times out releases it too, and counts nothing missing.
  DecodedEvent again = Fixture::Event("c", 1, kEpoch, "s", 300, "y");
  again.event.transferred_from_queue = "a";
  f.Live(again);
  f.r->Expire(f.now + kTimeout);
  EXPECT_EQ(f.TakeApplied(), (Strings{"c:1"}));
  EXPECT_EQ(f.stats.events_missing, 0u);
  EXPECT_EQ(f.Result(state::ReplayResult::kTimeout), 1u);
}

TEST(Resequencer, WithoutReplayNothingIsDeclined) {
  Fixture f(/*replay=*/false);
  DecodedEvent queued = Fixture::Event("b", 1, kEpoch, "s", 200, "x");
  queued.event.transferred_from_queue = "a";
  f.Live(queued);
  EXPECT_TRUE(f.declined.empty());
  EXPECT_EQ(f.TakeApplied(), (Strings{"b:1"}));
}

TEST(Resequencer, PositionsSayWhatWasAppliedAndRestoreResumesFromThem) {
  Fixture f;
  f.Live("q", 1);
  f.Live("q", 2);
  f.Live("q", 5);  // Gap open: the position stays at 2.
  auto positions = f.r->Positions();
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0].seq, 2u);
  EXPECT_EQ(positions[0].topic, "v1.t.q.");
  EXPECT_EQ(positions[0].epoch, kEpoch);

  // A restarted daemon restores it: the next event reveals what it missed meanwhile.
  Fixture g;
  g.r->Restore(positions[0]);
  g.Live("q", 9);
  ASSERT_EQ(g.requests.size(), 1u);
  EXPECT_EQ(g.requests[0].from_seq, 3u);
  EXPECT_EQ(g.requests[0].to_seq, 8u);
}

}  // namespace
}  // namespace ccmon::ingest
