// Dates, times, durations and local → UTC conversion of the records bridge
// (bridges/records/time_format.h), with the 1999 daylight-saving changes of Israel as the edge
// cases (from zdump -v Asia/Jerusalem: 1999-04-02 02:00 IST → 03:00 IDT, i.e. 00:00 UTC;
// 1999-09-03 02:00 IDT → 01:00 IST, i.e. 23:00 UTC on the 2nd).
#include <gtest/gtest.h>

#include "bridges/records/time_format.h"

namespace ccmon::records {
namespace {

ParsedTime Read(const std::string& format, const std::string& text) {
  auto f = TimeFormat::Parse(format);
  EXPECT_TRUE(f.ok()) << f.status().message();
  ParsedTime t;
  EXPECT_TRUE(f.ok() && f->Read(text, &t)) << format << " / " << text;
  return t;
}

bool Matches(const std::string& format, const std::string& text) {
  auto f = TimeFormat::Parse(format);
  EXPECT_TRUE(f.ok()) << f.status().message();
  ParsedTime t;
  return f.ok() && f->Read(text, &t);
}

// Unix seconds of a UTC calendar time.
std::int64_t Utc(int y, int mo, int d, int h, int mi, int s) {
  return DaysFromCivil(y, mo, d) * 86'400 + h * 3600 + mi * 60 + s;
}

TimeZone Jerusalem() {
  auto zone = TimeZone::Load("Asia/Jerusalem");
  EXPECT_TRUE(zone.ok()) << zone.status().message();
  return zone.ok() ? std::move(zone).value() : TimeZone::Utc();
}

TEST(recordsTime, FormatsReadDatesAndTimesOfDay) {
  ParsedTime d = Read("%y%m%d", "990801");
  EXPECT_EQ(d.year, 1999);
  EXPECT_EQ(d.month, 8);
  EXPECT_EQ(d.day, 1);
  d = Read("%Y-%m-%d", "2010-08-01");
  EXPECT_EQ(d.year, 2010);
  EXPECT_EQ(Read("%H:%M:%S", "9:05:37").millis_of_day, (9 * 3600 + 5 * 60 + 37) * 1000);
  EXPECT_EQ(Read("%H:%M:%S", " 23:59:41 ").millis_of_day, (23 * 3600 + 59 * 60 + 41) * 1000);
  EXPECT_EQ(Read("%H:%M:%S.%f", "00:00:01.5").millis_of_day, 1500);
  EXPECT_EQ(Read("%H:%M:%S.%f", "00:00:01.123456789").millis_of_day, 1123);
  EXPECT_EQ(Read("%H:%M", "7:30").millis_of_day, 27'000'000);
  const ParsedTime iso = Read("%Y-%m-%dT%H:%M:%S%z", "2023-06-15T08:30:00+03:00");
  EXPECT_EQ(iso.day, 15);
  ASSERT_TRUE(iso.utc_offset_s);
  EXPECT_EQ(*iso.utc_offset_s, 3 * 3600);
  EXPECT_EQ(*Read("%Y-%m-%dT%H:%M:%S%z", "2023-06-15T08:30:00Z").utc_offset_s, 0);
  EXPECT_EQ(*Read("%Y-%m-%d %H:%M:%S %z", "2023-06-15 08:30:00 -0530").utc_offset_s,
            -(5 * 3600 + 30 * 60));
  EXPECT_EQ(Read("%d/%m/%Y %%%H", "01/08/1999 %10").millis_of_day, 36'000'000);
  EXPECT_EQ(*Read("unix_s", "933490800").unix_ms, 933'490'800'000);
  EXPECT_EQ(*Read("unix_ms", "933490800123").unix_ms, 933'490'800'123);
  EXPECT_EQ(*Read("unix_s", "1.5").unix_ms, 1500);
}

TEST(recordsTime, TwoDigitYearsFollowPosix) {
  EXPECT_EQ(Read("%y%m%d", "690101").year, 1969);
  EXPECT_EQ(Read("%y%m%d", "991231").year, 1999);
  EXPECT_EQ(Read("%y%m%d", "000101").year, 2000);
  EXPECT_EQ(Read("%y%m%d", "680101").year, 2068);
}

TEST(recordsTime, ValuesOutOfRangeOrWithJunkDoNotMatch) {
  EXPECT_FALSE(Matches("%y%m%d", "991301"));       // Month 13.
  EXPECT_FALSE(Matches("%y%m%d", "990431"));       // 31 April.
  EXPECT_FALSE(Matches("%y%m%d", "990229"));       // 1999 is not a leap year…
  EXPECT_TRUE(Matches("%Y-%m-%d", "2000-02-29"));  // …2000 is.
  EXPECT_FALSE(Matches("%H:%M:%S", "24:00:00"));
  EXPECT_FALSE(Matches("%H:%M:%S", "10:60:00"));
  EXPECT_FALSE(Matches("%H:%M:%S", "10:00:00x"));
  EXPECT_FALSE(Matches("%H:%M:%S", "10:00"));
  EXPECT_FALSE(Matches("%H:%M:%S", ""));
  EXPECT_FALSE(Matches("%Y-%m-%d", "99-08-01"));
  EXPECT_FALSE(Matches("%Y-%m-%dT%H:%M%z", "2023-06-15T08:30+25:00"));
  EXPECT_FALSE(Matches("unix_s", "12abc"));
  EXPECT_FALSE(Matches("unix_s", "1e300"));
}

TEST(recordsTime, BadFormatsAreRejectedWithTheReason) {
  const auto error = [](const std::string& spec) {
    auto f = TimeFormat::Parse(spec);
    return f.ok() ? std::string("(accepted)") : f.status().message();
  };
  EXPECT_NE(error("%H:%Q").find("unknown conversion %Q"), std::string::npos);
  EXPECT_NE(error("%H:%M:%S%").find("lone %"), std::string::npos);
  EXPECT_NE(error("%H%H").find("twice"), std::string::npos);
  EXPECT_NE(error("%Y%y%m%d").find("twice"), std::string::npos);
  EXPECT_NE(error("%Y-%m").find("a date needs a year"), std::string::npos);
  EXPECT_NE(error("%M:%S").find("need %H"), std::string::npos);
  EXPECT_NE(error("%H%z").find("%z needs a date"), std::string::npos);
  EXPECT_NE(error("T").find("neither a date nor %H"), std::string::npos);
  EXPECT_NE(error("").find("empty"), std::string::npos);
}

TEST(recordsTime, DurationsInEachUnit) {
  EXPECT_EQ(ReadDuration("88", DurationUnit::kSeconds), 88'000);
  EXPECT_EQ(ReadDuration(" 1.25 ", DurationUnit::kSeconds), 1'250);
  EXPECT_EQ(ReadDuration("0", DurationUnit::kSeconds), 0);
  EXPECT_EQ(ReadDuration("-59", DurationUnit::kSeconds), -59'000);
  EXPECT_EQ(ReadDuration("1500", DurationUnit::kMilliseconds), 1'500);
  EXPECT_EQ(ReadDuration("0:01:28", DurationUnit::kHms), 88'000);
  EXPECT_EQ(ReadDuration("26:00:00", DurationUnit::kHms), 93'600'000);
  EXPECT_FALSE(ReadDuration("", DurationUnit::kSeconds));
  EXPECT_FALSE(ReadDuration("1.", DurationUnit::kSeconds));
  EXPECT_FALSE(ReadDuration("1.2.3", DurationUnit::kSeconds));
  EXPECT_FALSE(ReadDuration("12s", DurationUnit::kSeconds));
  EXPECT_FALSE(ReadDuration("1.5", DurationUnit::kMilliseconds));
  EXPECT_FALSE(ReadDuration("1:2:3", DurationUnit::kHms));
  EXPECT_FALSE(ReadDuration("0:01:60", DurationUnit::kHms));
  EXPECT_TRUE(ParseDurationUnit("hms").ok());
  EXPECT_FALSE(ParseDurationUnit("minutes").ok());
}

TEST(recordsTime, CivilDaysMatchTheUnixEpoch) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1999, 8, 1), 10'804);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11'017);
}

TEST(recordsTime, IsraelSummer1999IsThreeHoursAheadOfUtc) {
  const TimeZone zone = Jerusalem();
  const std::int64_t local = DaysFromCivil(1999, 8, 1) * 86'400 + 10 * 3600;
  EXPECT_EQ(LocalToUtcSeconds(zone, local), Utc(1999, 8, 1, 7, 0, 0));
  EXPECT_EQ(LocalToUtcSeconds(TimeZone::Utc(), local), Utc(1999, 8, 1, 10, 0, 0));
}

TEST(recordsTime, SpringForward1999SkippedHourMovesForward) {
  const TimeZone zone = Jerusalem();
  const std::int64_t day = DaysFromCivil(1999, 4, 2) * 86'400;
  // 01:59:59 IST (+2) is the last second before the change.
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 1 * 3600 + 59 * 60 + 59), Utc(1999, 4, 1, 23, 59, 59));
  // 02:00–02:59 do not exist: read with the offset before the change (+2), so they land an hour
  // later on the wall clock (02:30 → 03:30 IDT = 00:30 UTC).
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 2 * 3600), Utc(1999, 4, 2, 0, 0, 0));
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 2 * 3600 + 30 * 60), Utc(1999, 4, 2, 0, 30, 0));
  // 03:00 IDT (+3) is the first second after it.
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 3 * 3600), Utc(1999, 4, 2, 0, 0, 0));
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 4 * 3600), Utc(1999, 4, 2, 1, 0, 0));
}

TEST(recordsTime, FallBack1999RepeatedHourTakesItsFirstOccurrence) {
  const TimeZone zone = Jerusalem();
  const std::int64_t day = DaysFromCivil(1999, 9, 3) * 86'400;
  EXPECT_EQ(LocalToUtcSeconds(zone, day), Utc(1999, 9, 2, 21, 0, 0));  // 00:00 IDT.
  // 01:00–01:59 are shown twice (IDT, then IST): the first, in daylight time.
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 1 * 3600 + 30 * 60), Utc(1999, 9, 2, 22, 30, 0));
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 1 * 3600 + 59 * 60 + 59), Utc(1999, 9, 2, 22, 59, 59));
  // From 02:00 only IST (+2) shows it.
  EXPECT_EQ(LocalToUtcSeconds(zone, day + 2 * 3600), Utc(1999, 9, 3, 0, 0, 0));
}

}  // namespace
}  // namespace ccmon::records
