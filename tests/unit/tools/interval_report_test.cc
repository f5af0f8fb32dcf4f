// The report of `ccmon replay`: interval bucketing on the event clock, rows computed from two
// metric snapshots, and the CSV / JSON Lines writers with hostile queue names.
#include "tools/interval_report.h"

#include <gtest/gtest.h>

namespace ccmon::tools {
namespace {

constexpr std::int64_t k15m = 15 * 60'000;
constexpr UnixMs kDay = 1'764'028'800'000;  // 2025-11-25T00:00:00Z.

TEST(IntervalClock, FirstEventOpensTheIntervalAlignedToTheEpoch) {
  IntervalClock c(k15m);
  EXPECT_FALSE(c.open_end());
  EXPECT_TRUE(c.Advance(kDay + 7 * 60'000).empty());
  EXPECT_EQ(c.open_end(), kDay + k15m);
}

TEST(IntervalClock, AnEventExactlyAtTheBoundaryBelongsToTheNextInterval) {
  IntervalClock c(k15m);
  c.Advance(kDay + 1);
  EXPECT_TRUE(c.Advance(kDay + k15m - 1).empty());
  EXPECT_EQ(c.Advance(kDay + k15m), std::vector<UnixMs>{kDay + k15m});
  EXPECT_EQ(c.open_end(), kDay + 2 * k15m);
}

TEST(IntervalClock, QuietIntervalsAreClosedOneByOne) {
  IntervalClock c(k15m);
  c.Advance(kDay);
  EXPECT_EQ(c.Advance(kDay + 3 * k15m + 5),
            (std::vector<UnixMs>{kDay + k15m, kDay + 2 * k15m, kDay + 3 * k15m}));
  EXPECT_EQ(c.open_end(), kDay + 4 * k15m);
}

TEST(IntervalClock, EarlierEventsStayInTheOpenInterval) {
  IntervalClock c(k15m);
  c.Advance(kDay + k15m + 1);
  EXPECT_TRUE(c.Advance(kDay).empty());
  EXPECT_EQ(c.open_end(), kDay + 2 * k15m);
}

TEST(IntervalClock, AClockJumpClosesOnlyTheFirstAndTheLastInterval) {
  IntervalClock c(1000);
  c.Advance(0);
  const auto closed = c.Advance(1000LL * 1'000'000);
  EXPECT_EQ(closed, (std::vector<UnixMs>{1000, 1000LL * 1'000'000}));
}

TEST(IntervalClock, FloorRoundsNegativeTimesDown) {
  EXPECT_EQ(IntervalClock::Floor(-1, 1000), -1000);
  EXPECT_EQ(IntervalClock::Floor(-1000, 1000), -1000);
  EXPECT_EQ(IntervalClock::Floor(1999, 1000), 1000);
}

prometheus::ClientMetric Counter(std::vector<prometheus::ClientMetric::Label> labels, double v) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = v;
  return m;
}

prometheus::MetricFamily Family(std::string name, prometheus::MetricType type,
                                std::vector<prometheus::ClientMetric> metrics) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.type = type;
  f.metric = std::move(metrics);
  return f;
}

std::vector<prometheus::MetricFamily> Snapshot(double offered, double answered, double abandoned,
                                               double a, double b, double s, double r,
                                               double wait_sum, std::uint64_t wait_count) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> f;
  // Two channels: the report sums them.
  f.push_back(Family("callcenter_contacts_offered_total", MetricType::Counter,
                     {Counter({{"channel", "voice"}, {"queue", "sales"}}, offered - 1),
                      Counter({{"channel", "chat"}, {"queue", "sales"}}, 1)}));
  f.push_back(Family("callcenter_contacts_answered_total", MetricType::Counter,
                     {Counter({{"channel", "voice"}, {"queue", "sales"}}, answered)}));
  f.push_back(Family("callcenter_contacts_abandoned_total", MetricType::Counter,
                     {Counter({{"channel", "voice"}, {"queue", "sales"}}, abandoned)}));
  // Two thresholds; the target's (20) is the one reported.
  f.push_back(Family("callcenter_service_level_answered_within_total", MetricType::Counter,
                     {Counter({{"queue", "sales"}, {"threshold", "10"}}, 0),
                      Counter({{"queue", "sales"}, {"threshold", "20"}}, a)}));
  f.push_back(Family("callcenter_service_level_abandoned_within_total", MetricType::Counter,
                     {Counter({{"queue", "sales"}, {"threshold", "20"}}, b)}));
  f.push_back(Family("callcenter_service_level_short_abandoned_within_total", MetricType::Counter,
                     {Counter({{"queue", "sales"}, {"threshold", "20"}}, s)}));
  f.push_back(Family("callcenter_service_level_breached_total", MetricType::Counter,
                     {Counter({{"queue", "sales"}, {"threshold", "20"}}, r)}));
  prometheus::ClientMetric target;
  target.label = {{"queue", "sales"}, {"threshold", "20"}};
  target.gauge.value = 0.8;
  f.push_back(Family("callcenter_service_level_target_ratio", MetricType::Gauge, {target}));
  prometheus::ClientMetric wait;
  wait.label = {{"outcome", "answered"}, {"queue", "sales"}};
  wait.histogram.sample_sum = wait_sum;
  wait.histogram.sample_count = wait_count;
  f.push_back(Family("callcenter_contact_wait_seconds", MetricType::Histogram, {wait}));
  return f;
}

TEST(IntervalReport, RowIsTheDifferenceOfTheTwoSnapshotsWithTheConfiguredFormula) {
  const auto start = ExtractQueueTotals(Snapshot(10, 6, 2, 5, 2, 1, 2, 60, 6));
  const auto end = ExtractQueueTotals(Snapshot(310, 206, 102, 205, 102, 51, 102, 1060, 206));
  ASSERT_EQ(end.at("sales").threshold, "20");
  EXPECT_EQ(end.at("sales").offered, 310);
  const auto rows =
      ComputeRows(kDay, kDay + k15m, start, end, collectors::SlFormula::kShortAbandonsExcluded);
  ASSERT_EQ(rows.size(), 1u);
  const IntervalRow& r = rows[0];
  EXPECT_EQ(r.offered, 300);
  EXPECT_EQ(r.answered, 200);
  EXPECT_EQ(r.abandoned, 100);
  // The reference case of docs/metrics.md: A 200, B 100, S 50, R 100 → 200 / 350.
  ASSERT_TRUE(r.service_level);
  EXPECT_NEAR(*r.service_level, 200.0 / 350.0, 1e-12);
  ASSERT_TRUE(r.asa_seconds);
  EXPECT_DOUBLE_EQ(*r.asa_seconds, 1000.0 / 200.0);
  ASSERT_TRUE(r.abandon_rate);
  EXPECT_DOUBLE_EQ(*r.abandon_rate, 100.0 / 300.0);
  EXPECT_FALSE(r.aht_seconds) << "no handled contact: absent, not 0";
}

TEST(IntervalReport, AQueueFirstSeenInTheIntervalStartsAtZero) {
  const auto end = ExtractQueueTotals(Snapshot(3, 1, 0, 1, 0, 0, 0, 4, 1));
  const auto rows = ComputeRows(0, 1000, {}, end, collectors::SlFormula::kAbandonsNegative);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].offered, 3);
  EXPECT_EQ(rows[0].service_level, 1.0);
}

TEST(IntervalReport, EmptyIntervalHasNoRatios) {
  const auto totals = ExtractQueueTotals(Snapshot(3, 1, 0, 1, 0, 0, 0, 4, 1));
  const auto rows = ComputeRows(0, 1000, totals, totals, collectors::SlFormula::kAbandonsNegative);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].offered, 0);
  EXPECT_FALSE(rows[0].service_level);
  EXPECT_FALSE(rows[0].asa_seconds);
  EXPECT_FALSE(rows[0].abandon_rate);
  const std::string csv = CsvLine(rows[0]);
  EXPECT_EQ(csv,
            "1970-01-01T00:00:00Z,1970-01-01T00:00:01Z,sales,0,0,0,0,0,0,0,20,0,0,0,0,0,,,,,,0\n");
  EXPECT_NE(JsonLine(rows[0]).find("\"service_level\":null"), std::string::npos);
}

TEST(IntervalReport, CsvHeaderAndLineHaveTheSameNumberOfColumns) {
  IntervalRow r;
  r.queue = "a,b";
  auto count = [](const std::string& s) {
    std::size_t n = 1;
    bool quoted = false;
    for (char c : s) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++n;
    }
    return n;
  };
  EXPECT_EQ(count(CsvHeader()), count(CsvLine(r)));
}

TEST(IntervalReport, HostileQueueNamesAreQuotedInCsv) {
  EXPECT_EQ(CsvField("sales"), "sales");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvField(" padded "), "\" padded \"");
}

TEST(IntervalReport, HostileQueueNamesAreEscapedInJson) {
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString("l1\nl2\t\x01"), "\"l1\\nl2\\t\\u0001\"");
  EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(JsonString("bad\xff"), "\"bad\xef\xbf\xbd\"") << "invalid UTF-8 is replaced";
  EXPECT_EQ(JsonString("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"")
      << "surrogates are not UTF-8";
  IntervalRow r;
  r.queue = "q\"}\n{";
  const std::string line = JsonLine(r);
  EXPECT_NE(line.find("\"queue\":\"q\\\"}\\n{\""), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per row";
}

TEST(IntervalReport, TimesAreIsoUtc) {
  EXPECT_EQ(FormatIsoUtc(kDay + k15m), "2025-11-25T00:15:00Z");
  EXPECT_EQ(FormatIsoUtc(kDay + 1), "2025-11-25T00:00:00.001Z");
}

}  // namespace
}  // namespace ccmon::tools
