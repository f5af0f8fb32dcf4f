// Dates, times and durations as per-contact CSV exports write them, and the conversion of local
// wall-clock times to UTC.
//
// Used by the records bridge (bridges/records/record_mapper.h) to read the time columns named by
// a mapping file (docs/bridges/records.md). A TimeFormat is a small strftime-like pattern —
// "%y%m%d", "%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f%z" — or one of the special formats "unix_s" and
// "unix_ms". Field values are untrusted: reading never throws, a value that does not match is
// reported as false.
//
// Threading: TimeFormat is an immutable value after Parse(); every function here is safe from
// any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/time_zone.h"

namespace ccmon::records {

// What a TimeFormat read from a field.
struct ParsedTime {
  // Calendar date, when the format has one (else 1970-01-01).
  int year = 1970;
  int month = 1;
  int day = 1;
  std::int64_t millis_of_day = 0;  // Time of day in milliseconds (0 when the format has none).
  std::optional<std::int32_t> utc_offset_s;  // Set when the text carries its offset (%z).
  std::optional<UnixMs> unix_ms;             // Set by "unix_s" and "unix_ms": the instant itself.
};

class TimeFormat {
 public:
  // Parses a format. Conversions: %Y (4-digit year), %y (2-digit year: 69–99 → 1969–1999,
  // 00–68 → 2000–2068, as POSIX strptime), %m, %d, %H, %M, %S (1 or 2 digits, read greedily), %f
  // (1–9 digits of a fraction of a second, kept to the millisecond), %z (Z, ±HH, ±HHMM or
  // ±HH:MM), %% (a percent sign). Any other character must match itself. A format has a date
  // when it has a year, %m and %d; a time of day when it has %H. InvalidArgument names the
  // problem (unknown conversion, a field twice, a date without a year…).
  static Result<TimeFormat> Parse(std::string_view spec);

  // Reads `text` (surrounding spaces ignored). False when it does not match the format or a
  // value is out of range (month 13, 25 o'clock, 31 April).
  bool Read(std::string_view text, ParsedTime* out) const;

  const std::string& spec() const { return spec_; }
  bool has_date() const { return has_date_ || unix_scale_ != 0; }
  bool has_time_of_day() const { return has_hour_ || unix_scale_ != 0; }
  bool has_offset() const { return has_offset_ || unix_scale_ != 0; }

 private:
  enum class Field : std::uint8_t {
    kLiteral,
    kYear4,
    kYear2,
    kMonth,
    kDay,
    kHour,
    kMinute,
    kSecond,
    kFraction,
    kOffset
  };
  struct Token {
    Field field = Field::kLiteral;
    char literal = 0;
  };

  TimeFormat() = default;

  std::string spec_;
  std::vector<Token> tokens_;
  std::int64_t unix_scale_ = 0;  // 1000 for unix_s, 1 for unix_ms, 0 for a pattern.
  bool has_date_ = false;
  bool has_hour_ = false;
  bool has_offset_ = false;
};

// How a duration column is written.
enum class DurationUnit : std::uint8_t {
  kSeconds,       // "12", "12.5" (decimal seconds)
  kMilliseconds,  // "12500"
  kHms,           // "0:00:12", "1:02:03" ([H]H:MM:SS, hours unbounded)
};

// Parses a duration name: "s", "ms" or "hms". InvalidArgument otherwise.
Result<DurationUnit> ParseDurationUnit(std::string_view name);

// Reads a duration (surrounding spaces ignored) in milliseconds; a leading '-' gives a negative
// value (the caller decides what that means). nullopt when the text is not a duration.
std::optional<std::int64_t> ReadDuration(std::string_view text, DurationUnit unit);

// Days since 1970-01-01 of a proleptic Gregorian date (no range check).
std::int64_t DaysFromCivil(int year, int month, int day);

// The UTC instant (Unix seconds) at which the wall clock of `zone` shows `local_seconds`
// (seconds since 1970-01-01 00:00 of the local calendar). A local time shown twice (the hour
// repeated when clocks go back) is taken at its first occurrence, in daylight time; a local time
// that does not exist (skipped when clocks go forward) is read with the offset in force before
// the change, so it lands as far after the change as it is after the skipped hour's start
// (02:30 in a 02:00→03:00 gap becomes 03:30). Zones with two offset changes less than 26 hours
// apart are not handled exactly (none are known to record call-center data).
std::int64_t LocalToUtcSeconds(const TimeZone& zone, std::int64_t local_seconds);

}  // namespace ccmon::records
