// FcrTracker and FcrIndex: the settlement rule of first-contact resolution (DESIGN §3) case by
// case, the compact index against a reference map, a randomised comparison of the tracker with a
// brute-force model of the rule, the memory bound, and checkpoint round trips.
#include "collectors/fcr_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "collectors/fcr_index.h"
#include "collectors/fcr_key.h"

namespace ccmon::collectors {
namespace {

using Outcome = FcrOutcome;
using Scope = FcrScope;

constexpr UnixMs kSec = 1000;
constexpr UnixMs kHour = 3600 * kSec;
constexpr UnixMs kDay = 24 * kHour;
constexpr UnixMs kT0 = 1'700'000'000 * kSec;
constexpr int k24h = 0;
constexpr int k72h = 1;
constexpr int k7d = 2;
constexpr state::QueueId kSales = 0;
constexpr state::QueueId kSupport = 1;
constexpr std::uint64_t kAnn = 0x1111'2222'3333'4444ULL;
constexpr std::uint64_t kBob = 0x5555'6666'7777'8888ULL;

// ---- FcrIndex -----------------------------------------------------------------------------------

TEST(FcrIndex, AgreesWithAReferenceMapThroughGrowthDeletionAndShrinking) {
  std::vector<std::uint64_t> keys;  // keys[seq]
  FcrIndex index;
  auto find = [&](std::uint64_t key) {
    return index.Find(FcrIndex::TagOf(key),
                      [&](const FcrIndex::Slot& s) { return keys[s.seq] == key; });
  };
  std::vector<std::uint32_t> live;  // Seqs held.
  std::set<std::uint64_t> used;
  std::mt19937_64 rng(42);
  std::size_t peak_capacity = 0;
  for (int round = 0; round < 60'000; ++round) {
    // Grow to ~13,000 keys, then shrink to a few hundred.
    const bool insert = live.size() < 200 || (round < 40'000 ? rng() % 3 != 0 : rng() % 10 == 0);
    if (insert) {
      // Only 5,000 distinct tags: many keys share one, and long runs, shifts and wrap-around
      // happen.
      const std::uint64_t key = ((rng() % 5000 + 1) << 44) | (rng() & 0xffff'ffffULL);
      if (!used.insert(key).second) continue;
      const auto seq = static_cast<std::uint32_t>(keys.size());
      keys.push_back(key);
      index.Insert(FcrIndex::TagOf(key), seq);
      live.push_back(seq);
    } else {
      const std::size_t i = rng() % live.size();
      const std::uint32_t seq = live[i];
      FcrIndex::Slot* slot = find(keys[seq]);
      ASSERT_NE(slot, nullptr);
      ASSERT_EQ(slot->seq, seq);
      index.Erase(slot);
      live[i] = live.back();
      live.pop_back();
      ASSERT_EQ(find(keys[seq]), nullptr);
      index.Shrink();
    }
    ASSERT_EQ(index.size(), live.size());
    ASSERT_LE(index.size() * 5, index.capacity() * 4);
    peak_capacity = std::max(peak_capacity, index.capacity());
    if (round % 4'999 == 0) {
      for (std::uint32_t seq : live) {
        const FcrIndex::Slot* slot = find(keys[seq]);
        ASSERT_NE(slot, nullptr);
        EXPECT_EQ(slot->seq, seq);
        EXPECT_EQ(index.FindSeq(FcrIndex::TagOf(keys[seq]), seq), slot);
      }
    }
  }
  EXPECT_GT(peak_capacity, 15'000u);
  EXPECT_LT(index.capacity(), 3'000u) << "shrinks after the peak";
  EXPECT_EQ(index.bytes(), index.capacity() * 8);
}

TEST(FcrIndex, TagsAreNeverZero) {
  EXPECT_EQ(FcrIndex::TagOf(0x0000'0000'1234'5678ULL), 1u);
  EXPECT_EQ(FcrIndex::TagOf(0xabcd'0000'0000'0000ULL), 0xabcd'0000u);
}

// ---- Keys ---------------------------------------------------------------------------------------

TEST(FcrKey, BridgeDigestsUseTheirFirstSixteenHexDigits) {
  EXPECT_EQ(FcrCallerHash("0123456789abcdef0011223344556677"), 0x0123456789abcdefULL);
  EXPECT_EQ(FcrCallerHash("0123456789ABCDEF"), 0x0123456789abcdefULL);
  // Other strings are hashed: different, and not their prefix.
  EXPECT_NE(FcrCallerHash("caller1"), FcrCallerHash("caller2"));
  EXPECT_NE(FcrCallerHash("0123456789abcdeX"), 0x0123456789abcd0ULL);
  EXPECT_NE(FcrContactHash(1, "c1"), FcrContactHash(2, "c1"));
  EXPECT_NE(FcrContactHash(1, "c1"), FcrContactHash(1, "c2"));
}

// ---- The rule, case by case ---------------------------------------------------------------------

class Fcr : public ::testing::Test {
 protected:
  Fcr() : tracker_(FcrOptions{}) {}

  std::uint64_t Settled(state::QueueId q, int w, Scope s, Outcome o) const {
    return tracker_.settled(q, w, s, o);
  }
  // Settled count of (q, w, outcome) in both scopes, as {group, global}.
  std::pair<std::uint64_t, std::uint64_t> Both(state::QueueId q, int w, Outcome o) const {
    return {Settled(q, w, Scope::kGroup, o), Settled(q, w, Scope::kGlobal, o)};
  }
  std::uint64_t TotalSettled() const {
    std::uint64_t sum = 0;
    for (state::QueueId q : {kSales, kSupport}) {
      for (int w = 0; w < tracker_.window_count(); ++w) {
        for (Scope s : {Scope::kGroup, Scope::kGlobal}) {
          for (Outcome o : {Outcome::kResolved, Outcome::kRepeat, Outcome::kUnresolved}) {
            sum += Settled(q, w, s, o);
          }
        }
      }
    }
    return sum;
  }
  std::uint64_t Open(int w, Scope s) const { return tracker_.open_contacts(w, s); }

  FcrTracker tracker_;
};

using P = std::pair<std::uint64_t, std::uint64_t>;

TEST_F(Fcr, ContactWithoutRepeatIsResolvedWhenEachWindowPasses) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  EXPECT_EQ(tracker_.tracked_callers(), 1u);
  EXPECT_EQ(Open(k24h, Scope::kGroup), 1u);
  EXPECT_EQ(Open(k7d, Scope::kGlobal), 1u);

  tracker_.Advance(kT0 + kDay);  // Exactly W later: a contact now would still be a repeat.
  EXPECT_EQ(TotalSettled(), 0u);
  tracker_.Advance(kT0 + kDay + 1);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kResolved), P(1, 1));
  EXPECT_EQ(Open(k24h, Scope::kGlobal), 0u);
  EXPECT_EQ(Open(k72h, Scope::kGlobal), 1u);

  tracker_.Advance(kT0 + 3 * kDay + 1);
  EXPECT_EQ(Both(kSales, k72h, Outcome::kResolved), P(1, 1));
  tracker_.Advance(kT0 + 7 * kDay + 1);
  EXPECT_EQ(Both(kSales, k7d, Outcome::kResolved), P(1, 1));
  EXPECT_EQ(TotalSettled(), 6u);
  EXPECT_EQ(tracker_.tracked_callers(), 0u);
  EXPECT_EQ(tracker_.tracked_contacts(), 0u);
  EXPECT_EQ(tracker_.open_records(), 0u);
}

TEST_F(Fcr, ContactAgainWithinTheShortestWindowIsARepeatInEveryWindow) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnContact(kAnn, kSales, kT0 + 2 * kHour);
  for (int w : {k24h, k72h, k7d}) {
    EXPECT_EQ(Both(kSales, w, Outcome::kRepeat), P(1, 1)) << w;
    EXPECT_EQ(tracker_.repeat_contacts(kSales, w, Scope::kGroup), 1u);
    EXPECT_EQ(tracker_.repeat_contacts(kSales, w, Scope::kGlobal), 1u);
    EXPECT_EQ(Open(w, Scope::kGlobal), 0u);
  }
  EXPECT_EQ(tracker_.tracked_callers(), 0u);
  tracker_.Advance(kT0 + 8 * kDay);
  EXPECT_EQ(TotalSettled(), 6u) << "nothing settles twice";
}

TEST_F(Fcr, ContactAgainAfterThirtyHoursIsResolvedForTheDayAndARepeatForLongerWindows) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.Advance(kT0 + 25 * kHour);
  tracker_.OnContact(kAnn, kSales, kT0 + 30 * kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kResolved), P(1, 1));
  EXPECT_EQ(Both(kSales, k24h, Outcome::kRepeat), P(0, 0));
  EXPECT_EQ(Both(kSales, k72h, Outcome::kRepeat), P(1, 1));
  EXPECT_EQ(Both(kSales, k7d, Outcome::kRepeat), P(1, 1));
  EXPECT_EQ(tracker_.repeat_contacts(kSales, k24h, Scope::kGlobal), 0u);
  EXPECT_EQ(tracker_.repeat_contacts(kSales, k72h, Scope::kGlobal), 1u);
}

TEST_F(Fcr, RepeatDecisionUsesTheFactTimeEvenBeforeTheClockAdvanced) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  // The contact comes 25 h later, in the same batch: no Advance() yet.
  tracker_.OnContact(kAnn, kSales, kT0 + 25 * kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kRepeat), P(0, 0));
  EXPECT_EQ(Both(kSales, k72h, Outcome::kRepeat), P(1, 1));
  tracker_.Advance(kT0 + 25 * kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kResolved), P(1, 1));
}

TEST_F(Fcr, ContactIntoAnotherGroupSettlesOnlyTheGlobalScope) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnContact(kAnn, kSupport, kT0 + kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kRepeat), P(0, 1));
  EXPECT_EQ(Open(k24h, Scope::kGroup), 1u);
  EXPECT_EQ(Open(k24h, Scope::kGlobal), 0u);
  EXPECT_EQ(tracker_.repeat_contacts(kSupport, k24h, Scope::kGlobal), 1u);
  EXPECT_EQ(tracker_.repeat_contacts(kSupport, k24h, Scope::kGroup), 0u);
  EXPECT_EQ(tracker_.tracked_callers(), 1u) << "still open in sales' group";

  // Back in sales within the day: a repeat in the group scope; the global scope had its verdict.
  tracker_.OnContact(kAnn, kSales, kT0 + 2 * kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kRepeat), P(1, 1));
  EXPECT_EQ(tracker_.repeat_contacts(kSales, k24h, Scope::kGroup), 1u);
  EXPECT_EQ(tracker_.repeat_contacts(kSales, k24h, Scope::kGlobal), 0u);
  EXPECT_EQ(tracker_.tracked_callers(), 0u);
}

TEST_F(Fcr, QueuesOfOneGroupShareTheGroupScope) {
  tracker_.SetQueueGroup(kSales, 7);
  tracker_.SetQueueGroup(kSupport, 7);
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnContact(kAnn, kSupport, kT0 + kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kRepeat), P(1, 1)) << "counted for the handling queue";
  EXPECT_EQ(Both(kSupport, k24h, Outcome::kRepeat), P(0, 0));
  EXPECT_EQ(tracker_.repeat_contacts(kSupport, k24h, Scope::kGroup), 1u);
}

TEST_F(Fcr, OtherCallersDoNotSettleAContact) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnContact(kBob, kSales, kT0 + kHour);
  EXPECT_EQ(TotalSettled(), 0u);
  EXPECT_EQ(tracker_.repeat_contacts(kSales, k24h, Scope::kGlobal), 0u);
}

TEST_F(Fcr, NotResolvedSettlesAtOnceAndTheCallBackStillCountsAsARepeatContact) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnNotResolved(1, kT0 + 30 * kSec);
  for (int w : {k24h, k72h, k7d}) {
    EXPECT_EQ(Both(kSales, w, Outcome::kUnresolved), P(1, 1));
    EXPECT_EQ(Open(w, Scope::kGroup), 0u);
  }
  EXPECT_EQ(tracker_.open_records(), 0u);
  tracker_.OnNotResolved(1, kT0 + 60 * kSec);  // A survey saying the same: nothing left.
  EXPECT_EQ(TotalSettled(), 6u);

  tracker_.OnContact(kAnn, kSales, kT0 + kHour);
  EXPECT_EQ(TotalSettled(), 6u);
  EXPECT_EQ(tracker_.repeat_contacts(kSales, k24h, Scope::kGlobal), 1u);
  EXPECT_EQ(tracker_.tracked_callers(), 0u);
  tracker_.Advance(kT0 + 8 * kDay);
  EXPECT_EQ(TotalSettled(), 6u);
}

TEST_F(Fcr, LateSurveySettlesOnlyTheWindowsStillOpen) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.Advance(kT0 + 25 * kHour);
  tracker_.OnNotResolved(1, kT0 + 26 * kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kResolved), P(1, 1));
  EXPECT_EQ(Both(kSales, k24h, Outcome::kUnresolved), P(0, 0));
  EXPECT_EQ(Both(kSales, k72h, Outcome::kUnresolved), P(1, 1));
  EXPECT_EQ(Both(kSales, k7d, Outcome::kUnresolved), P(1, 1));
}

TEST_F(Fcr, UnknownContactsAndCallersAreIgnored) {
  tracker_.OnNotResolved(99, kT0);
  tracker_.OnHandoff(99);
  tracker_.OnContact(kAnn, kSales, kT0);
  EXPECT_EQ(TotalSettled(), 0u);
  EXPECT_EQ(tracker_.tracked_callers(), 0u);
}

TEST_F(Fcr, HandoffForgetsTheLegAndTheContactIsHandledWhereItEnds) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnHandoff(1);
  EXPECT_EQ(tracker_.tracked_callers(), 0u);
  EXPECT_EQ(Open(k24h, Scope::kGlobal), 0u);
  tracker_.OnHandled(kAnn, 1, kSupport, kT0 + 600 * kSec);
  tracker_.Advance(kT0 + 8 * kDay);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kResolved), P(0, 0));
  EXPECT_EQ(Both(kSupport, k24h, Outcome::kResolved), P(1, 1));
  EXPECT_EQ(TotalSettled(), 6u);
}

TEST_F(Fcr, OverlappingContactsOfOneCallerAreAllSettledByTheNextContact) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnHandled(kAnn, 2, kSales, kT0 + 10 * kSec);
  tracker_.OnHandled(kBob, 3, kSales, kT0 + 20 * kSec);
  tracker_.OnContact(kAnn, kSales, kT0 + kHour);
  EXPECT_EQ(Both(kSales, k24h, Outcome::kRepeat), P(2, 2));
  EXPECT_EQ(tracker_.repeat_contacts(kSales, k24h, Scope::kGlobal), 1u) << "one contact";
  EXPECT_EQ(tracker_.tracked_callers(), 1u);  // Bob.
  tracker_.Advance(kT0 + 8 * kDay);
  EXPECT_EQ(Both(kSales, k7d, Outcome::kResolved), P(1, 1));
}

TEST_F(Fcr, NotResolvedPicksTheNewestRecordOfAContactHandledTwice) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnHandled(kAnn, 1, kSupport, kT0 + kSec);
  tracker_.OnNotResolved(1, kT0 + 2 * kSec);
  EXPECT_EQ(Both(kSupport, k24h, Outcome::kUnresolved), P(1, 1));
  EXPECT_EQ(Both(kSales, k24h, Outcome::kUnresolved), P(0, 0));
}

TEST_F(Fcr, RatioPeriodCountsSettlementsOfTheTrailingDayOnly) {
  tracker_.OnHandled(kAnn, 1, kSales, kT0);
  tracker_.OnHandled(kBob, 2, kSales, kT0);
  tracker_.OnContact(kBob, kSales, kT0 + kHour);  // Settled at T0 + 1 h.
  tracker_.Advance(kT0 + kDay + kSec);            // Ann resolved at T0 + 24 h.
  const UnixMs now = kT0 + kDay + kSec;
  EXPECT_EQ(tracker_.settled_in_period(kSales, k24h, Scope::kGlobal, Outcome::kResolved, now), 1u);
  EXPECT_EQ(tracker_.settled_in_period(kSales, k24h, Scope::kGlobal, Outcome::kRepeat, now), 1u);
  // Two days on, both have left the period; the counters keep them.
  const UnixMs later = kT0 + 2 * kDay + 2 * kHour;
  EXPECT_EQ(tracker_.settled_in_period(kSales, k24h, Scope::kGlobal, Outcome::kRepeat, later), 0u);
  EXPECT_EQ(tracker_.settled_in_period(kSales, k24h, Scope::kGlobal, Outcome::kResolved, later),
            0u);
  EXPECT_EQ(Settled(kSales, k24h, Scope::kGlobal, Outcome::kResolved), 1u);
  // The bucket of T0 + 1 h drops out once a full period (24 hourly buckets) lies after it.
  const UnixMs edge = (kT0 + kHour) / kHour * kHour + kDay;
  EXPECT_EQ(tracker_.settled_in_period(kSales, k24h, Scope::kGlobal, Outcome::kRepeat, edge - 1),
            1u);
  EXPECT_EQ(tracker_.settled_in_period(kSales, k24h, Scope::kGlobal, Outcome::kRepeat, edge), 0u);
}

TEST(FcrBound, BeyondMaxTrackedContactsTheOldestIsDroppedUnsettled) {
  FcrOptions options;
  options.max_tracked_contacts = 3;
  FcrTracker tracker(options);
  for (std::uint64_t c = 1; c <= 4; ++c) tracker.OnHandled(c << 32 | c, c, kSales, kT0 + 1000 * c);
  EXPECT_EQ(tracker.tracked_contacts(), 3u);
  EXPECT_EQ(tracker.dropped(), 1u);
  EXPECT_EQ(tracker.tracked_callers(), 3u);
  EXPECT_EQ(tracker.open_contacts(k24h, Scope::kGlobal), 3u);
  tracker.OnContact(1ULL << 32 | 1, kSales, kT0 + kHour);  // The dropped caller: no verdict.
  EXPECT_EQ(tracker.settled(kSales, k24h, Scope::kGlobal, Outcome::kRepeat), 0u);
  // Settled records are freed first: a repeat frees room without dropping anything.
  tracker.OnContact(2ULL << 32 | 2, kSales, kT0 + kHour);
  tracker.Advance(kT0 + kHour);
  tracker.OnHandled(5ULL << 32 | 5, 5, kSales, kT0 + kHour);
  EXPECT_EQ(tracker.dropped(), 1u);
}

TEST(FcrBound, RingBlocksAndIndexesAreFreedWhenEverythingIsSettled) {
  FcrTracker tracker{FcrOptions{}};
  constexpr std::uint64_t kCallers = 20'000;  // Five ring blocks.
  for (std::uint64_t c = 0; c < kCallers; ++c) {
    tracker.OnHandled(FcrMix64(c), FcrMix64(c + kCallers), kSales,
                      kT0 + static_cast<UnixMs>(c) * kSec);
  }
  EXPECT_EQ(tracker.tracked_callers(), kCallers);
  EXPECT_GE(tracker.record_bytes(), kCallers * sizeof(FcrRecord));
  const double per_caller =
      static_cast<double>(tracker.record_bytes() + tracker.caller_index_bytes() +
                          tracker.contact_index_bytes()) /
      static_cast<double>(kCallers);
  EXPECT_LT(per_caller, 64.0);
  for (std::uint64_t c = 0; c < kCallers; c += 2) {
    tracker.OnContact(FcrMix64(c), kSales, kT0 + static_cast<UnixMs>(kCallers + c) * kSec);
  }
  tracker.Advance(kT0 + 9 * kDay);
  EXPECT_EQ(tracker.settled(kSales, k7d, Scope::kGlobal, Outcome::kRepeat), kCallers / 2);
  EXPECT_EQ(tracker.settled(kSales, k7d, Scope::kGlobal, Outcome::kResolved), kCallers / 2);
  EXPECT_EQ(tracker.tracked_contacts(), 0u);
  EXPECT_LE(tracker.record_bytes(), 2 * FcrTracker::kBlockRecords * sizeof(FcrRecord) + 64)
      << "at most the block being filled and one spare";
  EXPECT_LT(tracker.caller_index_bytes(), 1024u);
  EXPECT_LT(tracker.contact_index_bytes(), 1024u);
}

TEST(FcrBound, QueueIdsBeyondSixteenBitsAreDropped) {
  FcrTracker tracker{FcrOptions{}};
  tracker.OnHandled(kAnn, 1, 0x10000, kT0);
  EXPECT_EQ(tracker.dropped(), 1u);
  EXPECT_EQ(tracker.tracked_contacts(), 0u);
}

TEST(FcrOptionsTest, WindowsAreSortedDeduplicatedAndCappedAtFour) {
  FcrOptions options;
  options.windows_ms = {3 * kDay, kDay, kDay, -5, 7 * kDay, 30 * kDay, 2 * kDay};
  FcrTracker tracker(options);
  ASSERT_EQ(tracker.window_count(), 4);
  EXPECT_EQ(tracker.window_ms(0), kDay);
  EXPECT_EQ(tracker.window_ms(1), 2 * kDay);
  EXPECT_EQ(tracker.window_ms(3), 7 * kDay);
}

// ---- Randomised: the tracker against a brute-force model of the rule --------------------------

// Every handled contact as a plain list; every operation scans all of it.
class ReferenceFcr {
 public:
  ReferenceFcr(std::vector<std::int64_t> windows, std::int64_t bucket_ms)
      : windows_(std::move(windows)), bucket_ms_(bucket_ms) {}

  void SetGroup(state::QueueId q, std::uint32_t g) { groups_[q] = g; }
  void Handled(std::uint64_t caller, std::uint64_t contact, state::QueueId q, UnixMs t) {
    Rec r;
    r.caller = caller;
    r.contact = contact;
    r.queue = q;
    r.end_ms = t / 1000 * 1000;
    for (std::size_t w = 0; w < windows_.size(); ++w) r.open[w].fill(true);
    r.follow = r.open;
    records_.push_back(r);
  }
  void Handoff(std::uint64_t contact) {
    if (Rec* r = Newest(contact)) {
      for (auto& o : r->open) o.fill(false);
      for (auto& o : r->follow) o.fill(false);
    }
  }
  void NotResolved(std::uint64_t contact, UnixMs t) {
    if (Rec* r = Newest(contact)) {
      for (std::size_t w = 0; w < windows_.size(); ++w) {
        for (int s = 0; s < 2; ++s) {
          if (r->open[w][s]) Count(*r, static_cast<int>(w), s, Outcome::kUnresolved, t);
          r->open[w][s] = false;
        }
      }
    }
  }
  void Contact(std::uint64_t caller, state::QueueId q, UnixMs t) {
    std::array<std::array<bool, 2>, kFcrMaxWindows> hit{};
    for (Rec& r : records_) {
      if (r.caller != caller) continue;
      for (std::size_t w = 0; w < windows_.size(); ++w) {
        if (t > r.end_ms + windows_[w]) continue;
        for (int s = 0; s < 2; ++s) {
          if (s == 0 && Group(r.queue) != Group(q)) continue;
          hit[w][s] = hit[w][s] || r.follow[w][s];
          if (r.open[w][s]) Count(r, static_cast<int>(w), s, Outcome::kRepeat, t);
          r.open[w][s] = r.follow[w][s] = false;
        }
      }
    }
    for (std::size_t w = 0; w < windows_.size(); ++w) {
      for (int s = 0; s < 2; ++s) {
        if (hit[w][s]) ++repeat_contacts[{q, static_cast<int>(w), s}];
      }
    }
  }
  void Advance(UnixMs now) {
    for (Rec& r : records_) {
      for (std::size_t w = 0; w < windows_.size(); ++w) {
        const UnixMs due = r.end_ms + windows_[w];
        if (due >= now) continue;
        for (int s = 0; s < 2; ++s) {
          if (r.open[w][s]) Count(r, static_cast<int>(w), s, Outcome::kResolved, due);
          r.open[w][s] = r.follow[w][s] = false;
        }
      }
    }
  }
  std::uint64_t Open(int w, int s) const {
    std::uint64_t n = 0;
    for (const Rec& r : records_) n += r.open[static_cast<std::size_t>(w)][s] ? 1 : 0;
    return n;
  }
  std::size_t Callers() const {
    std::set<std::uint64_t> callers;
    for (const Rec& r : records_) {
      if (r.Alive()) callers.insert(r.caller);
    }
    return callers.size();
  }
  std::size_t OpenRecords() const {
    return static_cast<std::size_t>(
        std::count_if(records_.begin(), records_.end(), [](const Rec& r) { return r.AnyOpen(); }));
  }
  std::uint64_t InPeriod(state::QueueId q, int w, int s, Outcome o, UnixMs now) const {
    const std::int64_t newest = now / bucket_ms_;
    std::uint64_t n = 0;
    for (std::int64_t b = newest - FcrTracker::kPeriodBuckets + 1; b <= newest; ++b) {
      auto it = by_bucket_.find({q, w, s, o, b});
      if (it != by_bucket_.end()) n += it->second;
    }
    return n;
  }

  std::map<std::tuple<state::QueueId, int, int, Outcome>, std::uint64_t> settled;
  std::map<std::tuple<state::QueueId, int, int>, std::uint64_t> repeat_contacts;

 private:
  struct Rec {
    std::uint64_t caller = 0;
    std::uint64_t contact = 0;
    state::QueueId queue = 0;
    UnixMs end_ms = 0;
    std::array<std::array<bool, 2>, kFcrMaxWindows> open{};
    std::array<std::array<bool, 2>, kFcrMaxWindows> follow{};
    bool AnyOpen() const {
      for (const auto& o : open) {
        if (o[0] || o[1]) return true;
      }
      return false;
    }
    bool Alive() const {
      for (const auto& f : follow) {
        if (f[0] || f[1]) return true;
      }
      return AnyOpen();
    }
  };
  std::uint32_t Group(state::QueueId q) const {
    auto it = groups_.find(q);
    return it == groups_.end() ? 1000 + q : it->second;
  }
  Rec* Newest(std::uint64_t contact) {
    for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
      if (it->contact == contact && it->AnyOpen()) return &*it;
    }
    return nullptr;
  }
  void Count(const Rec& r, int w, int s, Outcome o, UnixMs t) {
    ++settled[{r.queue, w, s, o}];
    ++by_bucket_[{r.queue, w, s, o, t / bucket_ms_}];
  }

  std::vector<std::int64_t> windows_;
  std::int64_t bucket_ms_;
  std::map<state::QueueId, std::uint32_t> groups_;
  std::vector<Rec> records_;
  // Settlements by (queue, window, scope, outcome, ⌊t / bucket⌋).
  std::map<std::tuple<state::QueueId, int, int, Outcome, std::int64_t>, std::uint64_t> by_bucket_;
};

void ExpectSame(const FcrTracker& tracker, const ReferenceFcr& ref, int queues, UnixMs now,
                const std::string& where) {
  SCOPED_TRACE(where);
  for (int w = 0; w < tracker.window_count(); ++w) {
    for (int s = 0; s < 2; ++s) {
      const auto scope = static_cast<Scope>(s);
      ASSERT_EQ(tracker.open_contacts(w, scope), ref.Open(w, s)) << "open w" << w << " s" << s;
      for (int q = 0; q < queues; ++q) {
        const auto queue = static_cast<state::QueueId>(q);
        for (Outcome o : {Outcome::kResolved, Outcome::kRepeat, Outcome::kUnresolved}) {
          auto it = ref.settled.find({queue, w, s, o});
          ASSERT_EQ(tracker.settled(queue, w, scope, o), it == ref.settled.end() ? 0 : it->second)
              << "q" << q << " w" << w << " s" << s << " " << FcrOutcomeName(o);
          ASSERT_EQ(tracker.settled_in_period(queue, w, scope, o, now),
                    ref.InPeriod(queue, w, s, o, now))
              << "period q" << q << " w" << w << " s" << s << " " << FcrOutcomeName(o);
        }
        auto it = ref.repeat_contacts.find({queue, w, s});
        ASSERT_EQ(tracker.repeat_contacts(queue, w, scope),
                  it == ref.repeat_contacts.end() ? 0 : it->second)
            << "repeat contacts q" << q << " w" << w << " s" << s;
      }
    }
  }
  ASSERT_EQ(tracker.tracked_callers(), ref.Callers());
  ASSERT_EQ(tracker.open_records(), ref.OpenRecords());
}

// One randomised run: `callers` callers and 3 queues (0 and 1 in one group), the clock moving by
// up to `max_step`. Optionally saves and restores into a fresh tracker halfway.
void RandomRun(std::uint64_t seed, int callers, UnixMs max_step, bool restore_halfway) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  FcrOptions options;
  options.windows_ms = {kHour, 6 * kHour, kDay};
  options.ratio_period_ms = 12 * kHour;
  auto tracker = std::make_unique<FcrTracker>(options);
  ReferenceFcr ref(options.windows_ms, options.ratio_period_ms / FcrTracker::kPeriodBuckets);
  auto set_groups = [&](FcrTracker* t) {
    t->SetQueueGroup(0, 3);
    t->SetQueueGroup(1, 3);
  };
  set_groups(tracker.get());
  ref.SetGroup(0, 3);
  ref.SetGroup(1, 3);
  std::mt19937_64 rng(seed);
  UnixMs now = kT0;
  std::uint64_t next_contact = 1;
  std::vector<std::uint64_t> recent;  // Contacts handled lately.
  constexpr int kSteps = 6'000;
  for (int step = 0; step < kSteps; ++step) {
    now += static_cast<UnixMs>(rng() % static_cast<std::uint64_t>(max_step));
    const std::uint64_t caller = FcrMix64(rng() % static_cast<std::uint64_t>(callers) + 1);
    const auto q = static_cast<state::QueueId>(rng() % 3);
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2: {
        // Sometimes the same contact again (a duplicate end).
        const std::uint64_t contact =
            !recent.empty() && rng() % 20 == 0 ? recent.back() : FcrMix64(next_contact++);
        tracker->OnHandled(caller, contact, q, now);
        ref.Handled(caller, contact, q, now);
        recent.push_back(contact);
        break;
      }
      case 3:
      case 4:
      case 5:
        tracker->OnContact(caller, q, now);
        ref.Contact(caller, q, now);
        break;
      case 6:
        if (!recent.empty()) {
          const std::uint64_t c = recent[rng() % recent.size()];
          tracker->OnNotResolved(c, now);
          ref.NotResolved(c, now);
        }
        break;
      case 7:
        if (!recent.empty()) {
          tracker->OnHandoff(recent.back());
          ref.Handoff(recent.back());
        }
        break;
      default:
        tracker->Advance(now);
        ref.Advance(now);
    }
    if (recent.size() > 200) recent.erase(recent.begin(), recent.begin() + 100);
    if (step % 97 == 0) ExpectSame(*tracker, ref, 3, now, "step " + std::to_string(step));
    if (::testing::Test::HasFatalFailure()) return;
    if (restore_halfway && step == kSteps / 2) {
      FcrSnapshot snapshot;
      tracker->Save(&snapshot);
      auto restored = std::make_unique<FcrTracker>(options);
      set_groups(restored.get());
      ASSERT_TRUE(restored->Restore(snapshot));
      EXPECT_EQ(restored->tracked_contacts(), tracker->tracked_contacts());
      tracker = std::move(restored);
    }
  }
  tracker->Advance(now + 2 * kDay);
  ref.Advance(now + 2 * kDay);
  ExpectSame(*tracker, ref, 3, now + 2 * kDay, "end");
  EXPECT_EQ(tracker->tracked_contacts(), 0u);
  EXPECT_EQ(tracker->tracked_callers(), 0u);
}

TEST(FcrRandomised, AgreesWithABruteForceModelOfTheRule) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    RandomRun(seed, 40, 20 * 60 * kSec, false);
    RandomRun(seed + 100, 400, 3 * 60 * kSec, false);
  }
}

TEST(FcrRandomised, ContinuesIdenticallyAfterASaveAndRestore) {
  for (std::uint64_t seed = 11; seed <= 13; ++seed) RandomRun(seed, 60, 10 * 60 * kSec, true);
}

TEST(FcrCheckpoint, RestoreRefusesOtherWindowsAndBrokenSnapshots) {
  FcrTracker tracker{FcrOptions{}};
  tracker.OnHandled(kAnn, 1, kSales, kT0);
  FcrSnapshot snapshot;
  tracker.Save(&snapshot);
  ASSERT_EQ(snapshot.records.size(), 1u);

  FcrOptions other;
  other.windows_ms = {kDay};
  FcrTracker different(other);
  EXPECT_FALSE(different.Restore(snapshot));

  FcrSnapshot broken = snapshot;
  broken.cursor_offsets[0] = 5;
  FcrTracker fresh{FcrOptions{}};
  EXPECT_FALSE(fresh.Restore(broken));
  EXPECT_EQ(fresh.tracked_contacts(), 0u);
}

TEST(FcrCheckpoint, IndexesAreRebuiltFromTheRecords) {
  FcrTracker tracker{FcrOptions{}};
  tracker.OnHandled(kAnn, 1, kSales, kT0);
  tracker.OnHandled(kAnn, 2, kSupport, kT0 + kSec);
  tracker.OnHandled(kBob, 3, kSales, kT0 + 2 * kSec);
  tracker.OnNotResolved(3, kT0 + 3 * kSec);
  FcrSnapshot snapshot;
  tracker.Save(&snapshot);
  FcrTracker restored{FcrOptions{}};
  ASSERT_TRUE(restored.Restore(snapshot));
  EXPECT_EQ(restored.tracked_callers(), 2u);
  EXPECT_EQ(restored.open_records(), 2u);
  EXPECT_EQ(restored.open_contacts(k24h, Scope::kGlobal), 2u);
  restored.OnNotResolved(2, kT0 + 4 * kSec);
  EXPECT_EQ(restored.settled(kSupport, k24h, Scope::kGlobal, Outcome::kUnresolved), 1u);
  restored.OnContact(kAnn, kSales, kT0 + kHour);
  EXPECT_EQ(restored.settled(kSales, k24h, Scope::kGroup, Outcome::kRepeat), 1u);
  EXPECT_EQ(restored.settled(kSales, k24h, Scope::kGlobal, Outcome::kRepeat), 1u);
  EXPECT_EQ(restored.settled(kSales, k24h, Scope::kGlobal, Outcome::kUnresolved), 1u) << "Bob";
  EXPECT_EQ(restored.repeat_contacts(kSales, k24h, Scope::kGlobal), 1u);
  // Bob awaits his repeat contact; so does Ann's support contact in support's group.
  EXPECT_EQ(restored.tracked_callers(), 2u);
}

}  // namespace
}  // namespace ccmon::collectors
