// Replay end to end, through the real binaries: `ccmon-bridge simulate --fast` with its journal
// and replay server, a lossy relay inside this test (events: SUB from the bridge, PUB to the
// daemon, dropping and duplicating messages at random with a printed seed; replay: a ROUTER/DEALER
// proxy, as a ZeroMQ broker between daemon and bridge would be), and the real ccmond subscribed to
// the relay with replay configured.
//
// - Lossy: every gap is detected and recovered, nothing is missing, each duplicate counts once,
//   and the daemon's per-queue counts equal the simulator's own (it logs them at the end).
// - Retention: the relay holds the daemon's replay requests until the bridge's tiny journal has
//   rotated the lost events out; they are counted missing and logged, never silently skipped.
// - The replay configuration forms (YAML and --subscribe) are accepted and checked.
//
// Order of start: relay (binds everything on port 0), ccmond (connects to the relay), bridge
// (connects to the relay; binds its replay server on port 0 and logs it). The bridge's epoch (its
// start time) is thus after the daemon started listening, so even a stream's first events are
// owed and recovered. Nothing sleeps to let time pass: the test waits for log lines and polls
// /metrics for the state it expects.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "daemon/config/config.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"
#include "tests/testing/simulator_summary.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
using testing::Scrape;
using Clock = std::chrono::steady_clock;

// Between bridge and daemon: forwards events, dropping and duplicating some; proxies replay.
class LossyRelay {
 public:
  struct Options {
    std::uint64_t seed = 1;
    double drop = 0;
    double duplicate = 0;
    std::set<std::uint64_t> drop_indexes;  // Messages (1-based arrival index) always dropped.
    bool hold_replay = false;              // Keep replay requests until ReleaseReplay().
  };

  explicit LossyRelay(Options options) : options_(std::move(options)), rng_(options_.seed) {
    upstream_.set(zmq::sockopt::rcvhwm, 0);  // Unlimited: only this relay may lose messages.
    upstream_.set(zmq::sockopt::subscribe, "");
    upstream_.bind("tcp://127.0.0.1:*");
    downstream_.set(zmq::sockopt::sndhwm, 0);
    downstream_.bind("tcp://127.0.0.1:*");
    front_.bind("tcp://127.0.0.1:*");
    for (zmq::socket_t* s : {&upstream_, &downstream_, &front_, &back_}) {
      s->set(zmq::sockopt::linger, 0);
    }
  }
  ~LossyRelay() { Stop(); }

  std::string upstream() { return upstream_.get(zmq::sockopt::last_endpoint); }
  std::string downstream() { return downstream_.get(zmq::sockopt::last_endpoint); }
  std::string replay() { return front_.get(zmq::sockopt::last_endpoint); }

  // Waits for the daemon's subscription (before Start()). False after 20 s.
  bool WaitForSubscriber() {
    zmq::pollitem_t item{downstream_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(20)) != 1) return false;
    zmq::message_t m;
    return downstream_.recv(m).has_value() && m.size() >= 1 && m.data<char>()[0] == 1;
  }

  // Connects the replay proxy to the bridge's replay server and starts forwarding.
  void Start(const std::string& bridge_replay) {
    back_.connect(bridge_replay);
    thread_ = std::thread([this] { Run(); });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  void SetLossless() { lossless_ = true; }
  void ReleaseReplay() { release_ = true; }

  std::uint64_t forwarded() const { return forwarded_; }
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t dropped_heartbeats() const { return dropped_heartbeats_; }
  std::uint64_t duplicated() const { return duplicated_; }
  // Replay round trips through the proxy (request in → reply out), and reply statuses.
  std::vector<double> round_trips_ms() const {
    std::lock_guard<std::mutex> lock(mu_);
    return round_trips_ms_;
  }
  std::map<std::string, int> statuses() const {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_;
  }

 private:
  using Frames = std::vector<zmq::message_t>;

  static Frames Receive(zmq::socket_t& s) {
    Frames frames;
    while (true) {
      zmq::message_t m;
      if (!s.recv(m, zmq::recv_flags::dontwait)) break;
      const bool more = m.more();
      frames.push_back(std::move(m));
      if (!more) break;
    }
    return frames;
  }

  static void Send(zmq::socket_t& s, Frames& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      s.send(frames[i], i + 1 == frames.size() ? zmq::send_flags::none : zmq::send_flags::sndmore);
    }
  }

  // The request id: the 8 bytes after the tag (frame 2 with the daemon's identity in front).
  static std::string RequestId(const Frames& f) { return f.size() > 2 ? f[2].to_string() : ""; }

  void Run() {
    std::uniform_real_distribution<double> unit(0, 1);
    std::deque<Frames> held;
    std::map<std::string, Clock::time_point> sent_at;
    std::uint64_t index = 0;
    while (!stop_) {
      zmq::pollitem_t items[] = {{upstream_.handle(), 0, ZMQ_POLLIN, 0},
                                 {front_.handle(), 0, ZMQ_POLLIN, 0},
                                 {back_.handle(), 0, ZMQ_POLLIN, 0},
                                 {downstream_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 4, std::chrono::milliseconds(20));
      if (items[0].revents & ZMQ_POLLIN) {
        for (int burst = 0; burst < 1000; ++burst) {
          Frames m = Receive(upstream_);
          if (m.empty()) break;
          ++index;
          const bool heartbeat = m[0].to_string().ends_with(".~hb.");
          const bool drop =
              options_.drop_indexes.contains(index) || (!lossless_ && unit(rng_) < options_.drop);
          if (drop) {
            ++dropped_;
            if (heartbeat) ++dropped_heartbeats_;
            continue;
          }
          Frames copy;
          const bool dup = !lossless_ && unit(rng_) < options_.duplicate;
          if (dup) {
            for (auto& f : m) copy.emplace_back(f.data(), f.size());
          }
          Send(downstream_, m);
          ++forwarded_;
          if (dup) {
            Send(downstream_, copy);
            ++duplicated_;
          }
        }
      }
      if (items[1].revents & ZMQ_POLLIN) {
        while (true) {
          Frames r = Receive(front_);
          if (r.empty()) break;
          held.push_back(std::move(r));
        }
      }
      while (!held.empty() && (!options_.hold_replay || release_)) {
        sent_at[RequestId(held.front())] = Clock::now();
        Send(back_, held.front());
        held.pop_front();
      }
      if (items[2].revents & ZMQ_POLLIN) {
        while (true) {
          Frames r = Receive(back_);
          if (r.empty()) break;
          {
            std::lock_guard<std::mutex> lock(mu_);
            auto it = sent_at.find(RequestId(r));
            if (it != sent_at.end()) {
              round_trips_ms_.push_back(
                  std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
              sent_at.erase(it);
            }
            if (r.size() > 3) ++statuses_[r[3].to_string()];
          }
          Send(front_, r);
        }
      }
      if (items[3].revents & ZMQ_POLLIN) (void)Receive(downstream_);  // (Un)subscriptions.
    }
  }

  Options options_;
  std::mt19937_64 rng_;
  zmq::context_t ctx_;
  zmq::socket_t upstream_{ctx_, zmq::socket_type::sub};
  zmq::socket_t downstream_{ctx_, zmq::socket_type::xpub};
  zmq::socket_t front_{ctx_, zmq::socket_type::router};
  zmq::socket_t back_{ctx_, zmq::socket_type::dealer};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> lossless_{false};
  std::atomic<bool> release_{false};
  std::atomic<std::uint64_t> forwarded_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> dropped_heartbeats_{0};
  std::atomic<std::uint64_t> duplicated_{0};
  mutable std::mutex mu_;
  std::vector<double> round_trips_ms_;
  std::map<std::string, int> statuses_;
};

using testing::ParseSimulatorSummary;
using testing::SimulatorSummary;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

class ReplayEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-replay-e2e-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  void TearDown() override {
    if (relay_) relay_->Stop();
    if (bridge_) bridge_->Stop(SIGTERM);
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->output();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void StartDaemon(const std::string& replay_timeout) {
    const std::string config = "subscriptions:\n  - endpoint: " + relay_->downstream() +
                               "\n    replay:\n      endpoint: " + relay_->replay() +
                               "\n      timeout: " + replay_timeout + "\n";
    daemon_ = testing::StartDaemon(dir_, config, &port_);
    ASSERT_NE(daemon_, nullptr);
    ASSERT_TRUE(relay_->WaitForSubscriber()) << "the daemon did not subscribe to the relay";
  }

  // Starts the simulator bridge with a journal and replay; returns once it has connected the
  // relay's replay proxy to it.
  void StartBridge(std::uint64_t seed, const std::string& duration,
                   std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{testing::BinaryPath("ccmon-bridge"),
                                  "simulate",
                                  "--profile",
                                  std::string(CCMON_SOURCE_DIR) + "/config/simulator/demo.yaml",
                                  "--fast",
                                  "--duration",
                                  duration,
                                  "--seed",
                                  std::to_string(seed),
                                  "--source",
                                  "sim1",
                                  "--publish",
                                  "connect:" + relay_->upstream(),
                                  "--wait-for-subscriber",
                                  "30s",
                                  "--journal-dir",
                                  (dir_ / "journal").string(),
                                  "--replay-listen",
                                  "tcp://127.0.0.1:*",
                                  "--linger",
                                  "120s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    bridge_ = std::make_unique<testing::ChildProcess>(argv);
    ASSERT_TRUE(bridge_->started());
    auto replay = bridge_->WaitForLine(std::regex(R"(replay: answering requests on (tcp://\S+))"));
    ASSERT_TRUE(replay) << bridge_->output();
    relay_->Start(*replay);
  }

  // Waits until the bridge has finished the simulation (it lingers for replay), and returns
  // what it logged about it.
  SimulatorSummary WaitForSimulationEnd() {
    auto done = bridge_->WaitForLine(std::regex(R"(simulate: done; lingering)"), 120'000);
    EXPECT_TRUE(done) << bridge_->output();
    bridge_done_ = Clock::now();
    return ParseSimulatorSummary(bridge_->output());
  }

  Scrape Metrics() {
    auto r = testing::HttpGet("127.0.0.1", port_, "/metrics");
    EXPECT_EQ(r.status, 200) << r.error;
    return Scrape(r.body);
  }

  // Scrapes until `done` holds (bounded by 120 s).
  Scrape WaitFor(const std::function<bool(const Scrape&)>& done, const std::string& what) {
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (Clock::now() < deadline) {
      Scrape s = Metrics();
      if (done(s)) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "timed out waiting for " << what << "\n" << daemon_->output();
    return Metrics();
  }

  static double Applied(const Scrape& s) {
    return s.Get("ccmond_source_events_applied_total", {{"source", "sim1"}}).value_or(0);
  }

  fs::path dir_;
  std::unique_ptr<LossyRelay> relay_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  std::unique_ptr<testing::ChildProcess> bridge_;
  std::uint16_t port_ = 0;
  Clock::time_point bridge_done_;
};

TEST_F(ReplayEndToEnd, EveryDroppedEventIsRecoveredAndTheCountsAreExact) {
  const std::uint64_t seed = std::random_device{}();
  std::cout << "relay seed: " << seed << "\n";
  relay_ = std::make_unique<LossyRelay>(LossyRelay::Options{seed, 0.05, 0.02, {}, false});
  ASSERT_NO_FATAL_FAILURE(StartDaemon("5s"));
  ASSERT_NO_FATAL_FAILURE(StartBridge(seed % 1000 + 1, "4h"));
  const SimulatorSummary sim = WaitForSimulationEnd();
  ASSERT_GT(sim.envelopes, 0u);
  ASSERT_EQ(sim.queues.size(), 4u) << bridge_->output();
  const double events = static_cast<double>(sim.envelopes - sim.heartbeats);

  // Every contact and agent event applied, nothing held or awaited.
  WaitFor(
      [&](const Scrape& s) {
        return Applied(s) == events && s.Value("ccmond_replay_held_events") == 0 &&
               s.Value("ccmond_replay_awaited_events") == 0;
      },
      "every event applied");
  const auto caught_up = Clock::now();
  // Heartbeats go on while the bridge lingers; without loss now, the next one reveals any lost
  // heartbeat at the tail, so every drop ends up recovered.
  relay_->SetLossless();
  const Scrape s = WaitFor(
      [&](const Scrape& m) {
        return m.Value("ccmond_events_recovered_total") == static_cast<double>(relay_->dropped()) &&
               m.Value("ccmond_replay_awaited_events") == 0;
      },
      "every dropped message recovered");

  EXPECT_EQ(bridge_->Stop(SIGTERM), 0) << bridge_->output();
  auto summary =
      std::regex_search(bridge_->output(), std::regex(R"(replay: answered \d+ requests)"));
  EXPECT_TRUE(summary) << bridge_->output();

  // The counts equal the simulator's own, queue by queue.
  for (const auto& [queue, c] : sim.queues) {
    SCOPED_TRACE("queue " + queue);
    const std::map<std::string, std::string> l{{"queue", queue}};
    EXPECT_EQ(s.Sum("callcenter_contacts_offered_total", l), static_cast<double>(c[0]));
    EXPECT_EQ(s.Sum("callcenter_contacts_answered_total", l), static_cast<double>(c[1]));
    EXPECT_EQ(s.Sum("callcenter_contacts_abandoned_total", l), static_cast<double>(c[2]));
    EXPECT_EQ(s.Sum("callcenter_contacts_exited_total", l), static_cast<double>(c[3]));
  }
  EXPECT_EQ(Applied(s), events);
  EXPECT_GT(relay_->dropped(), 0u);
  EXPECT_GT(s.Value("ccmond_sequence_gaps_total"), 0);
  EXPECT_EQ(s.Value("ccmond_events_recovered_total"), static_cast<double>(relay_->dropped()));
  EXPECT_EQ(s.Value("ccmond_events_missing_total"), 0);
  EXPECT_EQ(s.Value("ccmond_events_duplicate_total"), static_cast<double>(relay_->duplicated()));
  EXPECT_EQ(s.Sum("ccmond_replay_requests_total"),
            s.Value("ccmond_replay_requests_total", {{"result", "ok"}}));
  EXPECT_EQ(s.Sum("ccmond_events_rejected_total"), 0);
  EXPECT_EQ(s.Value("ccmond_replay_hold_overflows_total"), 0);

  const auto rtt = relay_->round_trips_ms();
  std::cout << "lossy run: messages forwarded " << relay_->forwarded() << ", dropped "
            << relay_->dropped() << " (" << relay_->dropped_heartbeats()
            << " heartbeats), duplicated " << relay_->duplicated() << "; gaps "
            << s.Value("ccmond_sequence_gaps_total") << ", replay requests "
            << s.Sum("ccmond_replay_requests_total") << ", recovered "
            << s.Value("ccmond_events_recovered_total") << ", missing "
            << s.Value("ccmond_events_missing_total") << ", duplicates counted "
            << s.Value("ccmond_events_duplicate_total") << ", lifecycle anomalies "
            << s.Sum("ccmond_lifecycle_anomalies_total") << "\n"
            << "replay round trip through the proxy (ms): p50 " << Percentile(rtt, 0.5) << ", p99 "
            << Percentile(rtt, 0.99) << ", max " << Percentile(rtt, 1.0) << " over " << rtt.size()
            << " requests; daemon caught up "
            << std::chrono::duration<double, std::milli>(caught_up - bridge_done_).count()
            << " ms after the bridge finished\n";
}

TEST_F(ReplayEndToEnd, EventsTheJournalNoLongerHoldsAreCountedMissingAndLogged) {
  // Three early messages are dropped; the replay requests they cause are held back until the
  // bridge's 16 KiB journal has long rotated them out.
  relay_ = std::make_unique<LossyRelay>(LossyRelay::Options{1, 0, 0, {200, 201, 202}, true});
  ASSERT_NO_FATAL_FAILURE(StartDaemon("60s"));
  ASSERT_NO_FATAL_FAILURE(
      StartBridge(3, "2h", {"--journal-segment-size", "4KiB", "--journal-max-size", "16KiB"}));
  const SimulatorSummary sim = WaitForSimulationEnd();
  ASSERT_GT(sim.envelopes, 1000u);
  // Meanwhile the daemon holds the source's events back behind the gaps.
  Scrape s = WaitFor(
      [](const Scrape& m) {
        return m.Value("ccmond_replay_awaited_events") == 3 &&
               m.Value("ccmond_replay_held_events") > 0;
      },
      "the daemon holding events behind the gaps");

  relay_->ReleaseReplay();
  s = WaitFor(
      [](const Scrape& m) {
        return m.Value("ccmond_replay_awaited_events") == 0 &&
               m.Value("ccmond_replay_held_events") == 0;
      },
      "the gap settled");
  const double lost_events = 3.0 - static_cast<double>(relay_->dropped_heartbeats());
  EXPECT_EQ(s.Value("ccmond_events_missing_total"), 3);
  EXPECT_EQ(s.Value("ccmond_events_recovered_total"), 0);
  EXPECT_GE(s.Value("ccmond_replay_requests_total", {{"result", "gone"}}) +
                s.Value("ccmond_replay_requests_total", {{"result", "unknown"}}),
            1);
  EXPECT_EQ(s.Value("ccmond_replay_requests_total", {{"result", "timeout"}}), 0);
  // Everything held was applied after the gap was given up; only the lost ones are absent.
  EXPECT_EQ(Applied(s), static_cast<double>(sim.envelopes - sim.heartbeats) - lost_events);
  // Logged with what was lost and why.
  auto line =
      daemon_->WaitForLine(std::regex(R"((events lost: source=sim1 .*no longer holds.*))"), 20'000);
  ASSERT_TRUE(line) << daemon_->output();
  std::cout << "daemon: " << *line << "\n";
  const auto statuses = relay_->statuses();
  EXPECT_GE(statuses.count("gone") + statuses.count("unknown_stream"), 1u);
  EXPECT_EQ(bridge_->Stop(SIGTERM), 0);
}

// ---- Configuration ----

TEST(ReplayConfig, ASubscriptionTakesAReplayEndpointInShortOrLongForm) {
  auto c = config::ParseConfig(R"(
subscriptions:
  - endpoint: tcp://127.0.0.1:5556
    replay: tcp://127.0.0.1:5557
  - endpoint: tcp://127.0.0.1:6556
    replay: {endpoint: tcp://127.0.0.1:6557, timeout: 500ms, max_held_events: 5000}
  - endpoint: tcp://127.0.0.1:7556
)",
                               "test.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->subscriptions.size(), 3u);
  EXPECT_EQ(c->subscriptions[0].replay.endpoint, "tcp://127.0.0.1:5557");
  EXPECT_EQ(c->subscriptions[0].replay.timeout_ms, 2000);
  EXPECT_EQ(c->subscriptions[1].replay.endpoint, "tcp://127.0.0.1:6557");
  EXPECT_EQ(c->subscriptions[1].replay.timeout_ms, 500);
  EXPECT_EQ(c->subscriptions[1].replay.max_held_events, 5000u);
  EXPECT_TRUE(c->subscriptions[2].replay.endpoint.empty());
}

TEST(ReplayConfig, BadReplaySettingsNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"subscriptions: [{endpoint: tcp://a:1, replay: localhost}]",
       "subscriptions[0].replay: expected the bridge's --replay-listen endpoint"},
      {"subscriptions: [{endpoint: tcp://a:1, replay: {timeout: 2s}}]",
       "subscriptions[0].replay: endpoint is required"},
      {"subscriptions: [{endpoint: tcp://a:1, replay: {endpoint: tcp://b:2, timeout: 1h}}]",
       "subscriptions[0].replay.timeout"},
      {"subscriptions: [{endpoint: tcp://a:1, replay: {endpoint: tcp://b:2, max_held_events: 5}}]",
       "subscriptions[0].replay.max_held_events"},
      {"subscriptions: [{endpoint: tcp://a:1, replay: {endpoint: tcp://b:2, retries: 3}}]",
       "unknown key"},
  };
  for (const auto& [yaml, want] : cases) {
    auto c = config::ParseConfig(yaml, "test.yaml");
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_NE(c.status().message().find(want), std::string::npos) << c.status().message();
  }
}

TEST(ReplayConfig, TheSubscribeFlagTakesAReplayEndpoint) {
  auto plain = config::ParseSubscribeFlag("tcp://127.0.0.1:5556");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->replay.endpoint.empty());
  EXPECT_EQ(plain->topics, (std::vector<std::string>{"v1."}));
  auto with = config::ParseSubscribeFlag("tcp://127.0.0.1:5556,replay=tcp://127.0.0.1:5557");
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->endpoint, "tcp://127.0.0.1:5556");
  EXPECT_EQ(with->replay.endpoint, "tcp://127.0.0.1:5557");
  EXPECT_FALSE(config::ParseSubscribeFlag("tcp://127.0.0.1:5556,replay=nowhere").ok());
  EXPECT_FALSE(config::ParseSubscribeFlag("tcp://127.0.0.1:5556,retry=3").ok());
  EXPECT_FALSE(config::ParseSubscribeFlag("localhost").ok());
}

TEST(ReplayConfig, TheExampleConfigurationAndTheFlagAreAcceptedByCcmond) {
  testing::ChildProcess check({testing::BinaryPath("ccmond"), "--check-config", "--config.file",
                               std::string(CCMON_SOURCE_DIR) + "/config/ccmond.yaml"});
  EXPECT_EQ(check.Wait(), 0) << check.output();
  testing::ChildProcess flag({testing::BinaryPath("ccmond"), "--check-config", "--subscribe",
                              "tcp://127.0.0.1:5556,replay=tcp://127.0.0.1:5557"});
  EXPECT_EQ(flag.Wait(), 0) << flag.output();
  testing::ChildProcess bad({testing::BinaryPath("ccmond"), "--check-config", "--subscribe",
                             "tcp://127.0.0.1:5556,replay="});
  EXPECT_EQ(bad.Wait(), 1) << bad.output();
  EXPECT_NE(bad.output().find("bad --subscribe"), std::string::npos) << bad.output();
}

TEST(ReplayConfig, ABridgeRefusesReplayWithoutAJournal) {
  testing::ChildProcess bridge({testing::BinaryPath("ccmon-bridge"), "simulate", "--profile",
                                std::string(CCMON_SOURCE_DIR) + "/config/simulator/demo.yaml",
                                "--publish", "bind:tcp://127.0.0.1:*", "--replay-listen",
                                "tcp://127.0.0.1:*"});
  EXPECT_EQ(bridge.Wait(), 2) << bridge.output();
  EXPECT_NE(bridge.output().find("--replay-listen needs --journal-dir"), std::string::npos)
      << bridge.output();
}

}  // namespace
}  // namespace ccmon
