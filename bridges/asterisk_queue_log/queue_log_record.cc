#include "bridges/asterisk_queue_log/queue_log_record.h"

#include <array>
#include <cstdint>
#include <limits>

namespace ccmon::asterisk_queue_log {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `text` as decimal digits into *out (at most 18 digits, so no overflow).
bool ParseDigits(std::string_view text, std::int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  std::int64_t v = 0;
  for (const char c : text) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool IsLeapYear(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(std::int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Parses a fixed-width group of digits at text[pos, pos + width).
bool Field(std::string_view text, std::size_t pos, std::size_t width, std::int64_t* out) {
  return pos + width <= text.size() && ParseDigits(text.substr(pos, width), out);
}

}  // namespace

Status ParseQueueLogLine(std::string_view line, QueueLogRecord* record) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::array<std::string_view, 5> head;
  std::size_t start = 0;
  for (std::size_t i = 0; i < head.size(); ++i) {
    const std::size_t bar = line.find('|', start);
    if (bar == std::string_view::npos) {
      if (i < head.size() - 1) return Status::InvalidArgument("fewer than 5 fields");
      head[i] = line.substr(start);
      start = line.size() + 1;  // No data part.
    } else {
      head[i] = line.substr(start, bar - start);
      start = bar + 1;
    }
  }
  const std::optional<UnixMs> time = ParseEpochTime(head[0]);
  if (!time) return Status::InvalidArgument("bad timestamp");
  if (head[4].empty()) return Status::InvalidArgument("empty verb");
  record->time_ms = *time;
  record->callid.assign(head[1]);
  record->queue.assign(head[2]);
  record->agent.assign(head[3]);
  record->verb.assign(head[4]);
  record->data.clear();
  while (start <= line.size()) {
    const std::size_t bar = line.find('|', start);
    if (bar == std::string_view::npos) {
      record->data.emplace_back(line.substr(start));
      break;
    }
    record->data.emplace_back(line.substr(start, bar - start));
    start = bar + 1;
  }
  return Status::Ok();
}

std::optional<UnixMs> ParseEpochTime(std::string_view text) {
  const std::size_t dot = text.find('.');
  std::int64_t whole = 0;
  if (!ParseDigits(text.substr(0, dot), &whole)) return std::nullopt;
  UnixMs ms = 0;
  if (dot == std::string_view::npos) {
    // Twelve digits or more cannot be seconds of a plausible date: they are milliseconds.
    if (text.size() >= 12) {
      ms = whole;
    } else {
      ms = whole * 1000;
    }
  } else {
    std::string_view fraction = text.substr(dot + 1);
    if (fraction.empty() || text.size() - fraction.size() - 1 > 11) return std::nullopt;
    for (const char c : fraction) {
      if (!IsDigit(c)) return std::nullopt;
    }
    std::int64_t milli = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      milli = milli * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    }
    ms = whole * 1000 + milli;
  }
  if (ms <= 0) return std::nullopt;
  return ms;
}

std::optional<UnixMs> ParseLocalDateTime(std::string_view text, const TimeZone& zone) {
  // YYYY-MM-DD HH:MM:SS[.fraction]
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 19 || !Field(text, 0, 4, &year) || text[4] != '-' ||
      !Field(text, 5, 2, &month) || text[7] != '-' || !Field(text, 8, 2, &day) ||
      (text[10] != ' ' && text[10] != 'T') || !Field(text, 11, 2, &hour) || text[13] != ':' ||
      !Field(text, 14, 2, &minute) || text[16] != ':' || !Field(text, 17, 2, &second)) {
    return std::nullopt;
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 ||
      day > static_cast<std::int64_t>(DaysInMonth(year, static_cast<unsigned>(month))) ||
      hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::int64_t milli = 0;
  if (text.size() > 19) {
    if (text[19] != '.' || text.size() == 20) return std::nullopt;
    const std::string_view fraction = text.substr(20);
    for (const char c : fraction) {
      if (!IsDigit(c)) return std::nullopt;
    }
    for (std::size_t i = 0; i < 3; ++i) {
      milli = milli * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    }
  }
  const std::int64_t local =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86'400 +
      hour * 3'600 + minute * 60 + second;
  // The offsets in force within a day either side are the only candidates; an instant t is the
  // answer when the zone's offset at t maps it back to this local time.
  const std::int32_t before = zone.OffsetSeconds(local - 86'400);
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (const std::int32_t offset :
       {before, zone.OffsetSeconds(local), zone.OffsetSeconds(local + 86'400)}) {
    const std::int64_t t = local - offset;
    if (zone.OffsetSeconds(t) == offset && t < best) best = t;
  }
  if (best == std::numeric_limits<std::int64_t>::max()) best = local - before;  // Skipped hour.
  const UnixMs ms = best * 1000 + milli;
  if (ms <= 0) return std::nullopt;
  return ms;
}

std::optional<UnixMs> ParseTableTime(std::string_view text, const TimeZone& zone) {
  if (auto epoch = ParseEpochTime(text)) return epoch;
  return ParseLocalDateTime(text, zone);
}

std::optional<std::uint32_t> ParseCount(std::string_view text) {
  std::int64_t v = 0;
  if (text.size() > 10 || !ParseDigits(text, &v) || v > std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(v);
}

}  // namespace ccmon::asterisk_queue_log
