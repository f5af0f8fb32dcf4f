// TimeZone: an IANA time zone read from a compiled TZif file (RFC 8536, versions 1–4), giving the
// UTC offset at an instant and the local calendar periods (day, 15- or 30-minute interval) that
// contain an instant. libstdc++ 12 has no std::chrono time-zone database; this is the small
// reader the daemon's calendar windows (collectors/calendar_window.h) need.
//
// Files come from $TZDIR, or /usr/share/zoneinfo when it is unset. "UTC" is built in and needs
// no file. For version 2+ files the 64-bit section is used, and instants after the last listed
// transition follow the footer's POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), so "slim" zone
// files work as well as "fat" ones. Zones with leap seconds ("right/…") are refused.
//
// Local days and intervals. The local day containing an instant runs from the local midnight
// that began it to the next one, following the wall clock across DST changes: the day of a
// spring-forward is 23 h long, the day of a fall-back 25 h (Lord Howe: 23.5 h and 24.5 h). If
// local midnight does not exist (a zone that springs forward at 00:00), the day starts at the
// transition. An interval of length L (a whole number of seconds dividing 24 h, e.g. 15 or 30
// minutes) is a run of instants whose local time falls in the same multiple of L since local
// midnight and whose UTC offset does not change: intervals are aligned to the local clock, never
// longer than L, and cut at a transition (Berlin's repeated 02:00–03:00 CET/CEST hour is eight
// 15-minute intervals; the interval the clock springs out of ends early). Days and intervals
// are half-open [start, end) and tile the time line.
//
// Input files are untrusted: every malformation is an InvalidArgument naming the zone, never a
// crash. Instants are clamped to about ±35 million years, far beyond any real timestamp.
//
// A TimeZone is an immutable value after loading; const methods are safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace ccmon {

class TimeZone {
 public:
  // The directory zone files are read from when $TZDIR is unset.
  static constexpr std::string_view kDefaultDirectory = "/usr/share/zoneinfo";

  // Loads zone `name` ("Europe/Berlin") from $TZDIR or kDefaultDirectory. "UTC" needs no file.
  // Errors: InvalidArgument for a name that is not a plausible zone name (empty, absolute, "..",
  // odd characters) or a file that is not valid TZif; NotFound when there is no such file;
  // IoError when it cannot be read. Every message names the zone.
  static Result<TimeZone> Load(std::string_view name);

  // As Load(), from `directory` instead of $TZDIR.
  static Result<TimeZone> LoadFromDirectory(std::string_view name, std::string_view directory);

  // Parses the TZif bytes of zone `name` (used for the error messages and name()).
  static Result<TimeZone> Parse(std::string_view name, std::string_view tzif);

  // Coordinated Universal Time, offset 0 forever.
  static TimeZone Utc();

  // The zone's name as given to Load()/Parse().
  const std::string& name() const { return name_; }

  // Local time minus UTC, in seconds, at instant `unix_seconds`.
  std::int32_t OffsetSeconds(std::int64_t unix_seconds) const;

  // A half-open span of time [start_ms, end_ms).
  struct Span {
    UnixMs start_ms = 0;
    UnixMs end_ms = 0;
  };

  // The local day containing `t` (see the header comment).
  Span DayContaining(UnixMs t) const { return LocalRun(t, kSecondsPerDay, false); }

  // The local interval of `interval_seconds` containing `t` (see the header comment).
  // Precondition: IsValidInterval(interval_seconds).
  Span IntervalContaining(UnixMs t, std::int64_t interval_seconds) const {
    return LocalRun(t, interval_seconds, true);
  }

  // True when `interval_seconds` can be passed to IntervalContaining().
  static bool IsValidInterval(std::int64_t interval_seconds) {
    return interval_seconds > 0 && interval_seconds <= kSecondsPerDay &&
           kSecondsPerDay % interval_seconds == 0;
  }

  static constexpr std::int64_t kSecondsPerDay = 86'400;

 private:
  // Offsets change at transitions; between two transitions the offset is constant.
  struct Segment {
    std::int64_t start;  // First second of the segment (kMinTime: unbounded).
    std::int64_t end;    // First second after it (kMaxTime: unbounded).
    std::int32_t offset;
  };

  // A rule of the POSIX TZ string in the footer: a date and a local time of day.
  struct DateRule {
    enum class Kind : std::uint8_t { kJulian1, kJulian0, kMonthWeekDay };
    Kind kind = Kind::kMonthWeekDay;
    int day = 0;               // Jn: 1–365; n: 0–365; M: day of week 0–6 (Sunday = 0).
    int month = 0;             // M only: 1–12.
    int week = 0;              // M only: 1–5 (5 = last).
    std::int32_t time = 7200;  // Seconds after local midnight (−167 h … 167 h).
  };

  // The footer's rule for instants after the last transition.
  struct PosixRule {
    std::int32_t std_offset = 0;
    std::int32_t dst_offset = 0;
    bool has_dst = false;
    DateRule start;  // DST starts (in standard time).
    DateRule end;    // DST ends (in daylight time).
  };

  static constexpr std::int64_t kMinTime = -(std::int64_t{1} << 50);
  static constexpr std::int64_t kMaxTime = std::int64_t{1} << 50;

  TimeZone() = default;

  static Status ParsePosixRule(std::string_view text, PosixRule* rule);
  // The instant (Unix seconds) of `rule` in `year` for a local clock at `offset`.
  static std::int64_t RuleInstant(const DateRule& rule, int year, std::int32_t offset);

  // The maximal run of instants around t whose local time is in the same multiple of `length`
  // and, if `split_at_transitions`, whose offset is the same.
  Span LocalRun(UnixMs t, std::int64_t length, bool split_at_transitions) const;
  // The segment containing t (kMinTime ≤ t ≤ kMaxTime).
  Segment SegmentAt(std::int64_t t) const;
  // The segment containing t when t is at or after the last listed transition and the footer
  // rule has DST.
  Segment RuleSegmentAt(std::int64_t t) const;

  std::string name_;
  // Transitions where the offset changes, ascending; offsets_[i] holds from transitions_[i].
  std::vector<std::int64_t> transitions_;
  std::vector<std::int32_t> offsets_;
  std::int32_t initial_offset_ = 0;    // Before the first transition.
  bool has_rule_ = false;              // The footer rule governs instants from rule_from_ on.
  std::int64_t rule_from_ = kMinTime;  // The last transition of the file.
  PosixRule rule_;
};

}  // namespace ccmon
