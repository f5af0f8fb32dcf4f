// CollectorSet: the explicit list, the fan-out of facts, and the whole scrape checked against the
// counting invariants (DESIGN §3) and against `promtool check metrics`, with facts produced by
// the real Lifecycle from a seeded synthetic event stream.
#include "collectors/all_collectors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "collectors/exposition.h"
#include "daemon/state/lifecycle.h"
#include "tests/testing/event_builder.h"
#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::FindFamily;
using scrape_lookup::FindMetric;
using scrape_lookup::Labels;
using scrape_lookup::ToText;
using scrape_lookup::Value;
using state::EventType;

constexpr UnixMs kBase = 1'700'000'000'000;

// A model, the collectors and the Lifecycle wired as the engine wires them, fed a seeded stream of
// contacts with every kind of outcome.
class Daemon {
 public:
  Daemon() : model_(state::QueueRegistryOptions{}), events_(0, kBase) {
    state::QueueSettings sales;
    sales.sl_thresholds_ms = {20'000, 60'000};
    model_.queues.Declare("sales", sales);
    state::QueueSettings support;
    support.sl_thresholds_ms = {500, 30'000};
    support.channel = state::Channel::kChat;
    model_.queues.Declare("support", support);
    source_ = model_.sources.Resolve("sim");
    set_ = std::make_unique<CollectorSet>(CollectorOptions{}, model_);
    lifecycle_ = std::make_unique<state::Lifecycle>(&model_, set_.get());
    events_ = testing::EventBuilder(source_, kBase);
  }

  // Generates `contacts` contacts arriving every ~3 s, applies them in time order, and ends with a
  // heartbeat at `end_s`.
  void Run(int contacts, double end_s, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<state::Event> stream;
    const char* queues[] = {"sales", "support"};
    for (const char* agent : {"ann", "bob", "cid"}) {
      stream.push_back(
          events_.Agent(0, agent, state::AgentState::kAvailable, {"sales", "support"}));
    }
    double t = 1;
    for (int i = 0; i < contacts; ++i) {
      t += 3 * u(rng);
      const std::string id = "c" + std::to_string(i);
      const std::string queue = queues[rng() % 2];
      const std::string other = queue == "sales" ? "support" : "sales";
      auto queued = events_.Queued(t, id, queue, "caller" + std::to_string(i % 50));
      queued.channel = queue == "sales" ? state::Channel::kVoice : state::Channel::kChat;
      queued.priority = static_cast<std::int32_t>(rng() % 5);
      stream.push_back(queued);
      const double fate = u(rng);
      if (fate < 0.4) {
        const double answer = t + 60 * u(rng);
        stream.push_back(events_.Answered(answer, id, queue, "ann"));
        stream.push_back(events_.Ended(answer + 30 + 170 * u(rng), id, queue));
      } else if (fate < 0.6) {
        stream.push_back(events_.Abandoned(t + 90 * u(rng), id, queue));
      } else if (fate < 0.7) {
        stream.push_back(
            events_.Exited(t + 120 * u(rng), id, queue,
                           rng() % 2 ? state::ExitReason::kTimeout : state::ExitReason::kCallback));
      } else if (fate < 0.8) {
        const double moved = t + 30 * u(rng);
        stream.push_back(events_.Transferred(moved, id, queue, other));
        auto requeued = events_.Queued(moved, id, other);
        requeued.transferred_from_queue = queue;
        stream.push_back(requeued);
        stream.push_back(events_.Answered(moved + 40 * u(rng), id, other, "bob"));
      }
      // Otherwise: still waiting at the end.
    }
    stream.push_back(events_.Heartbeat(end_s));
    std::stable_sort(
        stream.begin(), stream.end(),
        [](const state::Event& a, const state::Event& b) { return a.time_ms < b.time_ms; });
    for (const state::Event& e : stream) {
      lifecycle_->Apply(e);
      now_ = std::max(now_, e.time_ms);
      set_->OnAdvance(now_);
    }
    model_.sources.at(source_).last_heard_wall_ms = now_;
  }

  std::vector<prometheus::MetricFamily> Scrape() const {
    std::vector<prometheus::MetricFamily> out;
    set_->Collect(CollectContext{model_, now_, now_}, &out);
    return out;
  }

  const state::Model& model() const { return model_; }
  CollectorSet& set() { return *set_; }

 private:
  state::Model model_;
  state::SourceId source_ = state::kNoSource;
  testing::EventBuilder events_;
  std::unique_ptr<CollectorSet> set_;
  std::unique_ptr<state::Lifecycle> lifecycle_;
  UnixMs now_ = 0;
};

double Sum(const std::vector<prometheus::MetricFamily>& families, std::string_view name,
           const Labels& subset) {
  const prometheus::MetricFamily* f = FindFamily(families, name);
  if (f == nullptr) return 0;
  double sum = 0;
  for (const auto& m : f->metric) {
    bool match = true;
    for (const auto& wanted : subset) {
      const bool has = std::any_of(m.label.begin(), m.label.end(), [&](const auto& l) {
        return l.name == wanted.first && l.value == wanted.second;
      });
      match = match && has;
    }
    if (!match) continue;
    switch (f->type) {
      case prometheus::MetricType::Counter:
        sum += m.counter.value;
        break;
      case prometheus::MetricType::Gauge:
        sum += m.gauge.value;
        break;
      case prometheus::MetricType::Histogram:
        sum += static_cast<double>(m.histogram.sample_count);
        break;
      default:
        break;
    }
  }
  return sum;
}

TEST(CollectorSet, ListsEveryCollectorOnceInOrder) {
  state::Model model(state::QueueRegistryOptions{});
  CollectorSet set(CollectorOptions{}, model);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < set.size(); ++i) names.emplace_back(set.at(i).Name());
  EXPECT_EQ(names, (std::vector<std::string>{"queue_activity", "queue_live", "wait_time",
                                             "service_level", "windows", "handle_time", "agents",
                                             "agent_activity", "survey", "fcr", "staffing",
                                             "expected_wait", "ingest_health"}));
  EXPECT_NE(set.Find("service_level"), nullptr);
  EXPECT_EQ(set.Find("nope"), nullptr);
}

TEST(CollectorSet, FansEachFactOutToTheCollectorsThatConsumeFacts) {
  state::Model model(state::QueueRegistryOptions{});
  const state::QueueId sales = model.queues.Declare("sales", state::QueueSettings{});
  CollectorSet set(CollectorOptions{}, model);
  state::Fact answered;
  answered.type = state::FactType::kAnswered;
  answered.queue = sales;
  answered.time_ms = kBase + 5'000;
  answered.enqueue_ms = kBase;
  answered.wait_ms = 5'000;
  set.OnFact(answered);
  std::vector<prometheus::MetricFamily> families;
  set.Collect(CollectContext{model, kBase + 5'000, kBase}, &families);
  EXPECT_EQ(Value(families, "callcenter_contacts_answered_total",
                  {{"queue", "sales"}, {"channel", "voice"}}),
            1.0);
  EXPECT_EQ(Value(families, "callcenter_service_level_answered_within_total",
                  {{"queue", "sales"}, {"threshold", "20"}}),
            1.0);
  const auto* wait = FindMetric(families, "callcenter_contact_wait_seconds",
                                {{"queue", "sales"}, {"outcome", "answered"}});
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(wait->histogram.sample_count, 1u);
}

TEST(CollectorSet, EveryFamilyHasHelpAUniqueNameAndAtLeastOneSample) {
  Daemon daemon;
  daemon.Run(50, 400, 1);
  const auto families = daemon.Scrape();
  std::set<std::string> names;
  for (const auto& f : families) {
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_FALSE(f.metric.empty()) << f.name;
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate family " << f.name;
    const bool counter = f.type == prometheus::MetricType::Counter;
    const bool total = f.name.size() > 6 && f.name.ends_with("_total");
    EXPECT_EQ(counter, total) << f.name;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        EXPECT_NE(l.name, "contact") << f.name;
        EXPECT_NE(l.name, "caller") << f.name;
      }
    }
  }
}

TEST(CollectorSet, LifecycleFactsKeepOfferedEqualToOutcomesPlusWaiting) {
  Daemon daemon;
  daemon.Run(400, 1500, 7);
  const auto f = daemon.Scrape();
  for (const char* queue : {"sales", "support"}) {
    const Labels q = {{"queue", queue}};
    const double offered = Sum(f, "callcenter_contacts_offered_total", q);
    const double answered = Sum(f, "callcenter_contacts_answered_total", q);
    const double abandoned = Sum(f, "callcenter_contacts_abandoned_total", q);
    const double exited = Sum(f, "callcenter_contacts_exited_total", q);
    const double flow_out = Sum(f, "callcenter_contacts_transferred_out_total",
                                {{"queue", queue}, {"phase", "before_answer"}});
    const double evicted =
        Sum(f, "callcenter_contacts_evicted_total", {{"queue", queue}, {"phase", "waiting"}});
    const double waiting = Sum(f, "callcenter_queue_contacts_waiting", q);
    EXPECT_GT(offered, 50) << queue;
    EXPECT_GT(waiting, 0) << queue;
    EXPECT_GT(flow_out, 0) << queue;
    EXPECT_EQ(offered, answered + abandoned + exited + flow_out + evicted + waiting) << queue;
    EXPECT_EQ(
        Sum(f, "callcenter_callbacks_requested_total", q),
        Sum(f, "callcenter_contacts_exited_total", {{"queue", queue}, {"reason", "callback"}}));

    // Every outcome is observed once in the wait histogram.
    EXPECT_EQ(Sum(f, "callcenter_contact_wait_seconds", q),
              answered + abandoned + exited + flow_out)
        << queue;

    // One SL event per stay and threshold: at the outcome, or at the crossing for the contacts
    // that crossed — those still waiting are the ones past the threshold now.
    const state::QueueId id = daemon.model().queues.Find(queue);
    for (std::int64_t t : daemon.model().queues.Settings(id).sl_thresholds_ms) {
      const std::string threshold = ThresholdLabel(t);
      const Labels qt = {{"queue", queue}, {"threshold", threshold}};
      const double events = Sum(f, "callcenter_service_level_answered_within_total", qt) +
                            Sum(f, "callcenter_service_level_abandoned_within_total", qt) +
                            Sum(f, "callcenter_service_level_exited_within_total", qt) +
                            Sum(f, "callcenter_service_level_breached_total", qt);
      const double past = Sum(f, "callcenter_queue_contacts_past_threshold", qt);
      EXPECT_EQ(events, answered + abandoned + exited + flow_out + past)
          << queue << " threshold " << threshold;
      EXPECT_LE(Sum(f, "callcenter_service_level_short_abandoned_within_total", qt),
                Sum(f, "callcenter_service_level_abandoned_within_total", qt));
    }
  }
  EXPECT_EQ(Value(f, "ccmond_source_up", {{"source", "sim"}}), 1.0);
  EXPECT_EQ(Sum(f, "callcenter_agents", {}), 3.0);
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
int RunPromtool(const std::string& promtool, const std::string& text, std::string* output) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path in =
      dir / ("ccmon_collectors_" + std::to_string(::getpid()) + ".prom");
  {
    std::ofstream file(in);
    file << text;
  }
  const std::string command = promtool + " check metrics < " + in.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(in);
  return status;
}

TEST(CollectorSet, RenderedScrapePassesPromtoolCheckMetrics) {
  const char* env = std::getenv("PROMTOOL");
  const std::string promtool = env != nullptr ? env : "/usr/bin/promtool";
  if (!std::filesystem::exists(promtool)) {
    GTEST_SKIP() << "promtool not found at " << promtool << " (set PROMTOOL to run this check)";
  }
  Daemon daemon;
  daemon.Run(200, 900, 3);
  const std::string text = ToText(daemon.Scrape());
  std::string output;
  EXPECT_EQ(RunPromtool(promtool, text, &output), 0) << output << "\n--- scrape ---\n" << text;
  EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace ccmon::collectors
