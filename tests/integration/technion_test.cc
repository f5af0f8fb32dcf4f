// The whole Technion "Anonymous Bank" August 1999 file, end to end through the real
// `ccmon-bridge records` (shipped mapping) and a real ccmond, compared per day — and per queue
// and day — with an independent computation (technion_reference.py, written from the dataset's
// definitions and docs/metrics.md, not from the bridge's code). They must agree exactly:
// offered, answered, abandoned, short abandons, the service-level events A, B, S, E, R at 10, 20,
// 30 and 60 s with the daemon's default formula A / (A + B − S + R), ASA and the mean abandon
// wait (as sums and counts of whole-second waits, so the ratios are the same doubles).
//
// Method: the file is split by arrival date into one temporary file per day; each day is
// replayed by one bridge run into the same daemon and the day's values are the differences of
// the daemon's counters before and after it. Each day is its own source (technion-<date>): the
// day files overlap in time (calls that cross midnight end after the next day's first calls
// start), and a source's event clock never goes back, so one source for all days would see
// the next day's early callers as already past their thresholds.
//
// The data lives in ../shared/data and may not be copied into the repository: without it the
// tests skip. Suites are named "technion…" so `ctest -R technion` finds them.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"
#include "tests/testing/shared_data.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Value;
using testing::Scrape;
using Labels = std::map<std::string, std::string>;

constexpr const char* kAugust =
    "other/technion-anonymous-bank/barntrosna-bokeh-project__august_calls.sheet-august.csv";
constexpr const char* kOneDay =
    "other/technion-anonymous-bank/barntrosna-bokeh-project__calls_one_day.csv";
constexpr std::array<const char*, 4> kThresholds = {"10", "20", "30", "60"};
constexpr std::array<const char*, 5> kSlParts = {
    "answered_within", "abandoned_within", "short_abandoned_within", "exited_within", "breached"};
// The shipped mapping's queue per Technion `type`.
const std::map<std::string, std::string> kQueueOfType = {{"PS", "regular"},   {"PE", "english"},
                                                         {"IN", "internet"},  {"NE", "stocks"},
                                                         {"NW", "prospects"}, {"TT", "callbacks"}};

// What the daemon's counters say, for all queues or one.
struct Totals {
  double offered = 0, answered = 0, abandoned = 0, short_abandoned = 0, exited = 0;
  double answered_wait_sum = 0, answered_wait_count = 0;
  double abandoned_wait_sum = 0, abandoned_wait_count = 0;
  std::map<std::string, std::map<std::string, double>> sl;  // threshold → part → count.

  static Totals From(const Scrape& s, const Labels& where) {
    Totals t;
    t.offered = s.Sum("callcenter_contacts_offered_total", where);
    t.answered = s.Sum("callcenter_contacts_answered_total", where);
    t.abandoned = s.Sum("callcenter_contacts_abandoned_total", where);
    t.short_abandoned = s.Sum("callcenter_contacts_short_abandoned_total", where);
    t.exited = s.Sum("callcenter_contacts_exited_total", where);
    Labels answered = where;
    answered["outcome"] = "answered";
    Labels abandoned = where;
    abandoned["outcome"] = "abandoned";
    t.answered_wait_sum = s.Sum("callcenter_contact_wait_seconds_sum", answered);
    t.answered_wait_count = s.Sum("callcenter_contact_wait_seconds_count", answered);
    t.abandoned_wait_sum = s.Sum("callcenter_contact_wait_seconds_sum", abandoned);
    t.abandoned_wait_count = s.Sum("callcenter_contact_wait_seconds_count", abandoned);
    for (const char* threshold : kThresholds) {
      Labels l = where;
      l["threshold"] = threshold;
      for (const char* part : kSlParts) {
        t.sl[threshold][part] =
            s.Sum(std::string("callcenter_service_level_") + part + "_total", l);
      }
    }
    return t;
  }

  Totals Minus(const Totals& o) const {
    Totals d = *this;
    d.offered -= o.offered;
    d.answered -= o.answered;
    d.abandoned -= o.abandoned;
    d.short_abandoned -= o.short_abandoned;
    d.exited -= o.exited;
    d.answered_wait_sum -= o.answered_wait_sum;
    d.answered_wait_count -= o.answered_wait_count;
    d.abandoned_wait_sum -= o.abandoned_wait_sum;
    d.abandoned_wait_count -= o.abandoned_wait_count;
    for (auto& [threshold, parts] : d.sl) {
      for (auto& [part, v] : parts) v -= o.sl.at(threshold).at(part);
    }
    return d;
  }

  // The daemon's default formula short_abandons_excluded over the SL events; nullopt for 0/0.
  std::optional<double> ServiceLevel(const std::string& threshold) const {
    const auto& p = sl.at(threshold);
    const double denominator = p.at("answered_within") + p.at("abandoned_within") -
                               p.at("short_abandoned_within") + p.at("breached");
    if (denominator == 0) return std::nullopt;
    return p.at("answered_within") / denominator;
  }
  std::optional<double> Asa() const {
    if (answered == 0) return std::nullopt;
    return answered_wait_sum / answered;
  }
  std::optional<double> MeanAbandonWait() const {
    if (abandoned == 0) return std::nullopt;
    return abandoned_wait_sum / abandoned;
  }
};

const Value& Field(const Value& v, const std::string& key) {
  static const Value kMissing = [] {
    Value m;
    m.set_null_value(google::protobuf::NULL_VALUE);
    return m;
  }();
  const auto& fields = v.struct_value().fields();
  auto it = fields.find(key);
  return it == fields.end() ? kMissing : it->second;
}

std::optional<double> Number(const Value& v) {
  if (v.kind_case() != Value::kNumberValue) return std::nullopt;
  return v.number_value();
}

// Every value of one day (or the month) and one queue (or all), daemon against reference.
// `ref` is null when the reference saw no call there: then the daemon must show none either.
void ExpectSame(const Totals& d, const Value& ref, const std::string& where) {
  SCOPED_TRACE(where);
  const auto n = [&](const char* key) { return Number(Field(ref, key)).value_or(0); };
  EXPECT_EQ(d.offered, n("offered"));
  EXPECT_EQ(d.answered, n("answered"));
  EXPECT_EQ(d.abandoned, n("abandoned"));
  EXPECT_EQ(d.short_abandoned, n("short_abandoned"));
  EXPECT_EQ(d.exited, 0);
  EXPECT_EQ(d.offered, d.answered + d.abandoned);  // No exits and nobody left waiting.
  EXPECT_EQ(d.answered_wait_count, d.answered);
  EXPECT_EQ(d.abandoned_wait_count, d.abandoned);
  EXPECT_EQ(d.answered_wait_sum, n("answered_wait_sum"));
  EXPECT_EQ(d.abandoned_wait_sum, n("abandoned_wait_sum"));
  EXPECT_EQ(d.Asa(), Number(Field(ref, "asa_s")));
  EXPECT_EQ(d.MeanAbandonWait(), Number(Field(ref, "mean_abandon_wait_s")));
  for (const char* threshold : kThresholds) {
    const Value& sl = Field(Field(ref, "sl"), threshold);
    for (const char* part : kSlParts) {
      EXPECT_EQ(d.sl.at(threshold).at(part), Number(Field(sl, part)).value_or(0))
          << "threshold " << threshold << " " << part;
    }
    EXPECT_EQ(d.ServiceLevel(threshold), Number(Field(sl, "ratio"))) << "threshold " << threshold;
  }
}

std::string Describe(const std::string& name, const Totals& t) {
  std::ostringstream out;
  out.precision(6);
  out << name << ": offered=" << t.offered << " answered=" << t.answered
      << " abandoned=" << t.abandoned << " short=" << t.short_abandoned;
  for (const char* threshold : kThresholds) {
    out << " SL@" << threshold << "=" << t.ServiceLevel(threshold).value_or(-1);
  }
  out << " ASA=" << t.Asa().value_or(-1)
      << "s mean_abandon_wait=" << t.MeanAbandonWait().value_or(-1) << "s";
  return out.str();
}

class TechnionReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-technion-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->output();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void StartDaemon() {
    const std::string config = testing::kBoundSubscriptionYaml +
                               "service_level:\n"
                               "  thresholds: [10s, 20s, 30s, 60s]\n"
                               "  short_abandon: 5s\n"
                               "  formula: short_abandons_excluded\n"
                               "windows:\n"
                               "  time_zone: Asia/Jerusalem\n";
    std::ofstream(dir_ / "caller.key") << std::string(64, 'c') << "\n";
    daemon_ = testing::StartDaemon(dir_, config, &port_, &endpoint_);
    ASSERT_NE(daemon_, nullptr);
  }

  // Runs technion_reference.py on `csv` and parses its JSON.
  Value Reference(const fs::path& csv) {
    const fs::path out = dir_ / (csv.stem().string() + ".reference.json");
    testing::ChildProcess python(
        {"/usr/bin/env", "python3",
         std::string(CCMON_SOURCE_DIR) + "/tests/integration/technion_reference.py", csv.string(),
         out.string()});
    EXPECT_EQ(python.Wait(), 0) << python.output();
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    Value v;
    const auto status = google::protobuf::util::JsonStringToMessage(text.str(), &v);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return v;
  }

  // Replays one file as source `source`; returns the bridge's outcome counts.
  std::map<std::string, std::uint64_t> Replay(const fs::path& csv, const std::string& source,
                                              const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{
        testing::BinaryPath("ccmon-bridge"),
        "records",
        "--mapping",
        std::string(CCMON_SOURCE_DIR) + "/config/bridges/technion-anonymous-bank.yaml",
        "--input",
        csv.string(),
        "--publish",
        "connect:" + endpoint_,
        "--source",
        source,
        "--source-epoch",
        "1",
        "--wait-for-subscriber",
        "20s",
        "--caller-key-file",
        (dir_ / "caller.key").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    testing::ChildProcess bridge(argv);
    auto published = bridge.WaitForLine(std::regex(R"(published (\d+ events and \d+) heartbeats)"));
    auto outcomes = bridge.WaitForLine(std::regex(R"(input outcomes: (.*)$)"));
    EXPECT_EQ(bridge.Wait(), 0) << bridge.output();
    std::map<std::string, std::uint64_t> counts;
    if (!published || !outcomes) {
      ADD_FAILURE() << bridge.output();
      return counts;
    }
    const std::size_t and_at = published->find(" events and ");
    messages_ +=
        std::stoull(published->substr(0, and_at)) + std::stoull(published->substr(and_at + 12));
    std::istringstream words(*outcomes);
    std::string word;
    while (words >> word) {
      const std::size_t eq = word.find('=');
      counts[word.substr(0, eq)] = std::stoull(word.substr(eq + 1));
    }
    return counts;
  }

  // Scrapes once the daemon has taken every message the bridges published (bounded); nullopt
  // (and a failure showing the daemon's output) if it is gone or never gets there.
  std::optional<Scrape> WaitForAll() {
    for (int i = 0; i < 3000; ++i) {
      auto r = testing::HttpGet("127.0.0.1", port_, "/metrics");
      if (r.status != 200) {
        ADD_FAILURE() << "ccmond did not answer /metrics (" << r.error << "):\n"
                      << daemon_->output();
        return std::nullopt;
      }
      Scrape s(r.body);
      if (s.Get("ccmond_messages_received_total").value_or(0) >= static_cast<double>(messages_)) {
        EXPECT_TRUE(s.errors().empty());
        return s;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the daemon did not receive all " << messages_ << " messages";
    return std::nullopt;
  }

  fs::path dir_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  std::uint16_t port_ = 0;
  std::string endpoint_;
  std::uint64_t messages_ = 0;
};

using technionAugust1999 = TechnionReplay;

TEST_F(technionAugust1999, EveryDayMatchesTheIndependentComputationExactly) {
  CCMON_REQUIRE_SHARED_DATA(kAugust);
  const auto started = std::chrono::steady_clock::now();
  const fs::path august = testing::SharedDataFile(kAugust);
  const Value reference = Reference(august);
  ASSERT_EQ(Field(reference, "days").struct_value().fields_size(), 31);

  // Split by the date column (the 6th; the file has no quoted fields), keeping file order.
  std::map<std::string, std::ofstream> days;
  {
    std::ifstream in(august);
    std::string header;
    std::string line;
    ASSERT_TRUE(std::getline(in, header));
    while (std::getline(in, line)) {
      std::size_t at = 0;
      for (int i = 0; i < 5; ++i) at = line.find(',', at) + 1;
      const std::string date = line.substr(at, line.find(',', at) - at);
      auto [it, inserted] = days.try_emplace(date);
      if (inserted) {
        it->second.open(dir_ / (date + ".csv"));
        it->second << header << "\n";
      }
      it->second << line << "\n";
    }
  }
  ASSERT_EQ(days.size(), 31u);
  for (auto& [date, out] : days) out.close();

  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  auto first = WaitForAll();
  ASSERT_TRUE(first);
  Scrape before = *first;
  std::map<std::string, std::uint64_t> outcomes;
  std::vector<std::string> summary;
  for (const auto& [date, unused] : days) {
    for (const auto& [outcome, n] : Replay(dir_ / (date + ".csv"), "technion-" + date)) {
      outcomes[outcome] += n;
    }
    const auto scraped = WaitForAll();
    ASSERT_TRUE(scraped) << "day " << date;
    const Scrape& after = *scraped;
    testing::ExpectCleanStream(after);
    const Value& ref = Field(Field(reference, "days"), date);
    const Totals day = Totals::From(after, {}).Minus(Totals::From(before, {}));
    ExpectSame(day, Field(ref, "total"), "day " + date);
    for (const auto& [type, queue] : kQueueOfType) {
      const Totals q =
          Totals::From(after, {{"queue", queue}}).Minus(Totals::From(before, {{"queue", queue}}));
      ExpectSame(q, Field(Field(ref, "queues"), type), "day " + date + " queue " + queue);
    }
    summary.push_back(Describe(date, day));
    before = after;
  }

  // The month: the daemon's counters are the month's totals.
  ExpectSame(Totals::From(before, {}), Field(reference, "month"), "month");
  summary.push_back(Describe("month", Totals::From(before, {})));
  // Every record ended in an outcome the reference expects, with the same counts: nothing was
  // rejected.
  std::map<std::string, std::uint64_t> expected;
  for (const auto& [name, v] : Field(reference, "outcomes").struct_value().fields()) {
    expected[name] = static_cast<std::uint64_t>(v.number_value());
  }
  EXPECT_EQ(outcomes, expected);
  std::uint64_t records = 0;
  for (const auto& [name, n] : outcomes) records += n;
  EXPECT_EQ(records, 42'078u);

  for (const auto& line : summary) std::cout << line << "\n";
  std::cout << "technion: 31 days replayed and compared in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
            << " s\n";
}

using technionOneDay = TechnionReplay;

TEST_F(technionOneDay, RewrittenDatesReplayWithTheDateFormatOverride) {
  CCMON_REQUIRE_SHARED_DATA(kOneDay);
  const fs::path one_day = testing::SharedDataFile(kOneDay);
  const Value reference = Reference(one_day);
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const auto outcomes =
      Replay(one_day, "technion-one-day", {"--set", "times.date.format=%Y-%m-%d"});
  const auto scraped = WaitForAll();
  ASSERT_TRUE(scraped);
  const Scrape& s = *scraped;
  testing::ExpectCleanStream(s);
  ExpectSame(Totals::From(s, {}), Field(Field(Field(reference, "days"), "2010-08-01"), "total"),
             "2010-08-01");
  std::map<std::string, std::uint64_t> expected;
  for (const auto& [name, v] : Field(reference, "outcomes").struct_value().fields()) {
    expected[name] = static_cast<std::uint64_t>(v.number_value());
  }
  EXPECT_EQ(outcomes, expected);
  // The events are stamped in 2010: the last one is early on 2010-08-02, Israel time.
  const double last =
      s.Value("ccmond_source_last_event_timestamp_seconds", {{"source", "technion-one-day"}});
  EXPECT_GT(last, 1'280'610'000);  // 2010-07-31T21:00:00Z = 2010-08-01 00:00 IDT.
  EXPECT_LT(last, 1'280'782'800);  // 2010-08-03 00:00 IDT.
  std::cout << Describe("2010-08-01", Totals::From(s, {})) << "\n";
}

}  // namespace
}  // namespace ccmon
