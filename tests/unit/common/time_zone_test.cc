// TimeZone: offsets and local days/intervals of real zones from /usr/share/zoneinfo (expected
// values computed by hand from the zones' rules and checked against Python's zoneinfo), the
// footer rule of "slim" files, and the error paths for bad names and corrupt files.
#include "common/time_zone.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ccmon {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kMinute = 60;
constexpr UnixMs kMs = 1000;

// Unix seconds of some instants (UTC).
constexpr std::int64_t k2024Jan15Noon = 1'705'320'000;
constexpr std::int64_t k2024Jul15Noon = 1'721'044'800;
constexpr std::int64_t kBerlinSpringForward = 1'711'846'800;  // 2024-03-31 01:00 UTC.
constexpr std::int64_t kBerlinFallBack = 1'729'990'800;       // 2024-10-27 01:00 UTC.

TimeZone MustLoad(const std::string& name) {
  Result<TimeZone> zone = TimeZone::LoadFromDirectory(name, TimeZone::kDefaultDirectory);
  EXPECT_TRUE(zone.ok()) << zone.status().message();
  return zone.ok() ? *zone : TimeZone::Utc();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Builds TZif bytes: one data block per version (v1 only, or v1 + v2 with a footer).
class TzifBuilder {
 public:
  TzifBuilder& Type(std::int32_t utoff) {
    types_.push_back(utoff);
    return *this;
  }
  TzifBuilder& Transition(std::int64_t at, std::uint8_t type) {
    times_.push_back(at);
    type_of_.push_back(type);
    return *this;
  }
  TzifBuilder& Leap() {
    leap_ = true;
    return *this;
  }
  // Version 1 file (32-bit times, no footer).
  std::string V1() const {
    std::string out;
    Block(&out, 0, 4);
    return out;
  }
  // Version 2 file: an empty v1 block, the 64-bit block and "\n<footer>\n" (raw_footer verbatim
  // when given).
  std::string V2(const std::string& footer, std::optional<std::string> raw_footer = {}) const {
    std::string out;
    TzifBuilder empty;
    empty.types_ = {0};
    empty.Block(&out, '2', 4);
    Block(&out, '2', 8);
    out += raw_footer ? *raw_footer : "\n" + footer + "\n";
    return out;
  }

 private:
  static void Put(std::string* out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void Block(std::string* out, char version, int time_size) const {
    out->append("TZif");
    out->push_back(version);
    out->append(15, '\0');
    Put(out, 0, 4);              // isutcnt
    Put(out, 0, 4);              // isstdcnt
    Put(out, leap_ ? 1 : 0, 4);  // leapcnt
    Put(out, times_.size(), 4);  // timecnt
    Put(out, types_.size(), 4);  // typecnt
    Put(out, 4, 4);              // charcnt
    for (std::int64_t t : times_) Put(out, static_cast<std::uint64_t>(t), time_size);
    for (std::uint8_t i : type_of_) Put(out, i, 1);
    for (std::int32_t off : types_) {
      Put(out, static_cast<std::uint32_t>(off), 4);
      Put(out, 0, 1);  // isdst
      Put(out, 0, 1);  // desigidx
    }
    out->append("XYZ", 4);
    if (leap_) {
      Put(out, 78'796'800, time_size);
      Put(out, 1, 4);
    }
  }

  std::vector<std::int64_t> times_;
  std::vector<std::uint8_t> type_of_;
  std::vector<std::int32_t> types_;
  bool leap_ = false;
};

// Points $TZDIR at a fresh temporary directory for the test's lifetime.
class ScopedZoneDirectory {
 public:
  ScopedZoneDirectory() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ccmon_tz_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    const char* old = std::getenv("TZDIR");
    if (old != nullptr) old_ = old;
    ::setenv("TZDIR", dir_.c_str(), 1);
  }
  ~ScopedZoneDirectory() {
    if (old_) {
      ::setenv("TZDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TZDIR");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Write(const std::string& name, const std::string& bytes) const {
    const std::filesystem::path path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::optional<std::string> old_;
};

void ExpectSpan(const TimeZone::Span& span, std::int64_t start_s, std::int64_t end_s) {
  EXPECT_EQ(span.start_ms, start_s * kMs);
  EXPECT_EQ(span.end_ms, end_s * kMs);
}

TEST(TimeZone, UtcIsBuiltInAndNeedsNoFile) {
  Result<TimeZone> zone = TimeZone::LoadFromDirectory("UTC", "/nonexistent/zoneinfo");
  ASSERT_TRUE(zone.ok()) << zone.status().message();
  EXPECT_EQ(zone->name(), "UTC");
  EXPECT_EQ(zone->OffsetSeconds(k2024Jul15Noon), 0);
  ExpectSpan(zone->DayContaining(k2024Jul15Noon * kMs), 1'721'001'600, 1'721'088'000);
  ExpectSpan(zone->IntervalContaining(k2024Jul15Noon * kMs + 1, 15 * kMinute), k2024Jul15Noon,
             k2024Jul15Noon + 15 * kMinute);
}

TEST(TimeZone, BerlinIsOneHourAheadInWinterTwoInSummerAndSwitchesAtOneUtc) {
  const TimeZone berlin = MustLoad("Europe/Berlin");
  EXPECT_EQ(berlin.name(), "Europe/Berlin");
  EXPECT_EQ(berlin.OffsetSeconds(k2024Jan15Noon), 1 * kHour);
  EXPECT_EQ(berlin.OffsetSeconds(k2024Jul15Noon), 2 * kHour);
  EXPECT_EQ(berlin.OffsetSeconds(kBerlinSpringForward - 1), 1 * kHour);
  EXPECT_EQ(berlin.OffsetSeconds(kBerlinSpringForward), 2 * kHour);
  EXPECT_EQ(berlin.OffsetSeconds(kBerlinFallBack - 1), 2 * kHour);
  EXPECT_EQ(berlin.OffsetSeconds(kBerlinFallBack), 1 * kHour);
}

TEST(TimeZone, NewYorkIsFiveHoursBehindInWinterFourInSummer) {
  const TimeZone ny = MustLoad("America/New_York");
  EXPECT_EQ(ny.OffsetSeconds(k2024Jan15Noon), -5 * kHour);
  EXPECT_EQ(ny.OffsetSeconds(k2024Jul15Noon), -4 * kHour);
  // 2024-03-10 02:00 EST = 07:00 UTC; 2024-11-03 02:00 EDT = 06:00 UTC.
  EXPECT_EQ(ny.OffsetSeconds(1'710'054'000 - 1), -5 * kHour);
  EXPECT_EQ(ny.OffsetSeconds(1'710'054'000), -4 * kHour);
  EXPECT_EQ(ny.OffsetSeconds(1'730'613'600 - 1), -4 * kHour);
  EXPECT_EQ(ny.OffsetSeconds(1'730'613'600), -5 * kHour);
}

TEST(TimeZone, LordHoweMovesItsClockByThirtyMinutes) {
  const TimeZone lh = MustLoad("Australia/Lord_Howe");
  // +10:30 standard, +11:00 daylight. DST ends 2024-04-07 02:00 local (+11) = 04-06 15:00 UTC;
  // starts 2024-10-06 02:00 local (+10:30) = 10-05 15:30 UTC.
  EXPECT_EQ(lh.OffsetSeconds(1'712'415'600 - 1), 11 * kHour);
  EXPECT_EQ(lh.OffsetSeconds(1'712'415'600), 10 * kHour + 30 * kMinute);
  EXPECT_EQ(lh.OffsetSeconds(1'728'142'200 - 1), 10 * kHour + 30 * kMinute);
  EXPECT_EQ(lh.OffsetSeconds(1'728'142'200), 11 * kHour);
}

TEST(TimeZone, KolkataIsFiveThirtyAheadAllYearAndItsDaysStartAtSixThirtyUtc) {
  const TimeZone kolkata = MustLoad("Asia/Kolkata");
  EXPECT_EQ(kolkata.OffsetSeconds(k2024Jan15Noon), 5 * kHour + 30 * kMinute);
  EXPECT_EQ(kolkata.OffsetSeconds(k2024Jul15Noon), 5 * kHour + 30 * kMinute);
  // 2024-06-15 12:30 UTC = 18:00 IST. The day began 2024-06-14 18:30 UTC.
  const UnixMs t = 1'718'454'600 * kMs;
  ExpectSpan(kolkata.DayContaining(t), 1'718'389'800, 1'718'476'200);
  // 15-minute intervals follow the local clock: 18:00–18:15 IST.
  ExpectSpan(kolkata.IntervalContaining(t + 1, 15 * kMinute), 1'718'454'600, 1'718'455'500);
  ExpectSpan(kolkata.IntervalContaining(t - 1, 30 * kMinute), 1'718'452'800, 1'718'454'600);
}

TEST(TimeZone, SpringForwardDaysAreTwentyThreeHours) {
  // Berlin 2024-03-31: 00:00 CET = 03-30 23:00 UTC to 24:00 CEST = 03-31 22:00 UTC.
  const TimeZone berlin = MustLoad("Europe/Berlin");
  ExpectSpan(berlin.DayContaining(kBerlinSpringForward * kMs), 1'711'839'600, 1'711'922'400);
  ExpectSpan(berlin.DayContaining(1'711'839'600 * kMs), 1'711'839'600, 1'711'922'400);
  ExpectSpan(berlin.DayContaining(1'711'922'400 * kMs - 1), 1'711'839'600, 1'711'922'400);
  // New York 2024-03-10: 05:00 UTC to 03-11 04:00 UTC.
  const TimeZone ny = MustLoad("America/New_York");
  ExpectSpan(ny.DayContaining(1'710'054'000 * kMs), 1'710'046'800, 1'710'129'600);
}

TEST(TimeZone, FallBackDaysAreTwentyFiveHours) {
  // Berlin 2024-10-27: 10-26 22:00 UTC to 10-27 23:00 UTC.
  const TimeZone berlin = MustLoad("Europe/Berlin");
  ExpectSpan(berlin.DayContaining(kBerlinFallBack * kMs), 1'729'980'000, 1'730'070'000);
  ExpectSpan(berlin.DayContaining(kBerlinFallBack * kMs - 1), 1'729'980'000, 1'730'070'000);
  // New York 2024-11-03: 04:00 UTC to 11-04 05:00 UTC.
  const TimeZone ny = MustLoad("America/New_York");
  ExpectSpan(ny.DayContaining(1'730'613'600 * kMs), 1'730'606'400, 1'730'696'400);
}

TEST(TimeZone, LordHoweDaysAreTwentyFourAndAHalfAndTwentyThreeAndAHalfHours) {
  const TimeZone lh = MustLoad("Australia/Lord_Howe");
  // 2024-04-07: 04-06 13:00 UTC (+11) to 04-07 13:30 UTC (+10:30).
  ExpectSpan(lh.DayContaining(1'712'415'000 * kMs), 1'712'408'400, 1'712'496'600);
  // 2024-10-06: 10-05 13:30 UTC (+10:30) to 10-06 13:00 UTC (+11).
  ExpectSpan(lh.DayContaining(1'728'142'200 * kMs), 1'728'135'000, 1'728'219'600);
}

TEST(TimeZone, DayStartsAtTheTransitionWhenLocalMidnightIsSkipped) {
  // Havana springs forward at 00:00 CST to 01:00 CDT (2024-03-10 05:00 UTC).
  const TimeZone havana = MustLoad("America/Havana");
  ExpectSpan(havana.DayContaining(1'710'050'400 * kMs), 1'710'046'800, 1'710'129'600);
  // The instant before belongs to March 9, which ends at the transition.
  EXPECT_EQ(havana.DayContaining(1'710'046'800 * kMs - 1).end_ms, 1'710'046'800 * kMs);
}

TEST(TimeZone, IntervalsFollowTheLocalClockAndAreCutAtTransitions) {
  const TimeZone berlin = MustLoad("Europe/Berlin");
  // Spring forward: 01:45–02:00 CET is 00:45–01:00 UTC; at 01:00 UTC it is 03:00 CEST.
  ExpectSpan(berlin.IntervalContaining(kBerlinSpringForward * kMs - 1, 15 * kMinute),
             kBerlinSpringForward - 15 * kMinute, kBerlinSpringForward);
  ExpectSpan(berlin.IntervalContaining(kBerlinSpringForward * kMs, 15 * kMinute),
             kBerlinSpringForward, kBerlinSpringForward + 15 * kMinute);
  // Fall back: 02:30–03:00 CEST (00:30–01:00 UTC), then 02:00–02:30 CET (01:00–01:30 UTC).
  ExpectSpan(berlin.IntervalContaining(kBerlinFallBack * kMs - 1, 30 * kMinute),
             kBerlinFallBack - 30 * kMinute, kBerlinFallBack);
  ExpectSpan(berlin.IntervalContaining(kBerlinFallBack * kMs, 30 * kMinute), kBerlinFallBack,
             kBerlinFallBack + 30 * kMinute);
  // Lord Howe falls back from 02:00 to 01:30: the half hour 01:30–02:00 happens twice and is two
  // intervals, not one of an hour.
  const TimeZone lh = MustLoad("Australia/Lord_Howe");
  const std::int64_t fall_back = 1'712'415'600;
  ExpectSpan(lh.IntervalContaining(fall_back * kMs - 1, 30 * kMinute), fall_back - 30 * kMinute,
             fall_back);
  ExpectSpan(lh.IntervalContaining(fall_back * kMs, 30 * kMinute), fall_back,
             fall_back + 30 * kMinute);
  ExpectSpan(lh.IntervalContaining(fall_back * kMs - 1, 15 * kMinute), fall_back - 15 * kMinute,
             fall_back);
}

TEST(TimeZone, DaysAndIntervalsTileTheYear) {
  const TimeZone berlin = MustLoad("Europe/Berlin");
  const UnixMs year_start = 1'704'063'600 * kMs;  // 2024-01-01 00:00 CET.
  const UnixMs year_end = 1'735'686'000 * kMs;    // 2025-01-01 00:00 CET.
  int days = 0;
  for (UnixMs t = year_start; t < year_end; ++days) {
    const TimeZone::Span day = berlin.DayContaining(t);
    ASSERT_EQ(day.start_ms, t);
    ASSERT_GT(day.end_ms, t);
    t = day.end_ms;
  }
  EXPECT_EQ(days, 366);
  int intervals = 0;
  for (UnixMs t = year_start; t < year_end; ++intervals) {
    const TimeZone::Span interval = berlin.IntervalContaining(t, 15 * kMinute);
    ASSERT_EQ(interval.start_ms, t);
    ASSERT_EQ(interval.end_ms - interval.start_ms, 15 * kMinute * kMs);
    t = interval.end_ms;
  }
  EXPECT_EQ(intervals, 366 * 96);
}

TEST(TimeZone, InstantsAfterTheLastListedTransitionFollowTheFooterRule) {
  const TimeZone berlin = MustLoad("Europe/Berlin");
  EXPECT_EQ(berlin.OffsetSeconds(4'102'488'000), 1 * kHour);  // 2100-01-01 12:00 UTC.
  EXPECT_EQ(berlin.OffsetSeconds(4'118'126'400), 2 * kHour);  // 2100-07-01 12:00 UTC.
  // 2100-03-28 (last Sunday of March) is 23 h long.
  ExpectSpan(berlin.DayContaining(4'109'878'800 * kMs), 4'109'871'600, 4'109'954'400);
}

TEST(TimeZone, SlimFileWithOnlyAFooterMatchesTheFullFile) {
  const std::string slim =
      TzifBuilder().Type(3600).V2("CET-1CEST,M3.5.0,M10.5.0/3");  // No transition at all.
  Result<TimeZone> zone = TimeZone::Parse("Slim/Berlin", slim);
  ASSERT_TRUE(zone.ok()) << zone.status().message();
  const TimeZone berlin = MustLoad("Europe/Berlin");
  // Every 7 h 13 min from 1997 to 2100 (the rule has not changed since 1996).
  for (std::int64_t t = 852'076'800; t < 4'102'444'800; t += 7 * kHour + 13 * kMinute) {
    ASSERT_EQ(zone->OffsetSeconds(t), berlin.OffsetSeconds(t)) << "at " << t;
  }
  ExpectSpan(zone->DayContaining(kBerlinFallBack * kMs), 1'729'980'000, 1'730'070'000);
}

TEST(TimeZone, FooterWithQuotedNamesAndNegativeRuleTimesIsUnderstood) {
  // America/Nuuk's footer: −02 standard, −01 daylight, switching at −01:00 and 00:00 local.
  const std::string bytes = TzifBuilder().Type(-7200).V2("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  Result<TimeZone> zone = TimeZone::Parse("Test/Nuuk", bytes);
  ASSERT_TRUE(zone.ok()) << zone.status().message();
  // Sunday 2024-03-31 at −01:00 local (−02), i.e. Saturday 23:00 = 2024-03-31 01:00 UTC.
  EXPECT_EQ(zone->OffsetSeconds(1'711'846'800 - 1), -2 * kHour);
  EXPECT_EQ(zone->OffsetSeconds(1'711'846'800), -1 * kHour);
  const TimeZone nuuk = MustLoad("America/Nuuk");
  EXPECT_EQ(nuuk.OffsetSeconds(1'711'846'800 - 1), -2 * kHour);
  EXPECT_EQ(nuuk.OffsetSeconds(1'711'846'800), -1 * kHour);
}

TEST(TimeZone, VersionOneFileIsRead) {
  const std::string bytes = TzifBuilder()
                                .Type(3600)
                                .Type(7200)
                                .Transition(kBerlinSpringForward, 1)
                                .Transition(kBerlinFallBack, 0)
                                .V1();
  Result<TimeZone> zone = TimeZone::Parse("Test/V1", bytes);
  ASSERT_TRUE(zone.ok()) << zone.status().message();
  EXPECT_EQ(zone->OffsetSeconds(k2024Jan15Noon), 3600);
  EXPECT_EQ(zone->OffsetSeconds(k2024Jul15Noon), 7200);
  EXPECT_EQ(zone->OffsetSeconds(kBerlinFallBack + 1), 3600);  // No footer: the last type holds.
}

TEST(TimeZone, LoadReadsFromTzdir) {
  ScopedZoneDirectory dir;
  dir.Write("Test/Plus3", TzifBuilder().Type(3 * 3600).V2("<+03>-3"));
  Result<TimeZone> zone = TimeZone::Load("Test/Plus3");
  ASSERT_TRUE(zone.ok()) << zone.status().message();
  EXPECT_EQ(zone->OffsetSeconds(k2024Jan15Noon), 3 * kHour);
  // The system directory is not consulted while TZDIR is set.
  EXPECT_FALSE(TimeZone::Load("Europe/Berlin").ok());
}

TEST(TimeZone, UnknownZoneIsNotFoundAndTheMessageNamesIt) {
  Result<TimeZone> zone = TimeZone::LoadFromDirectory("Mars/Olympus_Mons", "/usr/share/zoneinfo");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(zone.status().message().find("\"Mars/Olympus_Mons\""), std::string::npos)
      << zone.status().message();
}

TEST(TimeZone, ImplausibleNamesAreRejectedWithoutTouchingTheFileSystem) {
  for (const char* name :
       {"", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//Berlin",
        "Europe/Ber lin", "Europe/Berlin/", "Europe/Berlin\n"}) {
    Result<TimeZone> zone = TimeZone::LoadFromDirectory(name, "/usr/share/zoneinfo");
    ASSERT_FALSE(zone.ok()) << name;
    EXPECT_EQ(zone.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(zone.status().message().find("time zone \""), std::string::npos);
  }
  // A directory is not a zone.
  Result<TimeZone> europe = TimeZone::LoadFromDirectory("Europe", "/usr/share/zoneinfo");
  ASSERT_FALSE(europe.ok());
  EXPECT_EQ(europe.status().code(), StatusCode::kInvalidArgument);
}

TEST(TimeZone, CorruptFilesAreErrorsThatNameTheZone) {
  const std::string berlin = ReadFile("/usr/share/zoneinfo/Europe/Berlin");
  ASSERT_GT(berlin.size(), 100u);
  std::string bad_magic = berlin;
  bad_magic[3] = 'g';
  std::string bad_version = berlin;
  bad_version[4] = '1';
  const TzifBuilder two_types =
      TzifBuilder().Type(3600).Type(7200).Transition(100, 1).Transition(200, 0);

  ScopedZoneDirectory dir;
  const std::vector<std::pair<std::string, std::string>> files = {
      {"Bad/Empty", ""},
      {"Bad/Magic", bad_magic},
      {"Bad/Version", bad_version},
      {"Bad/TruncatedHeader", berlin.substr(0, 30)},
      {"Bad/TruncatedV1", berlin.substr(0, 100)},
      {"Bad/TruncatedFooter", berlin.substr(0, berlin.size() - 5)},
      {"Bad/NoFooter", two_types.V2("", std::string())},
      {"Bad/FooterSyntax", two_types.V2("CET-1CEST,M13.5.0,M10.5.0/3")},
      {"Bad/FooterName", two_types.V2("C1")},
      {"Bad/Descending",
       TzifBuilder().Type(0).Type(3600).Transition(200, 1).Transition(100, 0).V2("")},
      {"Bad/UnknownType", TzifBuilder().Type(0).Transition(100, 3).V2("")},
      {"Bad/HugeOffset", TzifBuilder().Type(30 * 3600).V2("")},
      {"Bad/NoTypes", TzifBuilder().V2("")},
      {"Bad/LeapSeconds", TzifBuilder().Type(0).Leap().V2("UTC0")},
  };
  for (const auto& [name, bytes] : files) dir.Write(name, bytes);
  for (const auto& [name, bytes] : files) {
    Result<TimeZone> zone = TimeZone::Load(name);
    ASSERT_FALSE(zone.ok()) << name;
    EXPECT_EQ(zone.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(zone.status().message().find("\"" + name + "\""), std::string::npos)
        << zone.status().message();
  }
}

TEST(TimeZone, EveryTruncationOfARealFileIsAnErrorNotACrash) {
  for (const char* path : {"/usr/share/zoneinfo/Europe/Berlin", "/usr/share/zoneinfo/Asia/Kolkata",
                           "/usr/share/zoneinfo/Australia/Lord_Howe"}) {
    const std::string bytes = ReadFile(path);
    ASSERT_FALSE(bytes.empty()) << path;
    ASSERT_TRUE(TimeZone::Parse(path, bytes).ok()) << path;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(TimeZone::Parse(path, bytes.substr(0, n)).ok()) << path << " cut at " << n;
    }
  }
}

TEST(TimeZone, ExtremeInstantsDoNotOverflow) {
  const TimeZone berlin = MustLoad("Europe/Berlin");
  for (const UnixMs t : {std::numeric_limits<UnixMs>::min(), std::numeric_limits<UnixMs>::max(),
                         UnixMs{-62'135'596'800'000}, UnixMs{253'402'300'799'000}}) {
    const TimeZone::Span day = berlin.DayContaining(t);
    EXPECT_LT(day.start_ms, day.end_ms);
    const TimeZone::Span interval = berlin.IntervalContaining(t, 30 * kMinute);
    EXPECT_LT(interval.start_ms, interval.end_ms);
  }
  const std::int32_t far = berlin.OffsetSeconds(std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(far == 1 * kHour || far == 2 * kHour) << far;
}

}  // namespace
}  // namespace ccmon
