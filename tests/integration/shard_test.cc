// Scale out by topic prefix (DESIGN §7), through the real binaries: one simulated center
// (`ccmon-bridge simulate --fast`, tenant "demo", four queues) feeds four ccmond at once — three
// shards, each subscribed to the topics of its own queues plus the agent and heartbeat topics, and
// one daemon subscribed to everything. At the end every queue's series in its shard equal the whole
// daemon's, sample for sample; a shard counts no contact of another shard's queue (it may have
// series for such a queue, known from its agents' queue lists); and the shards' contact counters
// sum exactly to the whole's and to the simulator's own counts.
//
// Between bridge and daemons sits a forwarder in this test (SUB from the bridge, XPUB to the
// daemons, both unlimited), so the test can see every daemon's subscriptions arrive before the
// bridge starts: nothing is lost and no replay is needed. Nothing sleeps to let time pass: the
// test waits for subscriptions, log lines and the daemons' counters.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"
#include "tests/testing/simulator_summary.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
using testing::Scrape;
using SteadyClock = std::chrono::steady_clock;

// Forwards everything from the bridge to the daemons and records the daemons' subscriptions.
class Forwarder {
 public:
  Forwarder() {
    upstream_.set(zmq::sockopt::rcvhwm, 0);
    upstream_.set(zmq::sockopt::subscribe, "");
    upstream_.bind("tcp://127.0.0.1:*");
    downstream_.set(zmq::sockopt::sndhwm, 0);
    downstream_.set(zmq::sockopt::xpub_verbose, 1);  // Every daemon's subscription, not the first.
    downstream_.bind("tcp://127.0.0.1:*");
    for (zmq::socket_t* s : {&upstream_, &downstream_}) s->set(zmq::sockopt::linger, 0);
  }
  ~Forwarder() { Stop(); }

  std::string upstream() { return upstream_.get(zmq::sockopt::last_endpoint); }
  std::string downstream() { return downstream_.get(zmq::sockopt::last_endpoint); }

  // Waits (before Start) until `count` subscribe messages arrived. False after 20 s.
  bool WaitForSubscriptions(std::size_t count) {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
    while (subscriptions_ < count && SteadyClock::now() < deadline) {
      zmq::pollitem_t item{downstream_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(100));
      zmq::message_t m;
      while (downstream_.recv(m, zmq::recv_flags::dontwait)) {
        if (m.size() >= 1 && m.data<char>()[0] == 1) ++subscriptions_;
      }
    }
    return subscriptions_ >= count;
  }

  void Start() {
    thread_ = std::thread([this] {
      while (!stop_) {
        zmq::pollitem_t items[] = {{upstream_.handle(), 0, ZMQ_POLLIN, 0},
                                   {downstream_.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 2, std::chrono::milliseconds(20));
        if (items[0].revents & ZMQ_POLLIN) {
          for (int burst = 0; burst < 1000; ++burst) {
            zmq::message_t part;
            if (!upstream_.recv(part, zmq::recv_flags::dontwait)) break;
            bool more = part.more();
            downstream_.send(part, more ? zmq::send_flags::sndmore : zmq::send_flags::none);
            while (more) {
              (void)upstream_.recv(part);
              more = part.more();
              downstream_.send(part, more ? zmq::send_flags::sndmore : zmq::send_flags::none);
            }
          }
        }
        if (items[1].revents & ZMQ_POLLIN) {
          zmq::message_t m;
          while (downstream_.recv(m, zmq::recv_flags::dontwait)) {
          }
        }
      }
    });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  zmq::context_t ctx_;
  zmq::socket_t upstream_{ctx_, zmq::socket_type::sub};
  zmq::socket_t downstream_{ctx_, zmq::socket_type::xpub};
  std::size_t subscriptions_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

struct Daemon {
  std::string name;
  std::vector<std::string> queues;  // Empty: the whole center.
  std::unique_ptr<testing::ChildProcess> process;
  std::uint16_t port = 0;

  std::vector<std::string> Topics() const {
    if (queues.empty()) return {"v1."};
    std::vector<std::string> topics{"v1.demo.~agent.", "v1.demo.~hb."};
    for (const auto& q : queues) topics.push_back("v1.demo." + q + ".");
    return topics;
  }

  Scrape Metrics() const {
    auto r = testing::HttpGet("127.0.0.1", port, "/metrics");
    EXPECT_EQ(r.status, 200) << name << ": " << r.error;
    return Scrape(r.body);
  }
};

// Label value of `name` in a sample, "" if absent.
std::string LabelOf(const testing::Sample& s, const std::string& name) {
  auto it = s.labels.find(name);
  return it == s.labels.end() ? "" : it->second;
}

// A sample's identity: metric name and every label.
std::string KeyOf(const testing::Sample& s) {
  std::string key = s.name;
  for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
  return key;
}

class ShardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccmon-shard-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    forwarder_.Stop();
    if (bridge_) bridge_->Stop(SIGTERM);
    for (auto& d : daemons_) {
      if (d.process) {
        EXPECT_EQ(d.process->Stop(SIGTERM), 0) << d.process->output();
      }
    }
    fs::remove_all(dir_);
  }

  void StartDaemon(Daemon d) {
    const fs::path config = dir_ / (d.name + ".yaml");
    {
      std::ofstream out(config);
      out << "subscriptions:\n  - endpoint: " << forwarder_.downstream() << "\n    topics:\n";
      for (const auto& t : d.Topics()) out << "      - \"" << t << "\"\n";
    }
    d.process = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{testing::BinaryPath("ccmond"), "--config.file", config.string(),
                                 "--web.listen-address", "127.0.0.1:0"});
    ASSERT_TRUE(d.process->started());
    auto port =
        d.process->WaitForLine(std::regex(R"(listening on http://127\.0\.0\.1:(\d+)/metrics)"));
    ASSERT_TRUE(port) << d.process->output();
    d.port = static_cast<std::uint16_t>(std::stoi(*port));
    subscriptions_ += d.Topics().size();
    daemons_.push_back(std::move(d));
  }

  // Scrapes `d` until `done` holds (bounded by 120 s).
  Scrape WaitFor(const Daemon& d, const std::function<bool(const Scrape&)>& done,
                 const std::string& what) {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    while (SteadyClock::now() < deadline) {
      Scrape s = d.Metrics();
      if (done(s)) return s;
      std::this_thread::yield();
    }
    const Scrape last = d.Metrics();
    std::string counts;
    for (const auto& q : {"sales", "vip-chat", "support", "billing"}) {
      const std::map<std::string, std::string> l{{"queue", q}};
      counts += std::string(q) + ": offered " +
                std::to_string(last.Sum("callcenter_contacts_offered_total", l)) + " answered " +
                std::to_string(last.Sum("callcenter_contacts_answered_total", l)) + " abandoned " +
                std::to_string(last.Sum("callcenter_contacts_abandoned_total", l)) + "; ";
    }
    ADD_FAILURE() << d.name << ": timed out waiting for " << what << " (" << counts << ")\n"
                  << d.process->output();
    return last;
  }

  fs::path dir_;
  Forwarder forwarder_;
  std::vector<Daemon> daemons_;
  std::size_t subscriptions_ = 0;
  std::unique_ptr<testing::ChildProcess> bridge_;
};

TEST_F(ShardTest, ShardsOwningAThirdOfTheQueuesEachSumExactlyToTheWhole) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"whole", {}, nullptr, 0}));
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"shard-a", {"sales", "vip-chat"}, nullptr, 0}));
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"shard-b", {"support"}, nullptr, 0}));
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"shard-c", {"billing"}, nullptr, 0}));
  ASSERT_TRUE(forwarder_.WaitForSubscriptions(subscriptions_))
      << "the daemons' subscriptions did not all arrive";
  forwarder_.Start();

  bridge_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
      testing::BinaryPath("ccmon-bridge"), "simulate", "--profile",
      std::string(CCMON_SOURCE_DIR) + "/config/simulator/demo.yaml", "--fast", "--duration", "6h",
      "--seed", "7", "--source", "sim1", "--publish", "connect:" + forwarder_.upstream(),
      "--wait-for-subscriber", "30s", "--linger", "120s"});
  ASSERT_TRUE(bridge_->started());
  ASSERT_TRUE(bridge_->WaitForLine(std::regex(R"(simulate: done; lingering)"), 120'000))
      << bridge_->output();
  const testing::SimulatorSummary sim = testing::ParseSimulatorSummary(bridge_->output());
  ASSERT_EQ(sim.queues.size(), 4u) << bridge_->output();

  // Each daemon has every contact of its queues once all of them are counted as offered and
  // settled the way the simulator settled them.
  for (const Daemon& d : daemons_) {
    WaitFor(
        d,
        [&](const Scrape& s) {
          for (const auto& [queue, c] : sim.queues) {
            if (!d.queues.empty() &&
                std::find(d.queues.begin(), d.queues.end(), queue) == d.queues.end())
              continue;
            const std::map<std::string, std::string> l{{"queue", queue}};
            if (s.Sum("callcenter_contacts_offered_total", l) != static_cast<double>(c[0]) ||
                s.Sum("callcenter_contacts_answered_total", l) != static_cast<double>(c[1]) ||
                s.Sum("callcenter_contacts_abandoned_total", l) != static_cast<double>(c[2]))
              return false;
          }
          return true;
        },
        "the simulator's counts");
  }
  // The daemons' event clocks must agree before windows and live gauges can be compared: the
  // heartbeats (every daemon subscribes to their topic) carry the last event's time to all.
  for (const Daemon& d : daemons_) {
    WaitFor(
        d,
        [&](const Scrape& s) {
          return s.Value("ccmond_event_clock_timestamp_seconds") ==
                 daemons_[0].Metrics().Value("ccmond_event_clock_timestamp_seconds");
        },
        "the same event clock as the whole");
  }
  const Scrape whole = daemons_[0].Metrics();

  // Per queue, the shard that owns it exports exactly the whole's series and values.
  std::map<std::string, std::string> owner;
  for (const Daemon& d : daemons_) {
    for (const auto& q : d.queues) owner[q] = d.name;
  }
  std::map<std::string, const testing::Sample*> whole_by_key;
  for (const auto& s : whole.samples()) {
    const std::string queue = LabelOf(s, "queue");
    if (owner.contains(queue)) whole_by_key[KeyOf(s)] = &s;
  }
  std::set<std::string> differing_families;
  std::set<std::string> foreign_families;  // Series a shard has for queues it does not own.
  int global_fcr_differences = 0;
  for (const Daemon& d : daemons_) {
    if (d.queues.empty()) continue;
    const Scrape shard = d.Metrics();
    std::size_t compared = 0;
    for (const auto& s : shard.samples()) {
      const std::string queue = LabelOf(s, "queue");
      if (queue.empty() || queue == "_other") continue;
      if (owner[queue] != d.name) {
        // A queue its agents serve: known from their AgentStateChanged queue lists, so it has
        // series, but no contact of it ever reached this shard.
        foreign_families.insert(s.name);
        if (s.name.starts_with("callcenter_contacts_")) {
          EXPECT_EQ(s.value, 0) << d.name << " counted contacts of " << queue << ": " << KeyOf(s);
        }
        continue;
      }
      auto it = whole_by_key.find(KeyOf(s));
      if (it == whole_by_key.end()) {
        ADD_FAILURE() << d.name << ": " << KeyOf(s) << " is not in the whole daemon";
        continue;
      }
      ++compared;
      // FCR's "global" scope is, by definition, "anywhere this daemon sees" (docs/metrics.md):
      // a shard cannot see a repeat that went to another shard's queue.
      if (LabelOf(s, "scope") == "global") {
        if (s.value != it->second->value) ++global_fcr_differences;
        continue;
      }
      if (s.value != it->second->value) differing_families.insert(s.name);
    }
    std::size_t expected = 0;
    for (const auto& [key, sample] : whole_by_key) {
      if (owner[LabelOf(*sample, "queue")] == d.name) ++expected;
    }
    EXPECT_EQ(compared, expected) << d.name << " lacks series the whole daemon has";
  }
  auto join = [](const std::set<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += n + " ";
    return out;
  };
  EXPECT_TRUE(differing_families.empty())
      << "families whose values differ between a shard and the whole: " << join(differing_families);
  std::cout << "families a shard exports for queues it does not own (from its agents' queue "
               "lists): "
            << join(foreign_families) << "\n"
            << "FCR samples of scope=\"global\" that differ from the whole (repeats across "
               "shards): "
            << global_fcr_differences << "\n";

  // The shards' contact counters sum to the whole's, and to the simulator's.
  for (const char* family :
       {"callcenter_contacts_offered_total", "callcenter_contacts_answered_total",
        "callcenter_contacts_abandoned_total", "callcenter_contacts_exited_total"}) {
    double shards = 0;
    for (const Daemon& d : daemons_) {
      if (!d.queues.empty()) shards += d.Metrics().Sum(family);
    }
    EXPECT_EQ(shards, whole.Sum(family)) << family;
  }
  double offered = 0;
  for (const auto& [queue, c] : sim.queues) offered += static_cast<double>(c[0]);
  EXPECT_EQ(whole.Sum("callcenter_contacts_offered_total"), offered);
  std::cout << "shards: " << sim.envelopes << " envelopes, " << offered
            << " contacts offered over 4 queues; " << whole_by_key.size()
            << " per-queue samples compared\n";
}

}  // namespace
}  // namespace ccmon
