#include "bridges/records/time_format.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace ccmon::records {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads between min_digits and max_digits digits greedily from *s.
bool ReadNumber(std::string_view* s, int min_digits, int max_digits, int* out) {
  int value = 0;
  int n = 0;
  while (n < max_digits && n < static_cast<int>(s->size()) && IsDigit((*s)[n])) {
    value = value * 10 + ((*s)[n] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  s->remove_prefix(n);
  *out = value;
  return true;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Z, ±HH, ±HHMM, ±HH:MM.
bool ReadOffset(std::string_view* s, std::int32_t* out) {
  if (s->empty()) return false;
  if ((*s)[0] == 'Z' || (*s)[0] == 'z') {
    s->remove_prefix(1);
    *out = 0;
    return true;
  }
  if ((*s)[0] != '+' && (*s)[0] != '-') return false;
  const int sign = (*s)[0] == '-' ? -1 : 1;
  s->remove_prefix(1);
  int hours = 0;
  int minutes = 0;
  if (!ReadNumber(s, 2, 2, &hours)) return false;
  if (!s->empty() && (*s)[0] == ':') {
    s->remove_prefix(1);
    if (!ReadNumber(s, 2, 2, &minutes)) return false;
  } else if (s->size() >= 2 && IsDigit((*s)[0])) {
    if (!ReadNumber(s, 2, 2, &minutes)) return false;
  }
  if (hours > 23 || minutes > 59) return false;
  *out = sign * (hours * 3600 + minutes * 60);
  return true;
}

}  // namespace

Result<TimeFormat> TimeFormat::Parse(std::string_view spec) {
  TimeFormat f;
  f.spec_ = std::string(spec);
  if (spec == "unix_s" || spec == "unix_ms") {
    f.unix_scale_ = spec == "unix_s" ? 1000 : 1;
    return f;
  }
  if (spec.empty()) return Status::InvalidArgument("empty time format");
  bool seen[10] = {};
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] != '%') {
      f.tokens_.push_back({Field::kLiteral, spec[i]});
      continue;
    }
    if (i + 1 == spec.size()) {
      return Status::InvalidArgument("time format \"" + f.spec_ + "\" ends with a lone %");
    }
    const char c = spec[++i];
    Field field;
    switch (c) {
      case 'Y':
        field = Field::kYear4;
        break;
      case 'y':
        field = Field::kYear2;
        break;
      case 'm':
        field = Field::kMonth;
        break;
      case 'd':
        field = Field::kDay;
        break;
      case 'H':
        field = Field::kHour;
        break;
      case 'M':
        field = Field::kMinute;
        break;
      case 'S':
        field = Field::kSecond;
        break;
      case 'f':
        field = Field::kFraction;
        break;
      case 'z':
        field = Field::kOffset;
        break;
      case '%':
        f.tokens_.push_back({Field::kLiteral, '%'});
        continue;
      default:
        return Status::InvalidArgument("time format \"" + f.spec_ + "\": unknown conversion %" +
                                       std::string(1, c) +
                                       " (use %Y %y %m %d %H %M %S %f %z %%, or unix_s, unix_ms)");
    }
    const auto index = static_cast<std::size_t>(field);
    const bool year_twice =
        (field == Field::kYear4 && seen[static_cast<std::size_t>(Field::kYear2)]) ||
        (field == Field::kYear2 && seen[static_cast<std::size_t>(Field::kYear4)]);
    if (seen[index] || year_twice) {
      return Status::InvalidArgument("time format \"" + f.spec_ + "\" has %" + std::string(1, c) +
                                     " or its field twice");
    }
    seen[index] = true;
    f.tokens_.push_back({field, 0});
  }
  const auto has = [&](Field field) { return seen[static_cast<std::size_t>(field)]; };
  const bool year = has(Field::kYear4) || has(Field::kYear2);
  const int date_parts = (year ? 1 : 0) + (has(Field::kMonth) ? 1 : 0) + (has(Field::kDay) ? 1 : 0);
  if (date_parts != 0 && date_parts != 3) {
    return Status::InvalidArgument("time format \"" + f.spec_ +
                                   "\": a date needs a year (%Y or %y), %m and %d");
  }
  if ((has(Field::kMinute) || has(Field::kSecond) || has(Field::kFraction)) && !has(Field::kHour)) {
    return Status::InvalidArgument("time format \"" + f.spec_ + "\": minutes or seconds need %H");
  }
  if (has(Field::kOffset) && date_parts == 0) {
    return Status::InvalidArgument("time format \"" + f.spec_ +
                                   "\": %z needs a date in the same field");
  }
  if (date_parts == 0 && !has(Field::kHour)) {
    return Status::InvalidArgument("time format \"" + f.spec_ + "\" has neither a date nor %H");
  }
  f.has_date_ = date_parts == 3;
  f.has_hour_ = has(Field::kHour);
  f.has_offset_ = has(Field::kOffset);
  return f;
}

bool TimeFormat::Read(std::string_view text, ParsedTime* out) const {
  std::string_view s = Trim(text);
  ParsedTime t;
  if (unix_scale_ != 0) {
    // An integer or decimal number of seconds or milliseconds since the epoch.
    if (s.empty() || s.size() > 24) return false;
    const std::string copy(s);
    char* end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || !std::isfinite(v) || std::fabs(v) > 1e17) {
      return false;
    }
    for (char c : copy) {
      if (!IsDigit(c) && c != '.' && c != '-') return false;
    }
    t.unix_ms = static_cast<UnixMs>(std::llround(v * static_cast<double>(unix_scale_)));
    *out = t;
    return true;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  for (const Token& tok : tokens_) {
    int v = 0;
    switch (tok.field) {
      case Field::kLiteral:
        if (s.empty() || s[0] != tok.literal) return false;
        s.remove_prefix(1);
        break;
      case Field::kYear4:
        if (!ReadNumber(&s, 4, 4, &t.year)) return false;
        break;
      case Field::kYear2:
        if (!ReadNumber(&s, 2, 2, &v)) return false;
        t.year = v >= 69 ? 1900 + v : 2000 + v;
        break;
      case Field::kMonth:
        if (!ReadNumber(&s, 1, 2, &t.month)) return false;
        break;
      case Field::kDay:
        if (!ReadNumber(&s, 1, 2, &t.day)) return false;
        break;
      case Field::kHour:
        if (!ReadNumber(&s, 1, 2, &hour)) return false;
        break;
      case Field::kMinute:
        if (!ReadNumber(&s, 1, 2, &minute)) return false;
        break;
      case Field::kSecond:
        if (!ReadNumber(&s, 1, 2, &second)) return false;
        break;
      case Field::kFraction: {
        int digits = 0;
        millis = 0;
        while (!s.empty() && IsDigit(s[0]) && digits < 9) {
          if (digits < 3) millis = millis * 10 + (s[0] - '0');
          ++digits;
          s.remove_prefix(1);
        }
        if (digits == 0) return false;
        for (int d = digits; d < 3; ++d) millis *= 10;
        break;
      }
      case Field::kOffset: {
        std::int32_t offset = 0;
        if (!ReadOffset(&s, &offset)) return false;
        t.utc_offset_s = offset;
        break;
      }
    }
  }
  if (!s.empty()) return false;
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > DaysInMonth(t.year, t.month)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  t.millis_of_day = ((hour * 60 + minute) * 60 + second) * std::int64_t{1000} + millis;
  *out = t;
  return true;
}

Result<DurationUnit> ParseDurationUnit(std::string_view name) {
  if (name == "s") return DurationUnit::kSeconds;
  if (name == "ms") return DurationUnit::kMilliseconds;
  if (name == "hms") return DurationUnit::kHms;
  return Status::InvalidArgument("unknown duration unit \"" + std::string(name) +
                                 "\" (use s, ms or hms)");
}

std::optional<std::int64_t> ReadDuration(std::string_view text, DurationUnit unit) {
  std::string_view s = Trim(text);
  std::int64_t sign = 1;
  if (!s.empty() && s[0] == '-') {
    sign = -1;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 20) return std::nullopt;
  switch (unit) {
    case DurationUnit::kMilliseconds: {
      std::int64_t v = 0;
      for (char c : s) {
        if (!IsDigit(c)) return std::nullopt;
        v = v * 10 + (c - '0');
      }
      return sign * v;
    }
    case DurationUnit::kSeconds: {
      std::int64_t whole = 0;
      std::int64_t millis = 0;
      int fraction_digits = -1;  // -1: no decimal point seen.
      for (char c : s) {
        if (c == '.') {
          if (fraction_digits >= 0) return std::nullopt;
          fraction_digits = 0;
        } else if (!IsDigit(c)) {
          return std::nullopt;
        } else if (fraction_digits < 0) {
          whole = whole * 10 + (c - '0');
        } else if (fraction_digits++ < 3) {
          millis = millis * 10 + (c - '0');
        }
      }
      if (s.front() == '.' || s.back() == '.') return std::nullopt;
      for (int d = std::max(fraction_digits, 0); d < 3; ++d) millis *= 10;
      return sign * (whole * 1000 + millis);
    }
    case DurationUnit::kHms: {
      // Hours: up to 12 digits; then exactly ":MM:SS".
      std::int64_t hours = 0;
      std::size_t i = 0;
      while (i < s.size() && IsDigit(s[i]) && i < 12) hours = hours * 10 + (s[i++] - '0');
      if (i == 0) return std::nullopt;
      s.remove_prefix(i);
      int minutes = 0;
      int seconds = 0;
      for (int* part : {&minutes, &seconds}) {
        if (s.empty() || s[0] != ':') return std::nullopt;
        s.remove_prefix(1);
        if (!ReadNumber(&s, 2, 2, part) || *part > 59) return std::nullopt;
      }
      if (!s.empty()) return std::nullopt;
      return sign * ((hours * 3600 + minutes * 60 + seconds) * 1000);
    }
  }
  return std::nullopt;
}

std::int64_t DaysFromCivil(int year, int month, int day) {
  // Howard Hinnant's days_from_civil.
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::int64_t LocalToUtcSeconds(const TimeZone& zone, std::int64_t local_seconds) {
  // A UTC instant u shows local time u + offset(u). Offsets lie within ±26 h, so every u with
  // u + offset(u) = local has an offset in force somewhere in [local − 26 h, local + 26 h]; with
  // at most one change in that span the offsets there are the ones at its two ends (and at
  // local itself, a third probe for zones that change twice in a short time).
  constexpr std::int64_t kSpan = 26 * 3600;
  const std::int32_t early = zone.OffsetSeconds(local_seconds - kSpan);
  const std::int32_t late = zone.OffsetSeconds(local_seconds + kSpan);
  const std::int32_t middle = zone.OffsetSeconds(local_seconds);
  std::optional<std::int64_t> best;
  for (std::int32_t offset : {early, middle, late}) {
    const std::int64_t u = local_seconds - offset;
    if (zone.OffsetSeconds(u) == offset && (!best || u < *best)) best = u;
  }
  if (best) return *best;
  // In a gap: read with the offset in force before it.
  return local_seconds - early;
}

}  // namespace ccmon::records
