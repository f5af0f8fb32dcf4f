// SlidingWindow: window edges, late and future events, memory of an idle window, and a randomised
// comparison with a brute-force reference of the documented definition.
#include "collectors/sliding_window.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace ccmon::collectors {
namespace {

using Span = SlidingWindow::Span;

constexpr UnixMs kSec = 1000;
// A whole second, so that the window is exactly (now − W, now].
constexpr UnixMs kNow = 1'700'000'000 * kSec;

TEST(SlidingWindow, EventExactlyWindowOldIsOutAndOneMillisecondYoungerIsIn) {
  SlidingWindow w(1);
  w.Add(kNow - 300 * kSec, 0, 1);       // Exactly 300 s old: outside (now − 300 s, now].
  w.Add(kNow - 300 * kSec + 1, 0, 10);  // 299.999 s old: inside.
  w.Add(kNow, 0, 100);                  // At now: inside (the right edge is closed).
  w.Advance(kNow);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 110);
  EXPECT_EQ(w.Sum(Span::k15m, 0), 111);
  EXPECT_EQ(w.Sum(Span::k1h, 0), 111);
}

TEST(SlidingWindow, EventLeavesEachWindowExactlyWhenItBecomesThatOld) {
  SlidingWindow w(1);
  const UnixMs t = kNow + 250;  // In second kNow/1000 + 1, i.e. (kNow, kNow + 1 s].
  w.Add(t, 0, 1);
  w.Advance(kNow + kSec);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 1);
  // The window at kNow + 301 s covers (kNow + 1 s, kNow + 301 s]: the event's second has left.
  w.Advance(kNow + 300 * kSec);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 1);
  w.Advance(kNow + 301 * kSec);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 0);
  EXPECT_EQ(w.Sum(Span::k15m, 0), 1);
  w.Advance(kNow + 901 * kSec);
  EXPECT_EQ(w.Sum(Span::k15m, 0), 0);
  EXPECT_EQ(w.Sum(Span::k1h, 0), 1);
  w.Advance(kNow + 3601 * kSec);
  EXPECT_EQ(w.Sum(Span::k1h, 0), 0);
}

TEST(SlidingWindow, NowInsideASecondRoundsTheFarEdgeUpToTheNextWholeSecond) {
  SlidingWindow w(1);
  // now = kNow + 0.5 s → N = kNow/1000 + 1; the 5 m window covers (kNow − 299 s, kNow + 1 s].
  w.Add(kNow - 299 * kSec, 0, 1);       // 299.5 s old, in second kNow/1000 − 299: out.
  w.Add(kNow - 299 * kSec + 1, 0, 10);  // In the next second: in.
  w.Advance(kNow + 500);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 10);
  EXPECT_EQ(w.Sum(Span::k15m, 0), 11);
}

TEST(SlidingWindow, LateEventLandsInItsOwnSecondAndLeavesOnTime) {
  SlidingWindow w(2);
  w.Advance(kNow);
  w.Add(kNow, 0, 1);
  w.Add(kNow - 100 * kSec, 1, 5);  // 100 s late: a bucket inserted before the newest one.
  w.Add(kNow - 100 * kSec, 0, 2);  // Same second again: found by the binary search.
  EXPECT_EQ(w.Sum(Span::k5m, 0), 3);
  EXPECT_EQ(w.Sum(Span::k5m, 1), 5);
  EXPECT_EQ(w.bucket_count(), 2u);
  // The late bucket leaves the 5 m window 200 s later, the other one 300 s later.
  w.Advance(kNow + 200 * kSec);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 1);
  EXPECT_EQ(w.Sum(Span::k5m, 1), 0);
  EXPECT_EQ(w.Sum(Span::k15m, 0), 3);
}

TEST(SlidingWindow, LateEventOutsideTheShortWindowCountsOnlyInTheLongerOnes) {
  SlidingWindow w(1);
  w.Advance(kNow);
  EXPECT_TRUE(w.Add(kNow - 600 * kSec, 0, 1));    // Outside 5 m, inside 15 m.
  EXPECT_TRUE(w.Add(kNow - 1200 * kSec, 0, 10));  // Outside 15 m, inside 1 h.
  EXPECT_EQ(w.Sum(Span::k5m, 0), 0);
  EXPECT_EQ(w.Sum(Span::k15m, 0), 1);
  EXPECT_EQ(w.Sum(Span::k1h, 0), 11);
}

TEST(SlidingWindow, EventOlderThanTheLongestWindowIsIgnored) {
  SlidingWindow w(1);
  w.Advance(kNow);
  EXPECT_FALSE(w.Add(kNow - 3600 * kSec, 0, 1));
  EXPECT_TRUE(w.Add(kNow - 3600 * kSec + 1, 0, 1));
  EXPECT_EQ(w.Sum(Span::k1h, 0), 1);
  EXPECT_EQ(w.bucket_count(), 1u);
}

TEST(SlidingWindow, FutureEventEntersTheWindowsOnlyWhenTimeReachesIt) {
  SlidingWindow w(1);
  w.Advance(kNow);
  w.Add(kNow + 10 * kSec, 0, 1);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 0);
  EXPECT_EQ(w.SumAt(Span::k5m, 0, kNow + 9 * kSec), 0);
  EXPECT_EQ(w.SumAt(Span::k5m, 0, kNow + 10 * kSec), 1);
  w.Advance(kNow + 10 * kSec);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 1);
}

TEST(SlidingWindow, SumAtALaterTimeMatchesAdvancingWithoutMutating) {
  SlidingWindow w(1);
  w.Add(kNow - 10 * kSec, 0, 1);
  w.Add(kNow, 0, 2);
  w.Advance(kNow);
  // The first event is exactly 300 s old at kNow + 290 s, the second at kNow + 300 s.
  EXPECT_EQ(w.SumAt(Span::k5m, 0, kNow + 289 * kSec), 3);
  EXPECT_EQ(w.SumAt(Span::k5m, 0, kNow + 290 * kSec), 2);
  EXPECT_EQ(w.SumAt(Span::k5m, 0, kNow + 299 * kSec), 2);
  EXPECT_EQ(w.SumAt(Span::k5m, 0, kNow + 300 * kSec), 0);
  // An earlier time than the latest Advance reads as the latest Advance.
  EXPECT_EQ(w.SumAt(Span::k5m, 0, kNow - 1000 * kSec), 3);
  EXPECT_EQ(w.Sum(Span::k5m, 0), 3);
}

TEST(SlidingWindow, EveryWindowIsEmptyBeforeTheFirstAdvance) {
  SlidingWindow w(1);
  w.Add(kNow, 0, 1);
  EXPECT_EQ(w.Sum(Span::k1h, 0), 0);
  EXPECT_EQ(w.SumAt(Span::k1h, 0, kNow), 1);
}

TEST(SlidingWindow, IdleWindowGivesItsMemoryBack) {
  SlidingWindow w(4);
  EXPECT_EQ(w.capacity(), 0u);  // An idle queue costs no buckets.
  for (int s = 0; s < 1000; ++s) {
    w.Add(kNow + s * kSec, s % 4, 1);
    w.Advance(kNow + s * kSec);
  }
  EXPECT_EQ(w.bucket_count(), 1000u);
  EXPECT_GE(w.capacity(), 1000u);
  // An hour of silence empties the ring and frees it; one new event takes one bucket.
  w.Advance(kNow + 5000 * kSec);
  EXPECT_EQ(w.bucket_count(), 0u);
  EXPECT_EQ(w.capacity(), 0u);
  w.Add(kNow + 5000 * kSec, 0, 1);
  EXPECT_EQ(w.bucket_count(), 1u);
  EXPECT_EQ(w.Sum(Span::k1h, 0), 1);
}

TEST(SlidingWindow, MatchesABruteForceReferenceUnderLateAndOutOfOrderEvents) {
  struct Event {
    UnixMs t;
    int index;
    std::int64_t delta;
  };
  std::mt19937_64 rng(42);
  SlidingWindow w(3);
  std::vector<Event> kept;  // Every event Add accepted.
  UnixMs now = kNow;
  w.Advance(now);
  for (int step = 0; step < 20'000; ++step) {
    const int action = static_cast<int>(rng() % 10);
    if (action < 7) {
      // Mostly recent, sometimes up to 70 minutes late, sometimes a little in the future.
      const std::int64_t age_ms =
          static_cast<std::int64_t>(rng() % 10 == 0 ? rng() % 4'200'000 : rng() % 20'000) - 2'000;
      const Event e{now - age_ms, static_cast<int>(rng() % 3),
                    static_cast<std::int64_t>(rng() % 5)};
      const bool accepted = w.Add(e.t, e.index, e.delta);
      const bool too_old = SlidingWindow::SecondOf(e.t) <= SlidingWindow::SecondOf(now) - 3600;
      ASSERT_EQ(accepted, !too_old) << "step " << step;
      if (accepted) kept.push_back(e);
    } else {
      now += static_cast<UnixMs>(rng() % 30'000);
      w.Advance(now);
    }
    if (step % 97 == 0) {
      const UnixMs at = now + static_cast<UnixMs>(rng() % 5'000);
      for (Span span : SlidingWindow::kSpans) {
        const std::int64_t n = SlidingWindow::SecondOf(at);
        for (int i = 0; i < 3; ++i) {
          std::int64_t expected = 0;
          for (const Event& e : kept) {
            const std::int64_t s = SlidingWindow::SecondOf(e.t);
            if (e.index == i && s > n - SlidingWindow::SpanSeconds(span) && s <= n) {
              expected += e.delta;
            }
          }
          ASSERT_EQ(w.SumAt(span, i, at), expected)
              << "step " << step << " span " << SlidingWindow::SpanName(span) << " index " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ccmon::collectors
