// CalendarGrid and CalendarWindow: the interval / last interval / today windows in a real zone
// (Europe/Berlin), with hand-computed boundaries across an interval boundary, local midnight and
// a 25-hour day.
#include "collectors/calendar_window.h"

#include <gtest/gtest.h>

namespace ccmon::collectors {
namespace {

using Period = CalendarWindow::Period;

constexpr UnixMs kSec = 1000;
constexpr UnixMs kMin = 60 * kSec;
constexpr UnixMs kHour = 60 * kMin;
// 2024-06-15 00:00 CEST (UTC+2) = 2024-06-14 22:00 UTC. No DST change that day or the next.
constexpr UnixMs kJune15 = 1'718'402'400 * kSec;
// Local wall-clock time h:m on June 15 (or later days with h ≥ 24).
constexpr UnixMs Local(int h, int m, int s = 0) {
  return kJune15 + h * kHour + m * kMin + s * kSec;
}

TimeZone Berlin() {
  Result<TimeZone> zone = TimeZone::LoadFromDirectory("Europe/Berlin", TimeZone::kDefaultDirectory);
  EXPECT_TRUE(zone.ok()) << zone.status().message();
  return zone.ok() ? *zone : TimeZone::Utc();
}

TEST(CalendarGrid, IntervalLengthMustDivideTheDay) {
  EXPECT_TRUE(CalendarGrid::CheckIntervalMinutes(15).ok());
  EXPECT_TRUE(CalendarGrid::CheckIntervalMinutes(30).ok());
  EXPECT_TRUE(CalendarGrid::CheckIntervalMinutes(60).ok());
  for (int bad : {0, -15, 7, 25, 1441}) {
    const Status s = CalendarGrid::CheckIntervalMinutes(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CalendarGrid, BoundsFollowTheLocalClock) {
  const CalendarGrid grid(Berlin(), 15);
  const CalendarBounds b = grid.BoundsAt(Local(10, 7, 30));
  EXPECT_EQ(b.interval_start, Local(10, 0));
  EXPECT_EQ(b.interval_end, Local(10, 15));
  EXPECT_EQ(b.last_interval_start, Local(9, 45));
  EXPECT_EQ(b.day_start, Local(0, 0));
  EXPECT_EQ(b.day_end, Local(24, 0));
  // An instant exactly on a boundary starts the new interval.
  EXPECT_EQ(grid.BoundsAt(Local(10, 15)).interval_start, Local(10, 15));
  EXPECT_EQ(grid.BoundsAt(Local(10, 15) - 1).interval_start, Local(10, 0));

  const CalendarGrid half_hours(Berlin(), 30);
  const CalendarBounds h = half_hours.BoundsAt(Local(10, 7, 30));
  EXPECT_EQ(h.interval_start, Local(10, 0));
  EXPECT_EQ(h.interval_end, Local(10, 30));
  EXPECT_EQ(h.last_interval_start, Local(9, 30));
}

TEST(CalendarGrid, FirstIntervalOfTheDayHasYesterdaysLastAsLastInterval) {
  const CalendarGrid grid(Berlin(), 15);
  const CalendarBounds b = grid.BoundsAt(Local(24, 5));
  EXPECT_EQ(b.interval_start, Local(24, 0));
  EXPECT_EQ(b.last_interval_start, Local(23, 45));
  EXPECT_EQ(b.day_start, Local(24, 0));
  EXPECT_EQ(b.day_end, Local(48, 0));
}

TEST(CalendarGrid, TodayIsTwentyFiveHoursOnTheFallBackDay) {
  const CalendarGrid grid(Berlin(), 15);
  // 2024-10-27 01:00 UTC, the instant Berlin falls back.
  const CalendarBounds b = grid.BoundsAt(1'729'990'800 * kSec);
  EXPECT_EQ(b.day_end - b.day_start, 25 * kHour);
  EXPECT_EQ(b.interval_end - b.interval_start, 15 * kMin);
}

class CalendarWindowTest : public ::testing::Test {
 protected:
  CalendarWindowTest() : grid_(Berlin(), 15), window_(2) {}

  bool Add(UnixMs t, int index, std::int64_t delta = 1) {
    const CalendarWindow::Slot slot = window_.Locate(t);
    window_.Add(slot, index, delta);
    return slot != 0;
  }

  CalendarGrid grid_;
  CalendarWindow window_;
};

TEST_F(CalendarWindowTest, NothingCountsBeforeTheFirstRoll) {
  EXPECT_FALSE(window_.rolled());
  EXPECT_FALSE(Add(Local(10, 0), 0));
  EXPECT_EQ(window_.Value(Period::kInterval, 0), 0);
}

TEST_F(CalendarWindowTest, EachCountLandsInTheWindowsOfItsOwnTime) {
  window_.Roll(grid_.BoundsAt(Local(10, 7)));
  EXPECT_TRUE(Add(Local(10, 0), 0));       // Current interval (its first instant) and today.
  EXPECT_TRUE(Add(Local(10, 14, 59), 0));  // Current interval and today.
  EXPECT_TRUE(Add(Local(9, 59), 0));       // Last interval and today (a late fact).
  EXPECT_TRUE(Add(Local(3, 0), 0));        // Today only.
  EXPECT_TRUE(Add(Local(10, 5), 1, 7));    // Another counter.
  EXPECT_FALSE(Add(Local(-1, 0), 0));      // Yesterday, before the last interval: nowhere.
  EXPECT_EQ(window_.Value(Period::kInterval, 0), 2);
  EXPECT_EQ(window_.Value(Period::kLastInterval, 0), 1);
  EXPECT_EQ(window_.Value(Period::kToday, 0), 4);
  EXPECT_EQ(window_.Value(Period::kInterval, 1), 7);
  EXPECT_EQ(window_.Value(Period::kToday, 1), 7);
}

TEST_F(CalendarWindowTest, CrossingAnIntervalBoundaryKeepsTheCompletedIntervalAsLast) {
  window_.Roll(grid_.BoundsAt(Local(10, 7)));
  Add(Local(10, 1), 0);
  Add(Local(10, 2), 0);
  Add(Local(9, 50), 0);  // In 09:45–10:00, which is about to be forgotten.
  window_.Roll(grid_.BoundsAt(Local(10, 15)));
  EXPECT_EQ(window_.bounds().interval_start, Local(10, 15));
  EXPECT_EQ(window_.Value(Period::kInterval, 0), 0);
  EXPECT_EQ(window_.Value(Period::kLastInterval, 0), 2);
  EXPECT_EQ(window_.Value(Period::kToday, 0), 3);
  Add(Local(10, 16), 0);
  Add(Local(10, 14), 0);  // Late fact for the interval that just completed.
  EXPECT_EQ(window_.Value(Period::kInterval, 0), 1);
  EXPECT_EQ(window_.Value(Period::kLastInterval, 0), 3);
  EXPECT_EQ(window_.Value(Period::kToday, 0), 5);
}

TEST_F(CalendarWindowTest, AQuietIntervalInBetweenLeavesTheLastIntervalEmpty) {
  window_.Roll(grid_.BoundsAt(Local(10, 7)));
  Add(Local(10, 1), 0);
  window_.Roll(grid_.BoundsAt(Local(10, 31)));  // 10:15–10:30 had nothing.
  EXPECT_EQ(window_.Value(Period::kInterval, 0), 0);
  EXPECT_EQ(window_.Value(Period::kLastInterval, 0), 0);
  EXPECT_EQ(window_.Value(Period::kToday, 0), 1);
}

TEST_F(CalendarWindowTest, LocalMidnightStartsANewTodayButKeepsYesterdaysLastInterval) {
  window_.Roll(grid_.BoundsAt(Local(23, 50)));
  Add(Local(8, 0), 0);
  Add(Local(23, 50), 0);
  window_.Roll(grid_.BoundsAt(Local(24, 0)));
  EXPECT_EQ(window_.bounds().day_start, Local(24, 0));
  EXPECT_EQ(window_.Value(Period::kToday, 0), 0);
  EXPECT_EQ(window_.Value(Period::kLastInterval, 0), 1);  // 23:45–24:00 of June 15.
  Add(Local(23, 59), 0);  // Late: the last interval, but not today (it was yesterday).
  Add(Local(24, 1), 0);
  EXPECT_EQ(window_.Value(Period::kLastInterval, 0), 2);
  EXPECT_EQ(window_.Value(Period::kInterval, 0), 1);
  EXPECT_EQ(window_.Value(Period::kToday, 0), 1);
}

TEST_F(CalendarWindowTest, ValueAtReadsAheadExactlyAsARollWould) {
  window_.Roll(grid_.BoundsAt(Local(23, 50)));
  Add(Local(23, 46), 0);
  Add(Local(12, 0), 0);
  for (const UnixMs later : {Local(23, 59), Local(24, 0), Local(24, 15), Local(30, 0)}) {
    const CalendarBounds at = grid_.BoundsAt(later);
    CalendarWindow rolled = window_;
    rolled.Roll(at);
    for (const Period p : CalendarWindow::kPeriods) {
      EXPECT_EQ(window_.ValueAt(p, 0, at), rolled.Value(p, 0))
          << CalendarWindow::PeriodName(p) << " at " << later;
    }
  }
  EXPECT_EQ(window_.ValueAt(Period::kLastInterval, 0, grid_.BoundsAt(Local(24, 0))), 1);
  EXPECT_EQ(window_.ValueAt(Period::kToday, 0, grid_.BoundsAt(Local(23, 59))), 2);
}

TEST_F(CalendarWindowTest, EarlierBoundsAreIgnored) {
  window_.Roll(grid_.BoundsAt(Local(10, 7)));
  Add(Local(10, 1), 0);
  window_.Roll(grid_.BoundsAt(Local(9, 0)));
  EXPECT_EQ(window_.bounds().interval_start, Local(10, 0));
  EXPECT_EQ(window_.Value(Period::kInterval, 0), 1);
  EXPECT_EQ(window_.ValueAt(Period::kInterval, 0, grid_.BoundsAt(Local(9, 0))), 1);
}

TEST(CalendarWindow, PeriodNamesAreTheWindowLabels) {
  EXPECT_EQ(CalendarWindow::PeriodName(Period::kInterval), "interval");
  EXPECT_EQ(CalendarWindow::PeriodName(Period::kLastInterval), "last_interval");
  EXPECT_EQ(CalendarWindow::PeriodName(Period::kToday), "today");
}

}  // namespace
}  // namespace ccmon::collectors
