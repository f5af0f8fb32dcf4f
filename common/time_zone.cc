#include "common/time_zone.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace ccmon {

namespace {

// RFC 8536 §3.2: utoff SHOULD be in [−89999, 93599] (−24:59:59 … 25:59:59).
constexpr std::int32_t kMinUtoff = -89'999;
constexpr std::int32_t kMaxUtoff = 93'599;
// Real zone files are a few kilobytes; anything this big is not one.
constexpr std::uintmax_t kMaxFileSize = 1 << 20;
constexpr std::size_t kMaxNameLength = 255;
// A local period crosses at most a handful of offset changes in any real zone.
constexpr int kMaxPeriodSteps = 16;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = FloorDiv(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (m + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + doe - 719'468;
}

// The proleptic Gregorian year of a day counted from 1970-01-01 (civil_from_days, year only).
std::int64_t YearOfDay(std::int64_t days) {
  const std::int64_t z = days + 719'468;
  const std::int64_t era = FloorDiv(z, 146'097);
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (month <= 2 ? 1 : 0);
}

bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(std::int64_t y, int m) {
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// 0 = Sunday. 1970-01-01 was a Thursday.
int Weekday(std::int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }

// Big-endian reader over untrusted bytes. Every read is bounds-checked by the caller through
// Need() first.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool Need(std::uint64_t n) const { return n <= bytes_.size() - pos_; }
  std::size_t pos() const { return pos_; }
  void Skip(std::uint64_t n) { pos_ += static_cast<std::size_t>(n); }
  std::uint8_t U8() { return static_cast<std::uint8_t>(bytes_[pos_++]); }
  std::uint32_t U32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | U8();
    return v;
  }
  std::int64_t I64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | U8();
    return static_cast<std::int64_t>(v);
  }
  std::int64_t Time(int size) {
    return size == 8 ? I64() : static_cast<std::int64_t>(static_cast<std::int32_t>(U32()));
  }
  std::string_view Rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

struct Header {
  char version = 0;
  std::uint32_t isutcnt = 0;
  std::uint32_t isstdcnt = 0;
  std::uint32_t leapcnt = 0;
  std::uint32_t timecnt = 0;
  std::uint32_t typecnt = 0;
  std::uint32_t charcnt = 0;

  // Bytes of the data block that follows, with `time_size`-byte times.
  std::uint64_t DataSize(int time_size) const {
    const auto t = static_cast<std::uint64_t>(time_size);
    return std::uint64_t{timecnt} * (t + 1) + std::uint64_t{typecnt} * 6 + charcnt +
           std::uint64_t{leapcnt} * (t + 4) + isstdcnt + isutcnt;
  }
};

Status ReadHeader(Reader* r, Header* h) {
  if (!r->Need(44)) return Status::InvalidArgument("truncated header");
  const std::string_view magic = r->Rest().substr(0, 4);
  if (magic != "TZif") return Status::InvalidArgument("not a TZif file (bad magic)");
  r->Skip(4);
  h->version = static_cast<char>(r->U8());
  if (h->version != 0 && (h->version < '2' || h->version > '9')) {
    return Status::InvalidArgument("unknown TZif version");
  }
  r->Skip(15);
  h->isutcnt = r->U32();
  h->isstdcnt = r->U32();
  h->leapcnt = r->U32();
  h->timecnt = r->U32();
  h->typecnt = r->U32();
  h->charcnt = r->U32();
  if (h->typecnt == 0 || h->typecnt > 256) {
    return Status::InvalidArgument("bad count of local time types");
  }
  if ((h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
      (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
    return Status::InvalidArgument("bad count of UT/standard indicators");
  }
  return Status::Ok();
}

// Parses a decimal number of at most `max_digits` digits at text[*pos].
bool ParseNumber(std::string_view text, std::size_t* pos, int max_digits, int* value) {
  int v = 0;
  int digits = 0;
  while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9') {
    if (++digits > max_digits) return false;
    v = v * 10 + (text[*pos] - '0');
    ++*pos;
  }
  *value = v;
  return digits > 0;
}

// [+-]hh[:mm[:ss]] with hours at most max_hours; the value in seconds, sign applied.
bool ParseHms(std::string_view text, std::size_t* pos, int max_hours, std::int32_t* seconds) {
  int sign = 1;
  if (*pos < text.size() && (text[*pos] == '+' || text[*pos] == '-')) {
    sign = text[*pos] == '-' ? -1 : 1;
    ++*pos;
  }
  int h = 0;
  int m = 0;
  int s = 0;
  if (!ParseNumber(text, pos, 3, &h) || h > max_hours) return false;
  if (*pos < text.size() && text[*pos] == ':') {
    ++*pos;
    if (!ParseNumber(text, pos, 2, &m) || m > 59) return false;
    if (*pos < text.size() && text[*pos] == ':') {
      ++*pos;
      if (!ParseNumber(text, pos, 2, &s) || s > 59) return false;
    }
  }
  *seconds = sign * (h * 3600 + m * 60 + s);
  return true;
}

// A zone abbreviation: three or more letters, or <…> quoting letters, digits, '+' and '-'.
bool ParseAbbreviation(std::string_view text, std::size_t* pos) {
  const std::size_t begin = *pos;
  if (*pos < text.size() && text[*pos] == '<') {
    ++*pos;
    while (*pos < text.size() && text[*pos] != '>') {
      const char c = text[*pos];
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '+' || c == '-';
      if (!ok) return false;
      ++*pos;
    }
    if (*pos >= text.size()) return false;
    ++*pos;  // '>'
    return *pos - begin - 2 >= 3;
  }
  while (*pos < text.size() &&
         ((text[*pos] >= 'A' && text[*pos] <= 'Z') || (text[*pos] >= 'a' && text[*pos] <= 'z'))) {
    ++*pos;
  }
  return *pos - begin >= 3;
}

bool Valid(std::int32_t utoff) { return utoff >= kMinUtoff && utoff <= kMaxUtoff; }

Status CheckName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return Status::InvalidArgument("bad length");
  if (name.front() == '/') return Status::InvalidArgument("absolute path");
  std::size_t begin = 0;
  while (begin <= name.size()) {
    std::size_t end = name.find('/', begin);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(begin, end - begin);
    if (part.empty() || part == "." || part == "..") {
      return Status::InvalidArgument("empty, '.' or '..' path component");
    }
    for (const char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '+' || c == '.';
      if (!ok) return Status::InvalidArgument("character not allowed in a zone name");
    }
    begin = end + 1;
  }
  return Status::Ok();
}

std::string ZoneContext(std::string_view name) { return "time zone \"" + std::string(name) + "\""; }

}  // namespace

TimeZone TimeZone::Utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  return zone;
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  const char* dir = std::getenv("TZDIR");
  return LoadFromDirectory(name, dir != nullptr && dir[0] != '\0' ? dir : kDefaultDirectory);
}

Result<TimeZone> TimeZone::LoadFromDirectory(std::string_view name, std::string_view directory) {
  if (name == "UTC") return Utc();
  const std::string context = ZoneContext(name);
  if (Status s = CheckName(name); !s.ok()) {
    return Status::InvalidArgument("not a valid zone name (" + s.message() + ")")
        .WithContext(context);
  }
  const std::filesystem::path path = std::filesystem::path(directory) / std::string(name);
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    return Status::NotFound("no such zone (" + path.string() + ")").WithContext(context);
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Status::InvalidArgument("not a zone file (" + path.string() + ")").WithContext(context);
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IoError(ec.message() + " (" + path.string() + ")").WithContext(context);
  if (size > kMaxFileSize) {
    return Status::InvalidArgument("file too large for a zone (" + path.string() + ")")
        .WithContext(context);
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return Status::IoError("cannot read " + path.string()).WithContext(context);
  }
  Result<TimeZone> zone = Parse(name, bytes);
  if (!zone.ok()) return zone.status().WithContext(path.string());
  return zone;
}

Result<TimeZone> TimeZone::Parse(std::string_view name, std::string_view tzif) {
  const std::string context = ZoneContext(name);
  auto invalid = [&](std::string_view what) {
    return Status::InvalidArgument(std::string(what)).WithContext(context);
  };

  Reader r(tzif);
  Header h;
  if (Status s = ReadHeader(&r, &h); !s.ok()) return s.WithContext(context);
  int time_size = 4;
  if (h.version != 0) {
    // Version 2+: skip the 32-bit block; the 64-bit one follows with its own header.
    const std::uint64_t skip = h.DataSize(4);
    if (!r.Need(skip)) return invalid("truncated version 1 data");
    r.Skip(skip);
    if (Status s = ReadHeader(&r, &h); !s.ok()) return s.WithContext(context);
    time_size = 8;
  }
  if (h.leapcnt != 0) return invalid("zones with leap seconds (\"right/\") are not supported");
  if (!r.Need(h.DataSize(time_size))) return invalid("truncated data");

  std::vector<std::int64_t> times(h.timecnt);
  for (std::int64_t& t : times) t = r.Time(time_size);
  std::vector<std::uint8_t> type_of(h.timecnt);
  for (std::uint8_t& i : type_of) {
    i = r.U8();
    if (i >= h.typecnt) return invalid("transition to an unknown local time type");
  }
  std::vector<std::int32_t> utoffs(h.typecnt);
  for (std::int32_t& off : utoffs) {
    off = static_cast<std::int32_t>(r.U32());
    r.Skip(2);  // isdst, desigidx: not needed for offsets.
    if (!Valid(off)) return invalid("UTC offset out of range");
  }
  r.Skip(std::uint64_t{h.charcnt} + h.isstdcnt + h.isutcnt);
  for (std::size_t i = 1; i < times.size(); ++i) {
    if (times[i] <= times[i - 1]) return invalid("transition times not ascending");
  }

  TimeZone zone;
  zone.name_ = std::string(name);
  // RFC 8536 §3.2: time type 0 holds before the first transition.
  zone.initial_offset_ = utoffs[0];
  for (std::size_t i = 0; i < times.size(); ++i) {
    const std::int32_t off = utoffs[type_of[i]];
    if (times[i] <= kMinTime) {
      zone.initial_offset_ = off;  // zic's "big bang" transition, before any real time.
      continue;
    }
    if (times[i] >= kMaxTime) break;
    const std::int32_t before = zone.offsets_.empty() ? zone.initial_offset_ : zone.offsets_.back();
    if (off == before) continue;  // Only the abbreviation or isdst changed.
    zone.transitions_.push_back(times[i]);
    zone.offsets_.push_back(off);
  }

  if (time_size == 8) {
    const std::string_view rest = r.Rest();
    if (rest.empty() || rest.front() != '\n') return invalid("missing footer");
    const std::size_t close = rest.find('\n', 1);
    if (close == std::string_view::npos) return invalid("unterminated footer");
    const std::string_view footer = rest.substr(1, close - 1);
    if (!footer.empty()) {
      PosixRule rule;
      if (Status s = ParsePosixRule(footer, &rule); !s.ok()) {
        return s.WithContext("footer \"" + std::string(footer) + "\"").WithContext(context);
      }
      // The footer governs from the last transition on (all time when there is none).
      const std::int64_t from =
          times.empty() ? kMinTime : std::clamp(times.back(), kMinTime, kMaxTime);
      if (rule.has_dst) {
        zone.has_rule_ = true;
        zone.rule_ = rule;
        zone.rule_from_ = from;
        // Table transitions at or after the footer's start are superseded by it.
        while (!zone.transitions_.empty() && zone.transitions_.back() >= from) {
          zone.transitions_.pop_back();
          zone.offsets_.pop_back();
        }
      } else {
        // A fixed offset from `from` on: fold it into the table.
        while (!zone.transitions_.empty() && zone.transitions_.back() >= from) {
          zone.transitions_.pop_back();
          zone.offsets_.pop_back();
        }
        const std::int32_t before =
            zone.offsets_.empty() ? zone.initial_offset_ : zone.offsets_.back();
        if (from <= kMinTime) {
          zone.initial_offset_ = rule.std_offset;
        } else if (rule.std_offset != before) {
          zone.transitions_.push_back(from);
          zone.offsets_.push_back(rule.std_offset);
        }
      }
    }
  }
  return zone;
}

Status TimeZone::ParsePosixRule(std::string_view text, PosixRule* rule) {
  std::size_t pos = 0;
  auto bad = [](std::string_view what) { return Status::InvalidArgument(std::string(what)); };
  if (!ParseAbbreviation(text, &pos)) return bad("bad standard time abbreviation");
  std::int32_t offset = 0;
  // POSIX offsets count west of Greenwich as positive: the UTC offset is their negation.
  if (!ParseHms(text, &pos, 24, &offset)) return bad("bad standard time offset");
  rule->std_offset = -offset;
  rule->has_dst = false;
  if (pos == text.size()) return Status::Ok();

  if (!ParseAbbreviation(text, &pos)) return bad("bad daylight time abbreviation");
  rule->dst_offset = rule->std_offset + 3600;
  if (pos < text.size() && text[pos] != ',') {
    if (!ParseHms(text, &pos, 24, &offset)) return bad("bad daylight time offset");
    rule->dst_offset = -offset;
  }
  if (!Valid(rule->std_offset) || !Valid(rule->dst_offset)) return bad("offset out of range");

  auto parse_date = [&](DateRule* d) {
    if (pos >= text.size()) return false;
    int a = 0;
    if (text[pos] == 'J') {
      ++pos;
      d->kind = DateRule::Kind::kJulian1;
      if (!ParseNumber(text, &pos, 3, &a) || a < 1 || a > 365) return false;
      d->day = a;
    } else if (text[pos] == 'M') {
      ++pos;
      d->kind = DateRule::Kind::kMonthWeekDay;
      int w = 0;
      int wd = 0;
      if (!ParseNumber(text, &pos, 2, &a) || a < 1 || a > 12) return false;
      if (pos >= text.size() || text[pos++] != '.') return false;
      if (!ParseNumber(text, &pos, 1, &w) || w < 1 || w > 5) return false;
      if (pos >= text.size() || text[pos++] != '.') return false;
      if (!ParseNumber(text, &pos, 1, &wd) || wd > 6) return false;
      d->month = a;
      d->week = w;
      d->day = wd;
    } else {
      d->kind = DateRule::Kind::kJulian0;
      if (!ParseNumber(text, &pos, 3, &a) || a > 365) return false;
      d->day = a;
    }
    d->time = 7200;
    if (pos < text.size() && text[pos] == '/') {
      ++pos;
      // RFC 8536 §3.3.1 extends POSIX to −167…167 hours.
      if (!ParseHms(text, &pos, 167, &d->time)) return false;
    }
    return true;
  };

  if (pos == text.size()) {
    // No rule: POSIX leaves it to the implementation; tzcode and glibc use the US rules.
    rule->start = DateRule{DateRule::Kind::kMonthWeekDay, 0, 3, 2, 7200};
    rule->end = DateRule{DateRule::Kind::kMonthWeekDay, 0, 11, 1, 7200};
  } else {
    if (text[pos++] != ',' || !parse_date(&rule->start)) return bad("bad DST start rule");
    if (pos >= text.size() || text[pos++] != ',' || !parse_date(&rule->end)) {
      return bad("bad DST end rule");
    }
    if (pos != text.size()) return bad("trailing characters");
  }
  rule->has_dst = rule->dst_offset != rule->std_offset;
  return Status::Ok();
}

std::int64_t TimeZone::RuleInstant(const DateRule& rule, int year, std::int32_t offset) {
  std::int64_t days = 0;
  switch (rule.kind) {
    case DateRule::Kind::kJulian1:
      // Jn counts 1–365 and never February 29.
      days = DaysFromCivil(year, 1, 1) + rule.day - 1 + (IsLeap(year) && rule.day >= 60 ? 1 : 0);
      break;
    case DateRule::Kind::kJulian0:
      days = DaysFromCivil(year, 1, 1) + rule.day;
      break;
    case DateRule::Kind::kMonthWeekDay: {
      const std::int64_t first = DaysFromCivil(year, rule.month, 1);
      int d = (rule.day - Weekday(first) + 7) % 7 + (rule.week - 1) * 7;
      while (d >= DaysInMonth(year, rule.month)) d -= 7;  // Week 5 = the last one.
      days = first + d;
      break;
    }
  }
  return days * kSecondsPerDay + rule.time - offset;
}

TimeZone::Segment TimeZone::RuleSegmentAt(std::int64_t t) const {
  // The changes of the years around t's, in order; the DST start of year y+1 may coincide with
  // the end of year y (DST all year, "EST5EDT,0/0,J365/25"), so at equal instants the end is
  // applied first. ±2 years covers rule times up to ±167 h.
  struct Change {
    std::int64_t at;
    std::int32_t offset;
    int order;  // 0: DST ends, 1: DST starts.
  };
  const std::int64_t year = YearOfDay(FloorDiv(t + rule_.std_offset, kSecondsPerDay));
  std::array<Change, 10> changes{};
  std::size_t n = 0;
  for (std::int64_t y = year - 2; y <= year + 2; ++y) {
    const int iy = static_cast<int>(y);
    changes[n++] = Change{RuleInstant(rule_.start, iy, rule_.std_offset), rule_.dst_offset, 1};
    changes[n++] = Change{RuleInstant(rule_.end, iy, rule_.dst_offset), rule_.std_offset, 0};
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });
  // Keep the last change of each instant and only those that change the offset.
  std::array<Change, 10> kept{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n && changes[i + 1].at == changes[i].at) continue;
    if (k > 0 && kept[k - 1].offset == changes[i].offset) continue;
    kept[k++] = changes[i];
  }
  Segment seg{kMinTime, kMaxTime, rule_.std_offset};
  for (std::size_t i = 0; i < k; ++i) {
    if (kept[i].at <= t) {
      seg.start = kept[i].at;
      seg.offset = kept[i].offset;
    } else {
      seg.end = kept[i].at;
      break;
    }
  }
  return seg;
}

TimeZone::Segment TimeZone::SegmentAt(std::int64_t t) const {
  if (has_rule_ && t >= rule_from_) {
    Segment seg = RuleSegmentAt(t);
    seg.start = std::max(seg.start, rule_from_);
    return seg;
  }
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  const auto i = static_cast<std::size_t>(it - transitions_.begin());
  Segment seg;
  seg.start = i == 0 ? kMinTime : transitions_[i - 1];
  seg.offset = i == 0 ? initial_offset_ : offsets_[i - 1];
  seg.end = i < transitions_.size() ? transitions_[i] : (has_rule_ ? rule_from_ : kMaxTime);
  return seg;
}

std::int32_t TimeZone::OffsetSeconds(std::int64_t unix_seconds) const {
  return SegmentAt(std::clamp(unix_seconds, kMinTime, kMaxTime)).offset;
}

TimeZone::Span TimeZone::LocalRun(UnixMs t, std::int64_t length, bool split_at_transitions) const {
  assert(IsValidInterval(length) && "TimeZone: an interval must divide a day");
  const std::int64_t len = IsValidInterval(length) ? length : kSecondsPerDay;
  const std::int64_t s = std::clamp(FloorDiv(t, 1000), kMinTime, kMaxTime);
  const Segment seg = SegmentAt(s);
  const std::int64_t period = FloorDiv(s + seg.offset, len);

  // Start: the latest instant ≤ s where the local period became `period`, walking back over
  // offset changes that keep the local time inside it (unless they split the run).
  std::int64_t start = seg.start;
  Segment cur = seg;
  for (int step = 0; step < kMaxPeriodSteps; ++step) {
    const std::int64_t u = period * len - cur.offset;
    if (u > cur.start) {
      start = u;
      break;
    }
    start = cur.start;
    if (cur.start <= kMinTime) break;
    const Segment prev = SegmentAt(cur.start - 1);
    if (split_at_transitions && prev.offset != cur.offset) break;
    if (FloorDiv(cur.start - 1 + prev.offset, len) != period) break;
    cur = prev;
  }

  // End: the first instant > s where the local period is no longer `period` (or, when
  // splitting, the offset changes).
  std::int64_t end = seg.end;
  cur = seg;
  for (int step = 0; step < kMaxPeriodSteps; ++step) {
    const std::int64_t v = (period + 1) * len - cur.offset;
    if (v < cur.end) {
      end = v;
      break;
    }
    end = cur.end;
    if (cur.end >= kMaxTime) break;
    const Segment next = SegmentAt(cur.end);
    if (split_at_transitions && next.offset != cur.offset) break;
    if (FloorDiv(cur.end + next.offset, len) != period) break;
    cur = next;
  }
  return Span{start * 1000, end * 1000};
}

}  // namespace ccmon
