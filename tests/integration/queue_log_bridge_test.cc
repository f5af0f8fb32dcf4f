// `ccmon-bridge asterisk-queue-log` as users run it:
//   - a queue_log the test writes, replayed into the real ccmond, whose /metrics must show the
//     hand-computed offered/answered/abandoned/exited values (and the real PBXware export too);
//   - a live file followed while lines are appended and the file is rotated, the bridge stopped,
//     more lines written, and the bridge restarted: the events received on a ZeroMQ socket are
//     exactly those of every line once, in order;
//   - the example config, and the exit codes of bad inputs.
//
// Sockets are bound on port 0; the bridge waits for its subscriber (--wait-for-subscriber)
// instead of a delay, and the test waits for messages or log lines, never for time to pass.
// Suites are named queue_log… so `ctest -R queue_log` finds them.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <zmq.hpp>

#include "ccmon/v1/events.pb.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"
#include "tests/testing/shared_data.h"
#include "tests/unit/bridges/queue_log_testing.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
using asterisk_queue_log::testing::LineMapper;
using testing::Scrape;
using Lines = std::vector<std::string>;
using Labels = std::map<std::string, std::string>;

std::string Text(const Lines& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  return text;
}

void Append(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

class queue_logBridge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-ql-it-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // The key of the unit tests' LineMapper, so expected and published caller keys agree.
    std::ofstream(dir_ / "caller.key") << std::string(64, 'a') << "\n";
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->output();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::vector<std::string> Bridge(std::vector<std::string> args) {
    std::vector<std::string> argv{testing::BinaryPath("ccmon-bridge"), "asterisk-queue-log"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  void StartDaemon() {
    const std::string config = testing::kBoundSubscriptionYaml +
                               "service_level:\n"
                               "  thresholds: [20s]\n"
                               "  short_abandon: 5s\n";
    daemon_ = testing::StartDaemon(dir_, config, &port_, &daemon_endpoint_);
    ASSERT_NE(daemon_, nullptr);
  }

  // Runs a replay into the daemon to its end; returns the bridge's final outcome summary and
  // adds the messages it published to those the daemon must receive.
  std::string Replay(std::vector<std::string> args) {
    for (const std::string& a :
         {std::string("--publish"), "connect:" + daemon_endpoint_, std::string("--source"),
          std::string("ql-e2e"), std::string("--wait-for-subscriber"), std::string("20s"),
          std::string("--caller-key-file"), (dir_ / "caller.key").string()}) {
      args.push_back(a);
    }
    testing::ChildProcess bridge(Bridge(args));
    auto done = bridge.WaitForLine(std::regex(R"(done: lines=\d+ \((.*) messages=\d+;)"));
    EXPECT_EQ(bridge.Wait(), 0) << bridge.output();
    std::smatch m;
    const std::string& out = bridge.output();
    if (!done || !std::regex_search(out, m, std::regex(R"(messages=(\d+);)"))) {
      ADD_FAILURE() << out;
      return "";
    }
    messages_ += std::stoull(m[1]);
    return *done;
  }

  Scrape WaitForAll() {
    for (int i = 0; i < 2000; ++i) {
      auto r = testing::HttpGet("127.0.0.1", port_, "/metrics");
      EXPECT_EQ(r.status, 200) << r.error;
      Scrape s(r.body);
      if (s.Get("ccmond_messages_received_total").value_or(0) >= static_cast<double>(messages_)) {
        return s;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the daemon did not receive all " << messages_ << " messages";
    return Scrape("");
  }

  fs::path dir_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  std::uint16_t port_ = 0;
  std::string daemon_endpoint_;
  std::uint64_t messages_ = 0;
};

// 2026-01-01T00:00:00Z plus seconds.
std::string At(int s) { return std::to_string(1'767'225'600 + s); }

TEST_F(queue_logBridge, ReplayIntoCcmondShowsTheHandComputedCounts) {
  StartDaemon();
  const Lines lines = {
      At(0) + "|NONE|NONE|NONE|QUEUESTART|",
      At(1) + "|MANAGER|sales|PJSIP/201|ADDMEMBER|",
      At(1) + "|MANAGER|sales|PJSIP/202|ADDMEMBER|",
      At(1) + "|MANAGER|support|PJSIP/203|ADDMEMBER|",
      At(10) + "|c1|sales|NONE|ENTERQUEUE||+15550100001|1",
      At(15) + "|c2|sales|NONE|ENTERQUEUE||+15550100002|2",
      At(18) + "|c2|sales|NONE|ABANDON|2|2|3",  // Waited 3 s: a short abandon.
      At(20) + "|c1|sales|PJSIP/201|CONNECT|10|1767225619.4|2",
      At(30) + "|c3|sales|NONE|ENTERQUEUE||+15550100003|1",
      At(45) + "|c3|sales|PJSIP/202|RINGNOANSWER|15000",
      At(60) + "|c3|sales|NONE|ABANDON|1|1|30",
      At(70) + "|c4|sales|NONE|ENTERQUEUE||+15550100004|1",
      At(80) + "|c1|sales|PJSIP/201|COMPLETECALLER|10|60|2",
      At(90) + "|c5|sales|NONE|ENTERQUEUE||+15550100005|2",
      At(95) + "|c5|sales|PJSIP/202|CONNECT|5|1767225694.9|3",
      At(100) + "|NONE|NONE|NONE|CONFIGRELOAD|",
      At(120) + "|c5|sales|PJSIP/202|BLINDTRANSFER|6002|from-queue|5|25|2",
      At(121) + "|c5|support|NONE|ENTERQUEUE||+15550100005|1",
      At(125) + "|c5|support|PJSIP/203|CONNECT|4|1767225724.11|1",
      At(130) + "|c6|sales|NONE|FULL|",
      At(135) + "|c7|sales|NONE|ENTERQUEUE||+15550100007|2",
      At(140) + "|NONE|sales|PJSIP/201|PAUSE|lunch",
      At(185) + "|c5|support|PJSIP/203|COMPLETEAGENT|4|60|1",
      At(370) + "|c4|sales|NONE|EXITWITHTIMEOUT|1|1|300",
      At(371) + "|c7|sales|NONE|MYVERB|x",
      "not a queue_log line",
      At(400) + "|NONE|NONE|NONE|QUEUESTART|",  // c7 was still waiting: lost.
  };
  const fs::path log = dir_ / "queue_log";
  std::ofstream(log) << Text(lines);
  const std::string summary = Replay({log.string(), "--once"});
  // 18 call lines, 3 ADDMEMBER, the PAUSE and the QUEUESTART that closes c7 published; the
  // first QUEUESTART finds nothing open.
  EXPECT_EQ(
      summary,
      "ignored_verb=1 malformed=1 published=23 restart_no_calls=1 unknown_verb=1); events=33");
  const Scrape s = WaitForAll();
  ASSERT_TRUE(s.errors().empty()) << s.errors().front();
  const Labels sales{{"queue", "sales"}, {"channel", "voice"}};
  const Labels support{{"queue", "support"}, {"channel", "voice"}};
  // sales: c1…c7 offered (c6 turned away by FULL); answered c1, c5; abandoned c2 (short), c3;
  // exited c4 (timeout), c6 (queue full), c7 (lost at the restart): 7 = 2 + 2 + 3.
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", sales), 7);
  EXPECT_EQ(s.Value("callcenter_contacts_answered_total", sales), 2);
  EXPECT_EQ(s.Value("callcenter_contacts_abandoned_total", sales), 2);
  EXPECT_EQ(s.Value("callcenter_contacts_short_abandoned_total", sales), 1);
  EXPECT_EQ(
      s.Value("callcenter_contacts_exited_total", {{"queue", "sales"}, {"reason", "timeout"}}), 1);
  EXPECT_EQ(
      s.Value("callcenter_contacts_exited_total", {{"queue", "sales"}, {"reason", "queue_full"}}),
      1);
  EXPECT_EQ(s.Value("callcenter_contacts_exited_total", {{"queue", "sales"}, {"reason", "lost"}}),
            1);
  EXPECT_EQ(s.Sum("callcenter_contacts_exited_total", {{"queue", "sales"}}), 3);
  EXPECT_EQ(s.Value("callcenter_contacts_transferred_out_total",
                    {{"queue", "sales"}, {"phase", "after_answer"}}),
            1);
  EXPECT_EQ(s.Value("callcenter_ring_timeouts_total", sales), 1);
  // support: c5, transferred in from sales, answered.
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", support), 1);
  EXPECT_EQ(s.Value("callcenter_contacts_transferred_in_total", support), 1);
  EXPECT_EQ(s.Value("callcenter_contacts_answered_total", support), 1);
  // Wait of the answered sales calls: c1 10 s, c5 5 s.
  EXPECT_EQ(
      s.Value("callcenter_contact_wait_seconds_sum", {{"queue", "sales"}, {"outcome", "answered"}}),
      15);
  // Agents at the end: PJSIP/201 paused (lunch), PJSIP/202 and PJSIP/203 available.
  EXPECT_EQ(s.Value("callcenter_queue_agents", {{"queue", "sales"}, {"state", "not_ready"}}), 1);
  EXPECT_EQ(s.Value("callcenter_queue_agents", {{"queue", "sales"}, {"state", "available"}}), 1);
  EXPECT_EQ(s.Value("callcenter_queue_agents", {{"queue", "support"}, {"state", "available"}}), 1);
  // The stream fits the lifecycle exactly, and nobody is left waiting.
  EXPECT_EQ(s.Sum("ccmond_events_rejected_total"), 0);
  EXPECT_EQ(s.Sum("ccmond_lifecycle_anomalies_total"), 0);
  EXPECT_EQ(s.Value("ccmond_sequence_gaps_total"), 0);
  EXPECT_EQ(s.Sum("callcenter_queue_contacts_waiting"), 0);
}

TEST_F(queue_logBridge, RealPbxwareExportReplaysIntoCcmond) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-queue-log/srinimonster-voipreports1__queue_log.csv");
  StartDaemon();
  const std::string summary =
      Replay({testing::SharedDataFile("asterisk-queue-log/srinimonster-voipreports1__queue_log.csv")
                  .string()});
  EXPECT_EQ(summary,
            "agent_unchanged=14 ignored_verb=268 published=711 restart_no_calls=7); events=989");
  const Scrape s = WaitForAll();
  const Labels it{{"queue", "IT"}, {"channel", "voice"}};
  // 108 ENTERQUEUE = 93 CONNECT + 12 ABANDON + 1 EXITWITHTIMEOUT + 2 still waiting at the cut.
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", it), 108);
  EXPECT_EQ(s.Value("callcenter_contacts_answered_total", it), 93);
  EXPECT_EQ(s.Value("callcenter_contacts_abandoned_total", it), 12);
  EXPECT_EQ(s.Value("callcenter_contacts_exited_total", {{"queue", "IT"}, {"reason", "timeout"}}),
            1);
  EXPECT_EQ(s.Value("callcenter_queue_contacts_waiting", {{"queue", "IT"}}), 2);
  EXPECT_EQ(s.Value("callcenter_ring_timeouts_total", it), 360);
  EXPECT_EQ(s.Value("callcenter_contacts_transferred_out_total",
                    {{"queue", "IT"}, {"phase", "after_answer"}}),
            2);
  EXPECT_EQ(s.Sum("ccmond_events_rejected_total"), 0);
  EXPECT_EQ(s.Sum("ccmond_lifecycle_anomalies_total"), 0);
}

// A SUB socket bound by the test; bridges connect to it.
class Subscriber {
 public:
  Subscriber() : sub_(ctx_, zmq::socket_type::sub) {
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.set(zmq::sockopt::rcvtimeo, 20'000);
    sub_.bind("tcp://127.0.0.1:*");
    endpoint_ = sub_.get(zmq::sockopt::last_endpoint);
  }
  const std::string& endpoint() const { return endpoint_; }

  // Receives until `n` events (heartbeats aside) arrived; returns their descriptions.
  Lines Receive(std::size_t n) {
    Lines out;
    while (out.size() < n) {
      zmq::message_t topic, body;
      if (!sub_.recv(topic)) break;  // 20 s without a message.
      if (!sub_.recv(body)) break;
      v1::Envelope env;
      EXPECT_TRUE(env.ParseFromArray(body.data(), static_cast<int>(body.size())));
      if (env.has_heartbeat()) continue;
      out.push_back(asterisk_queue_log::testing::Describe(env));
    }
    return out;
  }

 private:
  zmq::context_t ctx_;
  zmq::socket_t sub_;
  std::string endpoint_;
};

// Calls of three lines (enter, answer, complete) numbered from `first`.
Lines Calls(int n, int first) {
  Lines lines;
  for (int i = first; i < first + n; ++i) {
    const std::string id = "1767225600." + std::to_string(i);
    lines.push_back(At(i * 10) + "|" + id + "|sales|NONE|ENTERQUEUE||5550100" + std::to_string(i) +
                    "|1");
    lines.push_back(At(i * 10 + 2) + "|" + id + "|sales|SIP/7|CONNECT|2|x|1");
    lines.push_back(At(i * 10 + 5) + "|" + id + "|sales|SIP/7|COMPLETEAGENT|2|3|1");
  }
  return lines;
}

TEST_F(queue_logBridge, FollowedFileRotatedAndBridgeRestartedPublishesEveryLineOnce) {
  Subscriber sub;
  const fs::path log = dir_ / "queue_log";
  const std::vector<std::string> args =
      Bridge({log.string(), "--from-start", "--position-file", (dir_ / "queue_log.pos").string(),
              "--poll-interval", "10ms", "--rotate-grace", "0s", "--publish",
              "connect:" + sub.endpoint(), "--source", "ql-live", "--wait-for-subscriber", "20s",
              "--caller-key-file", (dir_ / "caller.key").string()});
  LineMapper expected;  // What every line, read once, must give.
  Lines received;
  const auto expect_lines = [&](const Lines& lines) {
    expected.Map(lines);
    const Lines want = expected.Take();
    const Lines got = sub.Receive(want.size());
    received.insert(received.end(), got.begin(), got.end());
    EXPECT_EQ(got, want);
  };

  const Lines a = Calls(2, 0);
  std::ofstream(log) << Text(a);
  auto bridge = std::make_unique<testing::ChildProcess>(args);
  expect_lines(a);
  // Lines appended while it follows, one written in two parts.
  const Lines b = Calls(2, 2);
  const std::string b_text = Text(b);
  Append(log, b_text.substr(0, 30));
  Append(log, b_text.substr(30));
  expect_lines(b);
  // Rotation: renamed, a last line still written to the old file, then a new file. The last
  // call of the new file is still waiting when the bridge stops.
  fs::rename(log, dir_ / "queue_log.1");
  const Lines c = Calls(1, 4);
  Append(dir_ / "queue_log.1", Text(c));
  Lines d = Calls(1, 5);
  d.push_back(At(70) + "|1767225600.99|sales|NONE|ENTERQUEUE||5550199|1");
  std::ofstream(log) << Text(d);
  Lines cd = c;
  cd.insert(cd.end(), d.begin(), d.end());
  expect_lines(cd);
  EXPECT_EQ(bridge->Stop(SIGTERM), 0) << bridge->output();
  EXPECT_NE(bridge->output().find("rotations=1"), std::string::npos) << bridge->output();

  // Written while the bridge is stopped: the waiting call's end, and another call.
  Lines e = {At(80) + "|1767225600.99|sales|NONE|ABANDON|1|1|10"};
  const Lines more = Calls(1, 9);
  e.insert(e.end(), more.begin(), more.end());
  Append(log, Text(e));
  bridge = std::make_unique<testing::ChildProcess>(args);
  // Receiving first: the SUB socket attaches the new bridge (and sends it the subscription it
  // waits for) only while the test calls into it.
  expect_lines(e);
  EXPECT_EQ(bridge->Stop(SIGTERM), 0) << bridge->output();
  EXPECT_NE(bridge->output().find("from the saved position"), std::string::npos)
      << bridge->output();
  EXPECT_NE(bridge->output().find("published=4"), std::string::npos) << bridge->output();

  Lines all = a;
  for (const Lines* part : std::vector<const Lines*>{&b, &c, &d, &e}) {
    all.insert(all.end(), part->begin(), part->end());
  }
  LineMapper once;
  once.Map(all);
  EXPECT_EQ(received, once.Take());
}

TEST_F(queue_logBridge, ExampleConfigRunsWithTheCommandLineOverridingIt) {
  const std::string config =
      std::string(CCMON_SOURCE_DIR) + "/config/bridges/asterisk-queue-log.toml";
  const fs::path log = dir_ / "queue_log";
  std::ofstream(log) << At(0) << "|c1|q|NONE|ENTERQUEUE||5551234|1\n";
  testing::ChildProcess help(std::vector<std::string>{
      testing::BinaryPath("ccmon-bridge"), "--config", config, "asterisk-queue-log", "--help"});
  EXPECT_EQ(help.Wait(), 0) << help.output();
  EXPECT_NE(help.output().find("--position-file"), std::string::npos);
  // A dry run: the file's values (source, poll interval, grace) with the paths overridden.
  testing::ChildProcess run(std::vector<std::string>{
      testing::BinaryPath("ccmon-bridge"), "--config", config, "asterisk-queue-log", log.string(),
      "--once", "--position-file", (dir_ / "pos").string(), "--caller-key-file",
      (dir_ / "caller.key").string(), "--publish", "bind:tcp://127.0.0.1:*"});
  EXPECT_EQ(run.Wait(), 0) << run.output();
  EXPECT_NE(run.output().find("as source=asterisk-pbx1"), std::string::npos) << run.output();
  EXPECT_NE(run.output().find("poll every 200ms, rotate grace 1s"), std::string::npos)
      << run.output();
  EXPECT_NE(run.output().find("published=1"), std::string::npos) << run.output();
  EXPECT_TRUE(fs::exists(dir_ / "pos"));
}

TEST_F(queue_logBridge, InputsThatCannotBeUsedExitTwoWithTheReason) {
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--publish", "bind:tcp://127.0.0.1:*", "--caller-key-file",
                             (dir_ / "caller.key").string()});
    testing::ChildProcess bridge(Bridge(args));
    const int code = bridge.Wait();
    return std::make_pair(code, bridge.output());
  };
  std::ofstream(dir_ / "queues.csv") << "ext,name,value\n6001,name,IT\n";
  auto r = run({(dir_ / "queues.csv").string()});
  EXPECT_EQ(r.first, 2);
  EXPECT_NE(r.second.find("columns missing"), std::string::npos) << r.second;

  std::ofstream(dir_ / "export.csv") << "time,callid,queuename,agent,event,data\n";
  r = run({(dir_ / "export.csv").string(), "--position-file", (dir_ / "p").string()});
  EXPECT_EQ(r.first, 2);
  EXPECT_NE(r.second.find("applies to a queue_log file"), std::string::npos) << r.second;

  std::ofstream(dir_ / "queue_log") << At(0) << "|NONE|NONE|NONE|QUEUESTART|\n";
  std::ofstream(dir_ / "bad.pos") << "not a position\n";
  r = run({(dir_ / "queue_log").string(), "--position-file", (dir_ / "bad.pos").string()});
  EXPECT_EQ(r.first, 2);
  EXPECT_NE(r.second.find("remove it to start afresh"), std::string::npos) << r.second;

  r = run({(dir_ / "missing_queue_log").string(), "--once"});
  EXPECT_EQ(r.first, 2);
  EXPECT_NE(r.second.find("no such file"), std::string::npos) << r.second;

  r = run({(dir_ / "queue_log").string(), "--poll-interval", "soon"});
  EXPECT_EQ(r.first, 2);
  EXPECT_NE(r.second.find("--poll-interval"), std::string::npos) << r.second;

  r = run({(dir_ / "queue_log").string(), "--format", "xml"});
  EXPECT_EQ(r.first, 2);
}

}  // namespace
}  // namespace ccmon
