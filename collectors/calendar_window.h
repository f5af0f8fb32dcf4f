// Calendar windows: exact counts over the current interval (15 or 30 minutes), the last
// completed interval and today, aligned to the configured IANA time zone (DESIGN §3 "Windows";
// docs/metrics.md "Windows"). The sliding 5 m / 15 m / 1 h windows are SlidingWindow's.
//
// CalendarGrid maps an event time to the calendar windows that contain it (CalendarBounds): the
// interval is the local-clock period of the configured length, the day runs from local midnight
// to local midnight (23 h or 25 h on DST-change days; TimeZone::DayContaining). All windows
// are half-open, [start, end): an event stamped exactly at 10:15:00.000 belongs to the interval
// that starts then.
//
// CalendarWindow holds K counters for each of the three windows of one owner (a queue) and the
// bounds they are for. It stores no events: memory is 3 × K counters plus the bounds. Counts are
// placed by their own event time: a fact stamped in the current interval counts there, one
// stamped in the last interval (a late fact just after a boundary) counts in the last interval,
// and either counts in today when it falls in today. Facts older than all three windows are
// not counted by them (the monotonic counters still count them). The owner rolls the window
// forward (Roll) before adding a fact stamped after the current interval, and when the event
// clock crosses a boundary; the values are then a function of the facts and the latest time,
// not of when the rolls happened, so replay and live runs agree.
//
// Not thread-safe: one writer (the engine thread); const readers must not run concurrently with
// it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/time_zone.h"

namespace ccmon::collectors {

// The calendar windows at one instant. Each is [start, end).
struct CalendarBounds {
  UnixMs interval_start = 0;
  UnixMs interval_end = 0;
  UnixMs last_interval_start = 0;  // The last interval is [last_interval_start, interval_start).
  UnixMs day_start = 0;
  UnixMs day_end = 0;
};

// Maps event times to calendar windows in a time zone. Immutable; safe from any thread.
class CalendarGrid {
 public:
  // OK when `minutes` can be an interval length: a whole number of minutes that divides 24 h
  // (15 and 30 are the usual ones). Otherwise InvalidArgument saying so.
  static Status CheckIntervalMinutes(int minutes);

  // Precondition: CheckIntervalMinutes(interval_minutes).ok().
  CalendarGrid(TimeZone zone, int interval_minutes);

  // The calendar windows that contain event time t.
  CalendarBounds BoundsAt(UnixMs t) const;

  const TimeZone& zone() const { return zone_; }
  int interval_minutes() const { return interval_minutes_; }

 private:
  TimeZone zone_;
  int interval_minutes_;
};

class CalendarWindow {
 public:
  enum class Period : std::uint8_t { kInterval = 0, kLastInterval, kToday };
  static constexpr int kPeriodCount = 3;
  static constexpr std::array<Period, kPeriodCount> kPeriods{Period::kInterval,
                                                             Period::kLastInterval, Period::kToday};
  // Label value of a period ("interval", "last_interval", "today").
  static std::string_view PeriodName(Period period);

  // The windows an event time falls in: bit (1 << period) per period. 0: none (too old, or after
  // the current interval: roll first).
  using Slot = std::uint8_t;

  // A window of `counters` independent counters (0 is allowed: an inert window). It has no
  // bounds, and counts nothing, until the first Roll().
  explicit CalendarWindow(int counters = 0);

  int counters() const { return counters_; }
  // False before the first Roll().
  bool rolled() const { return rolled_; }
  // The bounds the values are for.
  const CalendarBounds& bounds() const { return bounds_; }

  // Moves the windows to `bounds` (from CalendarGrid::BoundsAt of a later time): when the
  // interval changes, the current interval becomes the last one if it is the interval right
  // before the new one (otherwise the last one is empty: nothing happened in it), and the
  // current interval starts at 0; today starts at 0 when the day changes. Bounds earlier than
  // the current ones are ignored.
  void Roll(const CalendarBounds& bounds);

  // Where event time t falls (see Slot). Cheap: five comparisons.
  Slot Locate(UnixMs t) const;

  // Adds `delta` to counter `index` (0 ≤ index < counters()) of every window in `slot`.
  void Add(Slot slot, int index, std::int64_t delta) {
    if (slot == 0) return;
    for (int p = 0; p < kPeriodCount; ++p) {
      if ((slot >> p) & 1u) values_[Offset(p, index)] += delta;
    }
  }

  // Counter `index` of `period` at the current bounds (0 before the first Roll()).
  std::int64_t Value(Period period, int index) const;

  // Counter `index` of `period` as it would be after Roll(at), without changing anything (a
  // scrape after the event clock has moved on). Bounds not later than the current ones read the
  // current values.
  std::int64_t ValueAt(Period period, int index, const CalendarBounds& at) const;

 private:
  std::size_t Offset(int period, int index) const {
    return static_cast<std::size_t>(period) * static_cast<std::size_t>(counters_) +
           static_cast<std::size_t>(index);
  }

  int counters_;
  bool rolled_ = false;
  CalendarBounds bounds_;
  std::vector<std::int64_t> values_;  // kPeriodCount × counters_, period-major.
};

}  // namespace ccmon::collectors
