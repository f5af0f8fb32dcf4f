// End to end through the real ccmond binary: a scripted scenario published over a real ZeroMQ
// socket, /metrics scraped over real HTTP, every number checked against hand computation.
//
// The test binds an XPUB socket, so it learns when ccmond's subscription has arrived instead of
// sleeping for the slow joiner; ccmond listens on port 0 and logs the port it got.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <zmq.hpp>

#include "ccmon/v1/events.pb.h"
#include "common/publisher.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
using testing::Scrape;

constexpr UnixMs kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z.

// Publishes envelopes numbered by a TopicSequencer (via CapturingSink) over an XPUB socket.
class ScenarioPublisher {
 public:
  ScenarioPublisher() : pub_(ctx_, zmq::socket_type::xpub), sink_("scenario", 42) {
    pub_.set(zmq::sockopt::sndhwm, 0);
    pub_.bind("tcp://127.0.0.1:*");
    endpoint_ = pub_.get(zmq::sockopt::last_endpoint);
  }
  const std::string& endpoint() const { return endpoint_; }

  // Blocks until a subscriber's subscription arrives (or 20 s pass).
  bool WaitForSubscriber() {
    pub_.set(zmq::sockopt::rcvtimeo, 20'000);
    zmq::message_t m;
    return pub_.recv(m).has_value() && m.size() > 0 && m.data<char>()[0] == 1;
  }

  void Send(v1::Envelope env, double t_seconds) {
    env.set_time_unix_ms(kT0 + static_cast<UnixMs>(t_seconds * 1000));
    ASSERT_TRUE(sink_.Publish(env).ok());
    const auto& m = sink_.messages().back();
    SendRaw(m.topic, m.envelope.SerializeAsString());
  }
  void SendRaw(const std::string& topic, const std::string& payload) {
    pub_.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    pub_.send(zmq::buffer(payload), zmq::send_flags::none);
    ++sent_;
  }
  // Re-sends the last message as it was (a duplicate).
  void ResendLast() {
    const auto& m = sink_.messages().back();
    SendRaw(m.topic, m.envelope.SerializeAsString());
  }
  std::uint64_t sent() const { return sent_; }

 private:
  zmq::context_t ctx_;
  zmq::socket_t pub_;
  CapturingSink sink_;
  std::string endpoint_;
  std::uint64_t sent_ = 0;
};

v1::Envelope Queued(const std::string& id, const std::string& queue, const std::string& from = "") {
  v1::Envelope e;
  auto* m = e.mutable_contact_queued();
  m->set_contact_id(id);
  m->set_queue(queue);
  m->set_channel(v1::CHANNEL_VOICE);
  m->set_caller_key("k-" + id);
  m->set_transferred_from_queue(from);
  return e;
}
v1::Envelope Answered(const std::string& id, const std::string& queue, const std::string& agent) {
  v1::Envelope e;
  e.mutable_contact_answered()->set_contact_id(id);
  e.mutable_contact_answered()->set_queue(queue);
  e.mutable_contact_answered()->set_agent_id(agent);
  return e;
}
v1::Envelope Abandoned(const std::string& id, const std::string& queue) {
  v1::Envelope e;
  e.mutable_contact_abandoned()->set_contact_id(id);
  e.mutable_contact_abandoned()->set_queue(queue);
  return e;
}
v1::Envelope Exited(const std::string& id, const std::string& queue, v1::ExitReason r) {
  v1::Envelope e;
  e.mutable_contact_exited()->set_contact_id(id);
  e.mutable_contact_exited()->set_queue(queue);
  e.mutable_contact_exited()->set_reason(r);
  return e;
}
v1::Envelope Transferred(const std::string& id, const std::string& queue, const std::string& to) {
  v1::Envelope e;
  e.mutable_contact_transferred()->set_contact_id(id);
  e.mutable_contact_transferred()->set_queue(queue);
  e.mutable_contact_transferred()->set_target_queue(to);
  return e;
}
template <typename Fn>
v1::Envelope Contact(Fn fill) {
  v1::Envelope e;
  fill(&e);
  return e;
}
v1::Envelope Agent(const std::string& id, v1::AgentState s, std::vector<std::string> queues = {}) {
  v1::Envelope e;
  auto* m = e.mutable_agent_state_changed();
  m->set_agent_id(id);
  m->set_state(s);
  for (auto& q : queues) m->add_queues(q);
  return e;
}
v1::Envelope Heartbeat() {
  v1::Envelope e;
  e.mutable_heartbeat()->set_acd_connection(v1::ACD_CONNECTION_UP);
  return e;
}

class DaemonScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-it-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const std::string subscriptions = "subscriptions:\n  - endpoint: " + pub_.endpoint() + "\n";
    const std::string config = subscriptions +
                               "service_level:\n"
                               "  short_abandon: 5s\n"
                               "queues:\n"
                               "  - name: sales\n"
                               "    thresholds: [20s, 60s]\n"
                               "    target: 0.8\n"
                               "  - name: support\n"
                               "  - name: idle\n";
    daemon_ = testing::StartDaemon(dir_, config, &port_);
    ASSERT_NE(daemon_, nullptr);
    ASSERT_TRUE(pub_.WaitForSubscriber()) << "ccmond never subscribed";
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->output();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string GetMetrics() {
    auto r = testing::HttpGet("127.0.0.1", port_, "/metrics");
    EXPECT_EQ(r.status, 200) << r.error;
    return r.body;
  }
  // Scrapes until the daemon has taken every published message off its socket (bounded).
  Scrape WaitForAll() {
    for (int i = 0; i < 1000; ++i) {
      Scrape s(GetMetrics());
      if (s.Get("ccmond_messages_received_total").value_or(0) >= static_cast<double>(pub_.sent()))
        return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "daemon did not receive all " << pub_.sent() << " messages";
    return Scrape(GetMetrics());
  }

  // The scenario of the class comment in docs/metrics.md ("worked example"), t in seconds.
  void PublishScenario() {
    pub_.Send(Agent("a1", v1::AGENT_STATE_AVAILABLE, {"sales", "support"}), 0);
    pub_.Send(Agent("a2", v1::AGENT_STATE_NOT_READY, {"sales"}), 0);
    pub_.Send(Queued("c1", "sales"), 0);
    pub_.Send(Queued("c2", "sales"), 1);
    pub_.Send(Queued("c3", "sales"), 2);
    pub_.Send(Queued("c4", "sales"), 3);
    pub_.Send(Abandoned("c2", "sales"), 4);  // Wait 3 s: a short abandon.
    pub_.ResendLast();                       // A duplicate: dropped, counted.
    pub_.Send(Queued("c5", "sales"), 5);
    pub_.Send(Queued("c6", "sales"), 6);
    pub_.Send(Answered("c1", "sales", "a1"), 10);  // Wait 10 s.
    pub_.Send(Agent("a1", v1::AGENT_STATE_ON_CONTACT), 10);
    pub_.Send(Transferred("c6", "sales", "support"), 12);  // Flow-out after 6 s.
    pub_.Send(Queued("c6", "support", "sales"), 12);
    pub_.Send(Answered("c6", "support", "a1"), 15);  // Wait 3 s in support.
    pub_.Send(Contact([](v1::Envelope* e) {
                e->mutable_contact_held()->set_contact_id("c1");
                e->mutable_contact_held()->set_queue("sales");
              }),
              20);
    pub_.Send(Answered("c4", "sales", "a2"), 28);  // Wait 25 s: breached 20 s at t = 23.
    pub_.Send(Contact([](v1::Envelope* e) {
                e->mutable_contact_resumed()->set_contact_id("c1");
                e->mutable_contact_resumed()->set_queue("sales");
              }),
              30);
    pub_.Send(Abandoned("c3", "sales"), 32);  // Wait 30 s: breached 20 s at t = 22.
    pub_.Send(Queued("c7", "sales"), 45);
    pub_.Send(Exited("c5", "sales", v1::EXIT_REASON_TIMEOUT), 70);  // Wait 65 s.
    pub_.Send(Contact([](v1::Envelope* e) {
                e->mutable_contact_ended()->set_contact_id("c1");
                e->mutable_contact_ended()->set_queue("sales");
              }),
              70);
    pub_.Send(Agent("a1", v1::AGENT_STATE_AFTER_CONTACT_WORK), 70);
    pub_.Send(Contact([](v1::Envelope* e) {
                e->mutable_wrap_up_ended()->set_contact_id("c1");
                e->mutable_wrap_up_ended()->set_queue("sales");
              }),
              80);
    pub_.Send(Agent("a1", v1::AGENT_STATE_AVAILABLE), 80);
    pub_.Send(Queued("c8", "sales"), 85);
    pub_.Send(Heartbeat(), 100);                            // The event clock ends at t = 100 s.
    pub_.SendRaw("v1.default.sales.", "\x08\xff garbage");  // Undecodable: rejected.
  }

  fs::path dir_;
  ScenarioPublisher pub_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  std::uint16_t port_ = 0;
};

TEST_F(DaemonScenario, ScrapeShowsExactlyTheHandComputedValues) {
  PublishScenario();
  const Scrape s = WaitForAll();
  ASSERT_TRUE(s.errors().empty()) << s.errors().front();
  const std::map<std::string, std::string> sales{{"queue", "sales"}, {"channel", "voice"}};
  const std::map<std::string, std::string> support{{"queue", "support"}, {"channel", "voice"}};

  // Activity. sales: c1..c8 offered; answered c1, c4; abandoned c2 (short), c3; exited c5
  // (timeout); c6 flowed out to support; c7, c8 still waiting: 8 = 2 + 2 + 1 + 1 + 2.
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", sales), 8);
  EXPECT_EQ(s.Value("callcenter_contacts_answered_total", sales), 2);
  EXPECT_EQ(s.Value("callcenter_contacts_abandoned_total", sales), 2);
  EXPECT_EQ(s.Value("callcenter_contacts_short_abandoned_total", sales), 1);
  EXPECT_EQ(s.Sum("callcenter_contacts_exited_total", sales), 1);
  EXPECT_EQ(
      s.Value("callcenter_contacts_exited_total", {{"queue", "sales"}, {"reason", "timeout"}}), 1);
  EXPECT_EQ(s.Value("callcenter_contacts_transferred_out_total",
                    {{"queue", "sales"}, {"phase", "before_answer"}}),
            1);
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", support), 1);
  EXPECT_EQ(s.Value("callcenter_contacts_transferred_in_total", support), 1);
  EXPECT_EQ(s.Value("callcenter_contacts_answered_total", support), 1);
  // A configured queue without traffic is present at 0, not absent.
  EXPECT_EQ(s.Value("callcenter_contacts_offered_total", {{"queue", "idle"}}), 0);

  // Live state at t = 100 s: c7 (since 45 s) and c8 (since 85 s) wait.
  EXPECT_EQ(s.Value("callcenter_queue_contacts_waiting", {{"queue", "sales"}}), 2);
  EXPECT_EQ(
      s.Value("callcenter_queue_oldest_contact_enqueued_timestamp_seconds", {{"queue", "sales"}}),
      (kT0 + 45'000) / 1000.0);
  EXPECT_EQ(s.Value("callcenter_queue_oldest_contact_wait_seconds", {{"queue", "sales"}}), 55);
  // c7 (55 s) is past 20 s; nobody is past 60 s. Within 10 s: c8 (15 s) crosses 20 s and c7
  // (55 s) crosses 60 s.
  EXPECT_EQ(s.Value("callcenter_queue_contacts_past_threshold",
                    {{"queue", "sales"}, {"threshold", "20"}}),
            1);
  EXPECT_EQ(s.Value("callcenter_queue_contacts_past_threshold",
                    {{"queue", "sales"}, {"threshold", "60"}}),
            0);
  EXPECT_EQ(s.Value("callcenter_queue_contacts_breaching_soon",
                    {{"queue", "sales"}, {"threshold", "20"}}),
            1);
  EXPECT_EQ(s.Value("callcenter_queue_contacts_breaching_soon",
                    {{"queue", "sales"}, {"threshold", "60"}}),
            1);

  // Service-level events, T = 20 s: within: c1 answered (10 s), c2 abandoned (3 s, short), c6
  // flowed out (6 s); breached: c3 (t 22), c4 (t 23), c5 (t 25), c7 (t 65). c8 has no SL event yet.
  const std::map<std::string, std::string> t20{{"queue", "sales"}, {"threshold", "20"}};
  const std::map<std::string, std::string> t60{{"queue", "sales"}, {"threshold", "60"}};
  EXPECT_EQ(s.Value("callcenter_service_level_answered_within_total", t20), 1);
  EXPECT_EQ(s.Value("callcenter_service_level_abandoned_within_total", t20), 1);
  EXPECT_EQ(s.Value("callcenter_service_level_short_abandoned_within_total", t20), 1);
  EXPECT_EQ(s.Value("callcenter_service_level_exited_within_total", t20), 1);
  EXPECT_EQ(s.Value("callcenter_service_level_breached_total", t20), 4);
  // T = 60 s: within: c1, c4 answered; c2, c3 abandoned (c2 short); c6 flowed out; breached: c5.
  EXPECT_EQ(s.Value("callcenter_service_level_answered_within_total", t60), 2);
  EXPECT_EQ(s.Value("callcenter_service_level_abandoned_within_total", t60), 2);
  EXPECT_EQ(s.Value("callcenter_service_level_short_abandoned_within_total", t60), 1);
  EXPECT_EQ(s.Value("callcenter_service_level_exited_within_total", t60), 1);
  EXPECT_EQ(s.Value("callcenter_service_level_breached_total", t60), 1);
  // Default formula A / (A + B − S + R): T 20: 1 / (1 + 1 − 1 + 4) = 0.2; T 60: 2 / (2 + 2 − 1 + 1)
  // = 0.5. Everything happened within the last 5 minutes, so every window agrees.
  for (const char* w : {"5m", "15m", "1h"}) {
    EXPECT_DOUBLE_EQ(s.Value("callcenter_service_level_ratio",
                             {{"queue", "sales"}, {"threshold", "20"}, {"window", w}}),
                     0.2);
    EXPECT_DOUBLE_EQ(s.Value("callcenter_service_level_ratio",
                             {{"queue", "sales"}, {"threshold", "60"}, {"window", w}}),
                     0.5);
  }
  EXPECT_DOUBLE_EQ(s.Value("callcenter_service_level_target_ratio", {{"queue", "sales"}}), 0.8);

  // Wait histograms (sales): answered 10 s and 25 s; abandoned 3 s and 30 s; exited 65 s.
  const std::map<std::string, std::string> ans{{"queue", "sales"}, {"outcome", "answered"}};
  EXPECT_EQ(s.Value("callcenter_contact_wait_seconds_count", ans), 2);
  EXPECT_EQ(s.Value("callcenter_contact_wait_seconds_sum", ans), 35);
  auto le = ans;
  le["le"] = "20";
  EXPECT_EQ(s.Value("callcenter_contact_wait_seconds_bucket", le), 1);
  le["le"] = "30";
  EXPECT_EQ(s.Value("callcenter_contact_wait_seconds_bucket", le), 2);
  EXPECT_EQ(s.Value("callcenter_contact_wait_seconds_sum",
                    {{"queue", "sales"}, {"outcome", "abandoned"}}),
            33);
  EXPECT_EQ(
      s.Value("callcenter_contact_wait_seconds_sum", {{"queue", "sales"}, {"outcome", "exited"}}),
      65);

  // Agents: a1 available (sales, support), a2 not ready (sales).
  EXPECT_EQ(s.Value("callcenter_queue_agents", {{"queue", "sales"}, {"state", "available"}}), 1);
  EXPECT_EQ(s.Value("callcenter_queue_agents", {{"queue", "sales"}, {"state", "not_ready"}}), 1);
  EXPECT_EQ(s.Value("callcenter_queue_agents", {{"queue", "support"}, {"state", "available"}}), 1);
  EXPECT_EQ(s.Value("callcenter_queue_agents", {{"queue", "support"}, {"state", "on_contact"}}), 0);

  // Ingest health: one duplicate dropped, one undecodable frame, no gaps, no anomalies.
  EXPECT_EQ(s.Value("ccmond_messages_received_total"), static_cast<double>(pub_.sent()));
  EXPECT_EQ(s.Value("ccmond_events_duplicate_total"), 1);
  EXPECT_EQ(s.Value("ccmond_events_rejected_total", {{"reason", "undecodable"}}), 1);
  EXPECT_EQ(s.Value("ccmond_sequence_gaps_total"), 0);
  EXPECT_EQ(s.Sum("ccmond_lifecycle_anomalies_total"), 0);
  EXPECT_EQ(s.Value("ccmond_source_last_event_timestamp_seconds", {{"source", "scenario"}}),
            (kT0 + 100'000) / 1000.0);
  EXPECT_EQ(s.Value("ccmond_source_up", {{"source", "scenario"}}), 1);
}

TEST_F(DaemonScenario, LiveScrapePassesPromtoolCheckMetrics) {
  PublishScenario();
  WaitForAll();
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  const fs::path scrape = dir_ / "scrape.prom";
  std::ofstream(scrape) << GetMetrics();
  const std::string cmd = "promtool check metrics < " + scrape.string() + " > " +
                          (dir_ / "promtool.out").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(dir_ / "promtool.out");
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << "promtool reported problems";
}

TEST_F(DaemonScenario, ScrapeMatchesTheGoldenFile) {
  PublishScenario();
  WaitForAll();
  // Lines that depend on the wall clock or the build are left out of the comparison.
  std::istringstream in(GetMetrics());
  std::string line;
  std::string got;
  while (std::getline(in, line)) {
    if (line.rfind("ccmond_source_up", 0) == 0 || line.rfind("ccmond_build_info", 0) == 0 ||
        line.rfind("ccmond_source_last_heard_timestamp_seconds{", 0) == 0 ||
        line.rfind("ccmond_config_last_reload_success_timestamp_seconds ", 0) == 0 ||
        line.rfind("ccmond_http_", 0) == 0 || line.rfind("# HELP ccmond_http_", 0) == 0 ||
        line.rfind("# TYPE ccmond_http_", 0) == 0)
      continue;
    got += line + "\n";
  }
  const fs::path golden = fs::path(CCMON_SOURCE_DIR) / "tests/fixtures/golden/scenario.prom";
  if (std::getenv("CCMON_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << got;
    GTEST_SKIP() << "golden file rewritten: " << golden;
  }
  std::ifstream g(golden);
  ASSERT_TRUE(g) << "missing " << golden << " (run with CCMON_UPDATE_GOLDEN=1 to create it)";
  std::string want((std::istreambuf_iterator<char>(g)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, want) << "scrape differs from " << golden
                       << "; if the change is intended, rerun with CCMON_UPDATE_GOLDEN=1 and "
                          "review the diff";
}

}  // namespace
}  // namespace ccmon
