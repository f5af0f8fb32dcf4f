// End to end through the real binaries, on fixtures written by the test: `ccmon-bridge records`
// (with the shipped Technion mapping) and `ccmon-bridge jsonl` publish over ZeroMQ to a real
// ccmond, whose /metrics must show exactly the hand-computed values.
//
// ccmond binds its subscription on port 0 and the bridges connect to it; each bridge waits for
// the daemon's subscription (--wait-for-subscriber) instead of a delay, and the test polls
// /metrics until the daemon has taken every message the bridge logged as published.
//
// Suites are named after the subcommands as typed ("records…", "jsonl…") so `ctest -R` finds
// them.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
using testing::Scrape;
using Labels = std::map<std::string, std::string>;

class BridgeEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-bridges-e2e-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const std::string config = testing::kBoundSubscriptionYaml +
                               "service_level:\n"
                               "  thresholds: [20s, 60s]\n"
                               "  short_abandon: 5s\n";
    std::ofstream(dir_ / "caller.key") << std::string(64, '7') << "\n";
    daemon_ = testing::StartDaemon(dir_, config, &port_, &endpoint_);
    ASSERT_NE(daemon_, nullptr);
  }

  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->output();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs a bridge subcommand to its end against the daemon; returns its outcome summary and
  // adds what it published to the messages the daemon must receive.
  std::string RunBridge(std::vector<std::string> args, const std::string& source) {
    std::vector<std::string> argv{testing::BinaryPath("ccmon-bridge")};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const std::string& a : std::vector<std::string>{
             "--publish", "connect:" + endpoint_, "--source", source, "--wait-for-subscriber",
             "20s", "--caller-key-file", (dir_ / "caller.key").string()}) {
      argv.push_back(a);
    }
    testing::ChildProcess bridge(argv);
    auto published = bridge.WaitForLine(std::regex(R"(published (\d+ events and \d+) heartbeats)"));
    auto outcomes = bridge.WaitForLine(std::regex(R"(input outcomes: (.*)$)"));
    EXPECT_EQ(bridge.Wait(), 0) << bridge.output();
    if (!published || !outcomes) {
      ADD_FAILURE() << bridge.output();
      return "";
    }
    const std::size_t and_at = published->find(" events and ");
    events_ += std::stoull(published->substr(0, and_at));
    messages_ +=
        std::stoull(published->substr(0, and_at)) + std::stoull(published->substr(and_at + 12));
    return *outcomes;
  }

  // Scrapes until the daemon has taken every message the bridges published (bounded); nullopt
  // (and a failure showing the daemon's output) if it is gone or never gets there.
  std::optional<Scrape> WaitForAll() {
    for (int i = 0; i < 2000; ++i) {
      auto r = testing::HttpGet("127.0.0.1", port_, "/metrics");
      if (r.status != 200) {
        ADD_FAILURE() << "ccmond did not answer /metrics (" << r.error << "):\n"
                      << daemon_->output();
        return std::nullopt;
      }
      Scrape s(r.body);
      if (s.Get("ccmond_messages_received_total").value_or(0) >= static_cast<double>(messages_)) {
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
  std::uint64_t events_ = 0;
  std::uint64_t messages_ = 0;
};

using recordsEndToEnd = BridgeEndToEnd;
using jsonlEndToEnd = BridgeEndToEnd;

TEST_F(recordsEndToEnd, TechnionStyleRecordsGiveTheHandComputedTotals) {
  // One call of every kind the Technion data has (see the comments after each row).
  std::ofstream(dir_ / "calls.csv")
      << "vru+line,call_id,customer_id,priority,type,date,vru_entry,vru_exit,vru_time,q_start,"
         "q_exit,q_time,outcome,ser_start,ser_exit,ser_time,server\n"
      // Answered after 10 s.
      << "AA0101,1,0,0,PS,990801,10:00:00,10:00:05,5,10:00:05,10:00:15,10,AGENT,10:00:14,"
         "10:02:14,120,A1\n"
      // Answered after 35 s: breached 20 s, within 60 s.
      << "AA0101,2,0,2,PS,990801,10:00:30,10:00:36,6,10:00:36,10:01:11,35,AGENT,10:01:10,"
         "10:03:00,110,A2\n"
      // Abandoned after 3 s: a short abandon.
      << "AA0102,3,12345,1,PS,990801,10:01:00,10:01:06,6,10:01:06,10:01:09,3,HANG,0:00:00,"
         "0:00:00,0,NO_SERVER\n"
      // Abandoned after exactly 60 s: within 60 s.
      << "AA0102,4,0,0,NW,990801,10:02:00,10:02:06,6,10:02:06,10:03:06,60,HANG,0:00:00,0:00:00,"
         "0,NO_SERVER\n"
      // Never queued, answered: offered and answered with wait 0.
      << "AA0103,5,0,0,NW,990801,10:05:00,10:05:10,10,0:00:00,0:00:00,0,AGENT,10:05:09,10:06:00,"
         "51,A3\n"
      // Never queued, hung up: not offered.
      << "AA0103,6,0,0,PS,990801,10:06:00,10:06:20,20,0:00:00,0:00:00,0,HANG,0:00:00,0:00:00,0,"
         "NO_SERVER\n"
      // Phantom: ignored.
      << "AA0104,7,0,0,PS,990801,10:07:00,10:07:05,5,10:07:05,10:09:05,120,PHANTOM,10:09:05,"
         "10:09:08,3,NO_SERVER\n"
      // Queued before midnight, answered after it, after 25 s.
      << "AA0104,8,0,1,IN,990801,23:59:50,23:59:55,5,23:59:55,0:00:20,25,AGENT,0:00:19,0:01:00,"
         "41,A4\n";
  const std::string outcomes =
      RunBridge({"records", "--mapping",
                 std::string(CCMON_SOURCE_DIR) + "/config/bridges/technion-anonymous-bank.yaml",
                 "--input", (dir_ / "calls.csv").string()},
                "rec1");
  EXPECT_EQ(outcomes, "abandoned=2 answered=3 answered_without_queue=1 ignored=1 never_queued=1");
  EXPECT_EQ(events_, 4u * 4 + 2 * 2);
  const auto scraped = WaitForAll();
  ASSERT_TRUE(scraped);
  const Scrape& s = *scraped;
  testing::ExpectCleanStream(s);

  EXPECT_EQ(s.Sum("callcenter_contacts_offered_total"), 6);
  EXPECT_EQ(s.Sum("callcenter_contacts_answered_total"), 4);
  EXPECT_EQ(s.Sum("callcenter_contacts_abandoned_total"), 2);
  EXPECT_EQ(s.Sum("callcenter_contacts_short_abandoned_total"), 1);
  EXPECT_EQ(s.Sum("callcenter_contacts_offered_total", {{"queue", "regular"}}), 3);
  EXPECT_EQ(s.Sum("callcenter_contacts_offered_total", {{"queue", "prospects"}}), 2);
  EXPECT_EQ(s.Sum("callcenter_contacts_answered_total", {{"queue", "internet"}}), 1);
  // Waits: answered 10 + 35 + 0 + 25 s, abandoned 3 + 60 s.
  EXPECT_EQ(s.Sum("callcenter_contact_wait_seconds_sum", {{"outcome", "answered"}}), 70);
  EXPECT_EQ(s.Sum("callcenter_contact_wait_seconds_count", {{"outcome", "answered"}}), 4);
  EXPECT_EQ(s.Sum("callcenter_contact_wait_seconds_sum", {{"outcome", "abandoned"}}), 63);
  // Service-level events at 20 s: answered within (10, 0), abandoned within (3, short), breached
  // (35, 60, 25); at 60 s everything is within.
  const Labels t20{{"threshold", "20"}};
  const Labels t60{{"threshold", "60"}};
  EXPECT_EQ(s.Sum("callcenter_service_level_answered_within_total", t20), 2);
  EXPECT_EQ(s.Sum("callcenter_service_level_abandoned_within_total", t20), 1);
  EXPECT_EQ(s.Sum("callcenter_service_level_short_abandoned_within_total", t20), 1);
  EXPECT_EQ(s.Sum("callcenter_service_level_breached_total", t20), 3);
  EXPECT_EQ(s.Sum("callcenter_service_level_answered_within_total", t60), 4);
  EXPECT_EQ(s.Sum("callcenter_service_level_abandoned_within_total", t60), 2);
  EXPECT_EQ(s.Sum("callcenter_service_level_breached_total", t60), 0);
  // The replay's last event is the midnight call's end: answered 00:00:20 IDT on 1999-08-02,
  // talked 41 s, so 00:01:01 IDT = 21:01:01 UTC on the 1st. Heartbeats carry the last event's
  // time, not today's.
  EXPECT_EQ(s.Value("ccmond_source_last_event_timestamp_seconds", {{"source", "rec1"}}),
            933'541'261);
}

TEST_F(jsonlEndToEnd, GoodLinesArePublishedAndBadOnesCountedAndSkipped) {
  std::ofstream(dir_ / "events.jsonl")
      << R"({"timeUnixMs": "933501600000", "contactQueued": {"contactId": "j1", "queue": "web",)"
      << R"( "channel": "CHANNEL_CHAT"}})"
      << "\n"
      << R"({"timeUnixMs": "933501605000", "contactAnswered": {"contactId": "j1", "queue": "web",)"
      << R"( "agentId": "a1"}})"
      << "\n"
      << "not json\n"
      << "\n"
      // The line's own source and seq are overwritten by the bridge.
      << R"({"source": "spoof", "seq": "99", "timeUnixMs": "933501606000", "contactQueued": )"
      << R"({"contactId": "j2", "queue": "web"}})"
      << "\n"
      << R"({"timeUnixMs": "933501700000", "contactAbandoned": {"contactId": "j2", "queue": "web"}})"
      << "\n"
      << R"({"timeUnixMs": 0, "heartbeat": {}})"
      << "\n"
      << R"({"timeUnixMs": "933501610000", "contactQueued": {"queue": "web"}})"
      << "\n"
      << R"({"timeUnixMs": "933501720000", "contactEnded": {"contactId": "j1", "queue": "web"}})"
      << "\n"
      << R"({"timeUnixMs": "933501730000", "wrapUpEnded": {"contactId": "j1", "queue": "web"}})"
      << "\n"
      << R"({"timeUnixMs": "933501731000", "heartbeat": {}, "comment": ")" << std::string(300, 'x')
      << "\"}\n"
      << R"({"timeUnixMs": 5, "colour": "x", "heartbeat": {}})"
      << "\n";
  const std::string outcomes = RunBridge(
      {"jsonl", "--input", (dir_ / "events.jsonl").string(), "--max-line-bytes", "200"}, "jsonl1");
  EXPECT_EQ(outcomes,
            "blank_line=1 line_too_long=1 malformed_json=2 missing_field=1 missing_time=1 "
            "published=6");
  EXPECT_EQ(events_, 6u);
  const auto scraped = WaitForAll();
  ASSERT_TRUE(scraped);
  const Scrape& s = *scraped;
  testing::ExpectCleanStream(s);
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", {{"queue", "web"}, {"channel", "chat"}}),
            1);
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", {{"queue", "web"}, {"channel", "voice"}}),
            1);
  EXPECT_EQ(s.Sum("callcenter_contacts_answered_total", {{"queue", "web"}}), 1);
  EXPECT_EQ(s.Sum("callcenter_contacts_abandoned_total", {{"queue", "web"}}), 1);
  EXPECT_EQ(
      s.Value("callcenter_contact_wait_seconds_sum", {{"queue", "web"}, {"outcome", "answered"}}),
      5);
  EXPECT_EQ(
      s.Value("callcenter_contact_wait_seconds_sum", {{"queue", "web"}, {"outcome", "abandoned"}}),
      94);
  EXPECT_EQ(s.Value("ccmond_source_last_event_timestamp_seconds", {{"source", "jsonl1"}}),
            933'501'730);
  EXPECT_FALSE(s.Get("ccmond_source_last_event_timestamp_seconds", {{"source", "spoof"}}));
}

}  // namespace
}  // namespace ccmon
