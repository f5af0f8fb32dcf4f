// `ccmon replay` with the real ccmon-bridge: a jsonl fixture whose report is computed by hand
// (rows of two intervals, SL by the default formula, ASA, abandon rate, a quiet interval), the
// same fixture as OpenMetrics, and the failures: a bridge that fails (its message and exit 1),
// --publish given to the bridge (exit 2). Hermetic: temporary directories, port 0, no sleeps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/testing/process.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CcmonReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-replay-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // 2025-11-25 08:00:00Z = 1764057600000. Interval 08:00–08:15: c1 answered after 10 s,
    // c2 answered after 30 s (a breach of 20 s first), c3 abandoned after 10 s. Then nothing in
    // 08:15–08:30, and c4 answered after 2 s at 08:31.
    std::ofstream(dir_ / "day.jsonl")
        << Line(0, R"("contactQueued":{"contactId":"c1","queue":"sales"})")
        << Line(1000, R"("contactQueued":{"contactId":"c2","queue":"sales"})")
        << Line(2000, R"("contactQueued":{"contactId":"c3","queue":"sales"})")
        << Line(10'000, R"("contactAnswered":{"contactId":"c1","queue":"sales","agentId":"a1"})")
        << Line(12'000, R"("contactAbandoned":{"contactId":"c3","queue":"sales"})")
        << Line(31'000, R"("contactAnswered":{"contactId":"c2","queue":"sales","agentId":"a2"})")
        << Line(31 * 60'000, R"("contactQueued":{"contactId":"c4","queue":"sales"})")
        << Line(31 * 60'000 + 2000,
                R"("contactAnswered":{"contactId":"c4","queue":"sales","agentId":"a1"})");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string Line(std::int64_t offset_ms, const std::string& event) {
    return "{\"timeUnixMs\":\"" + std::to_string(1'764'057'600'000 + offset_ms) + "\"," + event +
           "}\n";
  }

  // Runs `ccmon replay ARGS -- BRIDGE_ARGS`; returns the exit status, output in *output.
  int Replay(std::vector<std::string> args, const std::vector<std::string>& bridge_args,
             std::string* output) {
    args.insert(args.begin(), {testing::BinaryPath("ccmon"), "replay"});
    args.push_back("--");
    args.insert(args.end(), bridge_args.begin(), bridge_args.end());
    testing::ChildProcess p(args);
    const int status = p.Wait(60'000);
    *output = p.output();
    return status;
  }

  fs::path dir_;
};

TEST_F(CcmonReplay, JsonlHistoryBecomesAPerIntervalReportComputedAsTheDaemonDoes) {
  std::string output;
  const fs::path csv = dir_ / "report.csv";
  ASSERT_EQ(
      Replay({"--interval", "15m", "--output", csv.string()},
             {"jsonl", "--input", (dir_ / "day.jsonl").string(), "--source", "hist"}, &output),
      0)
      << output;
  EXPECT_EQ(output, "") << "silent when stderr is not a terminal";
  EXPECT_EQ(ReadFile(csv),
            "interval_start,interval_end,queue,offered,answered,abandoned,short_abandoned,exited,"
            "transferred_out,callbacks,sl_threshold_seconds,answered_within,abandoned_within,"
            "short_abandoned_within,exited_within,breached,service_level,asa_seconds,"
            "abandon_wait_seconds,aht_seconds,abandon_rate,waiting_at_end\n"
            // A 1, B 1, S 0, R 1: 1 / 3. ASA (10 + 30) / 2. Abandon rate 1 / 3.
            "2025-11-25T08:00:00Z,2025-11-25T08:15:00Z,sales,3,2,1,0,0,0,0,20,1,1,0,0,1,"
            "0.3333333333333333,20,10,,0.3333333333333333,0\n"
            "2025-11-25T08:15:00Z,2025-11-25T08:30:00Z,sales,0,0,0,0,0,0,0,20,0,0,0,0,0,,,,,,0\n"
            "2025-11-25T08:30:00Z,2025-11-25T08:45:00Z,sales,1,1,0,0,0,0,0,20,1,0,0,0,0,1,2,,,0,"
            "0\n");
}

TEST_F(CcmonReplay, OpenMetricsHasEverySampleAtEachIntervalEnd) {
  std::string output;
  const fs::path om = dir_ / "day.om";
  ASSERT_EQ(
      Replay({"--format", "openmetrics", "--output", om.string()},
             {"jsonl", "--input", (dir_ / "day.jsonl").string(), "--source", "hist"}, &output),
      0)
      << output;
  const std::string text = ReadFile(om);
  EXPECT_NE(text.find("# TYPE callcenter_contacts_offered counter\n"
                      "callcenter_contacts_offered_total{queue=\"sales\",channel=\"voice\"} 3 "
                      "1764058500.000\n"
                      "callcenter_contacts_offered_total{queue=\"sales\",channel=\"voice\"} 3 "
                      "1764059400.000\n"
                      "callcenter_contacts_offered_total{queue=\"sales\",channel=\"voice\"} 4 "
                      "1764060300.000\n"),
            std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(text.find("ccmond_messages_received_total"), std::string::npos)
      << "the daemon's own families too";
  EXPECT_TRUE(text.ends_with("# EOF\n"));
}

TEST_F(CcmonReplay, ABridgeThatFailsEndsTheReplayWithItsMessage) {
  std::string output;
  EXPECT_EQ(Replay({"--output", (dir_ / "x.csv").string()},
                   {"jsonl", "--input", (dir_ / "missing.jsonl").string()}, &output),
            1);
  EXPECT_NE(output.find("ccmon replay: the bridge exited with status 2"), std::string::npos)
      << output;
  EXPECT_NE(output.find("missing.jsonl"), std::string::npos) << "the bridge's own message\n"
                                                             << output;
}

TEST_F(CcmonReplay, RefusesAPublishEndpointForTheBridge) {
  std::string output;
  EXPECT_EQ(Replay({}, {"jsonl", "--input", "x", "--publish", "bind:tcp://*:5556"}, &output), 2);
  EXPECT_NE(output.find("do not give the bridge --publish"), std::string::npos) << output;
  EXPECT_EQ(Replay({"--interval", "0s"}, {"jsonl"}, &output), 2) << output;
}

}  // namespace
}  // namespace ccmon
