#include "collectors/calendar_window.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <utility>

namespace ccmon::collectors {

Status CalendarGrid::CheckIntervalMinutes(int minutes) {
  if (minutes <= 0 || !TimeZone::IsValidInterval(std::int64_t{minutes} * 60)) {
    return Status::InvalidArgument("interval of " + std::to_string(minutes) +
                                   " minutes: must be a whole number of minutes that divides 24 h "
                                   "(15 or 30)");
  }
  return Status::Ok();
}

CalendarGrid::CalendarGrid(TimeZone zone, int interval_minutes)
    : zone_(std::move(zone)), interval_minutes_(interval_minutes) {
  assert(CheckIntervalMinutes(interval_minutes).ok() && "CalendarGrid: invalid interval length");
}

CalendarBounds CalendarGrid::BoundsAt(UnixMs t) const {
  const std::int64_t length = std::int64_t{interval_minutes_} * 60;
  const TimeZone::Span interval = zone_.IntervalContaining(t, length);
  const TimeZone::Span last = zone_.IntervalContaining(interval.start_ms - 1, length);
  const TimeZone::Span day = zone_.DayContaining(t);
  CalendarBounds b;
  b.interval_start = interval.start_ms;
  b.interval_end = interval.end_ms;
  b.last_interval_start = last.start_ms;
  b.day_start = day.start_ms;
  b.day_end = day.end_ms;
  return b;
}

std::string_view CalendarWindow::PeriodName(Period period) {
  switch (period) {
    case Period::kInterval:
      return "interval";
    case Period::kLastInterval:
      return "last_interval";
    case Period::kToday:
      return "today";
  }
  return "today";
}

CalendarWindow::CalendarWindow(int counters)
    : counters_(std::max(counters, 0)),
      values_(static_cast<std::size_t>(kPeriodCount * std::max(counters, 0)), 0) {}

void CalendarWindow::Roll(const CalendarBounds& bounds) {
  if (!rolled_) {
    rolled_ = true;
    bounds_ = bounds;
    return;
  }
  if (bounds.interval_start <= bounds_.interval_start) return;
  const auto k = static_cast<std::ptrdiff_t>(counters_);
  const auto current = values_.begin();
  const auto last = current + k;
  const auto today = last + k;
  if (bounds.last_interval_start == bounds_.interval_start) {
    std::copy(current, last, last);
  } else {
    std::fill(last, today, 0);
  }
  std::fill(current, last, 0);
  if (bounds.day_start != bounds_.day_start) std::fill(today, today + k, 0);
  bounds_ = bounds;
}

CalendarWindow::Slot CalendarWindow::Locate(UnixMs t) const {
  if (!rolled_) return 0;
  Slot slot = 0;
  if (t >= bounds_.interval_start && t < bounds_.interval_end) {
    slot |= 1u << static_cast<int>(Period::kInterval);
  } else if (t >= bounds_.last_interval_start && t < bounds_.interval_start) {
    slot |= 1u << static_cast<int>(Period::kLastInterval);
  }
  if (t >= bounds_.day_start && t < bounds_.day_end) slot |= 1u << static_cast<int>(Period::kToday);
  return slot;
}

std::int64_t CalendarWindow::Value(Period period, int index) const {
  assert(index >= 0 && index < counters_ && "CalendarWindow::Value: counter index out of range");
  return values_[Offset(static_cast<int>(period), index)];
}

std::int64_t CalendarWindow::ValueAt(Period period, int index, const CalendarBounds& at) const {
  if (!rolled_ || at.interval_start <= bounds_.interval_start) return Value(period, index);
  switch (period) {
    case Period::kInterval:
      return 0;
    case Period::kLastInterval:
      return at.last_interval_start == bounds_.interval_start ? Value(Period::kInterval, index) : 0;
    case Period::kToday:
      return at.day_start == bounds_.day_start ? Value(Period::kToday, index) : 0;
  }
  return 0;
}

}  // namespace ccmon::collectors
