// First-contact resolution end to end: the simulator, with a profile whose repeat-caller
// behaviour is known, drives the daemon's engine (real wire encoding, real decoder, batches as
// ingest hands them over, so the collectors' clock advances as in production), and the measured
// FCR matches what the profile implies.
//
// The profile: two queues, each its own queue group, 200 fresh contacts per hour each, callers
// who never abandon, enough agents, no after-contact work (the simulator times repeat calls from
// the wrap-up end; the daemon times the window from the conversation end: the two coincide), no
// dispositions and no surveys. The caller of every handled contact calls again with probability
// p = 0.2 after max(60 s, Exp(mean μ = 12 h)), into the same queue with probability s = 0.5, else
// into the other queue. Every call of a repeat chain is handled and may repeat in turn.
//
// Predictions for a window W:
//   global: a handled contact is a repeat iff its caller's next call comes within W:
//           FCR = 1 − p·(1 − e^(−W/μ)).
//   group:  the next call *into the same queue* must come within W; it may be the k-th call
//           after, with calls 1 … k−1 in the other queue: probability p^k·(1−s)²·s^(k−2) for
//           k ≥ 2 (p·s for k = 1) times P(sum of k delays ≤ W), an Erlang(k, μ) distribution
//           (each intermediate call also takes ≈ 125 s to be handled; included as a shift).
//   Callers are drawn from 10 million: another fresh call by the same caller within W has
//   probability λ·W / 10⁷ (≤ 0.003), applied as a factor (1 − λW/N).
// Measurement: settled counters are read at two instants T1 < T2, so every count comes from the
// stationary regime (after two days of warm-up, when repeat chains have built up, plus W for the
// contacts that settle at T1 to have been handled in it). The estimate is Δresolved / Δsettled.
// Each handled contact's outcome is an independent Bernoulli draw, so the estimate's standard
// deviation is √(F(1−F)/n) for n settled contacts; the tolerance is 4 standard deviations plus
// 0.002 for the approximations above (coincidences, the 60 s floor, service times, the edges of
// the stationary regime). With the fixed seed the run is deterministic.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bridges/simulate/simulator.h"
#include "common/publisher.h"
#include "daemon/app/engine.h"
#include "daemon/ingest/envelope_decoder.h"
#include "daemon/ingest/subscriber.h"
#include "tests/testing/scrape.h"

namespace ccmon {
namespace {

constexpr UnixMs kHourMs = 3600'000;
constexpr UnixMs kDayMs = 24 * kHourMs;
constexpr double kP = 0.2;                      // repeat_callers.probability
constexpr double kMeanDelayH = 12;              // repeat_callers.mean_delay_hours
constexpr double kSameQueue = 0.5;              // repeat_callers.same_queue_share
constexpr double kFreshPerHour = 200;           // per queue
constexpr double kPopulation = 1e7;             // callers.population
constexpr double kHandleShiftH = 125.0 / 3600;  // ring + talk of an intermediate call

constexpr char kProfile[] = R"(
start: 2026-01-05T00:00:00Z
callers: {population: 10000000}
repeat_callers: {probability: 0.2, mean_delay_hours: 12, same_queue_share: 0.5}
queues:
  - name: orders
    arrivals_per_hour: 200
    service_time: {mean_s: 120, sd_s: 60}
    after_contact_work: {mean_s: 0}
    resolution: {probability: 1, stated_share: 0}
  - name: returns
    arrivals_per_hour: 200
    service_time: {mean_s: 120, sd_s: 60}
    after_contact_work: {mean_s: 0}
    resolution: {probability: 1, stated_share: 0}
agent_groups:
  - name: team
    count: 32
    queues: [orders, returns]
)";

// Second profile: the verdicts of dispositions and surveys. One queue records a resolution flag on
// every wrap-up, the other sends a survey (with the caller's own verdict) after every contact;
// 70 % of contacts are really resolved. Callers of resolved contacts call again with probability
// 0.1, of unresolved ones with 0.5, always into the same queue.
constexpr char kVerdictProfile[] = R"(
start: 2026-01-05T00:00:00Z
callers: {population: 10000000}
repeat_callers: {probability: 0.1, probability_if_unresolved: 0.5, mean_delay_hours: 12,
                 same_queue_share: 1}
queues:
  - name: dispositions
    arrivals_per_hour: 200
    service_time: {mean_s: 120, sd_s: 60}
    after_contact_work: {mean_s: 0}
    resolution: {probability: 0.7, stated_share: 1}
  - name: surveys
    arrivals_per_hour: 200
    service_time: {mean_s: 120, sd_s: 60}
    after_contact_work: {mean_s: 0}
    resolution: {probability: 0.7, stated_share: 0}
    survey: {probability: 1}
agent_groups:
  - name: team
    count: 32
    queues: [dispositions, surveys]
)";

// P(Erlang(k, mean) ≤ x).
double ErlangCdf(int k, double mean, double x) {
  if (x <= 0) return 0;
  const double y = x / mean;
  double term = 1;
  double sum = 0;
  for (int i = 0; i < k; ++i) {
    sum += term;
    term *= y / (i + 1);
  }
  return 1 - std::exp(-y) * sum;
}

double PredictedGlobal(double w_hours) {
  const double coincidence = 2 * kFreshPerHour * w_hours / kPopulation;
  return (1 - kP * (1 - std::exp(-w_hours / kMeanDelayH))) * (1 - coincidence);
}

double PredictedGroup(double w_hours) {
  double repeat = kP * kSameQueue * ErlangCdf(1, kMeanDelayH, w_hours);
  for (int k = 2; k <= 12; ++k) {
    repeat += std::pow(kP, k) * (1 - kSameQueue) * (1 - kSameQueue) * std::pow(kSameQueue, k - 2) *
              ErlangCdf(k, kMeanDelayH, w_hours - (k - 1) * kHandleShiftH);
  }
  const double coincidence = kFreshPerHour * w_hours / kPopulation;
  return (1 - repeat) * (1 - coincidence);
}

class Harness {
 public:
  Harness() : engine_(config::Config{}, &clock_) {}

  // Decodes everything captured into one batch and applies it as ingest would.
  void Drain(CapturingSink& sink) {
    batch_.Clear();
    if (batch_.events.size() < sink.messages().size()) batch_.events.resize(sink.messages().size());
    for (const auto& m : sink.messages()) {
      state::RejectReason reason;
      const std::string payload = m.envelope.SerializeAsString();
      ASSERT_TRUE(decoder_.Decode(m.topic, payload, &batch_.events[batch_.size], &reason))
          << state::RejectReasonName(reason);
      ++batch_.size;
      ++batch_.messages;
    }
    sink.Clear();
    engine_.ApplyBatch(batch_);
  }

  testing::Scrape Scrape() const {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, engine_.Collect());
    return testing::Scrape(out.str());
  }

 private:
  ManualClock clock_{0};
  app::Engine engine_;
  ingest::EnvelopeDecoder decoder_;
  ingest::Batch batch_;
};

struct Settled {
  double resolved = 0;
  double repeat = 0;
  double unresolved = 0;
  double total() const { return resolved + repeat + unresolved; }
};

Settled Read(const testing::Scrape& s, const std::string& window, const std::string& scope) {
  auto sum = [&](const char* outcome) {
    return s.Sum("callcenter_fcr_settled_total",
                 {{"window", window}, {"scope", scope}, {"outcome", outcome}});
  };
  return Settled{sum("resolved"), sum("repeat"), sum("unresolved")};
}

// Checks Δresolved / Δsettled between two scrapes against `predicted`.
void ExpectFcr(const testing::Scrape& at_t1, const testing::Scrape& at_t2,
               const std::string& window, const std::string& scope, double predicted) {
  const Settled a = Read(at_t1, window, scope);
  const Settled b = Read(at_t2, window, scope);
  const double n = b.total() - a.total();
  const double measured = (b.resolved - a.resolved) / n;
  const double sigma = std::sqrt(predicted * (1 - predicted) / n);
  const double tolerance = 4 * sigma + 0.002;
  std::cout << "FCR window=" << window << " scope=" << scope << ": measured " << measured
            << " over " << n << " settled contacts, predicted " << predicted << ", tolerance ±"
            << tolerance << " (σ = " << sigma << ")\n";
  EXPECT_GT(n, 20'000) << window << " " << scope;
  EXPECT_EQ(b.unresolved - a.unresolved, 0) << "no disposition or survey says 'not resolved'";
  EXPECT_NEAR(measured, predicted, tolerance) << window << " " << scope;
}

// Runs the simulator with `yaml` until `days` days after its start, feeding the engine in
// batches of 10 simulated minutes; returns a scrape at each of `at_days` and at the end.
std::vector<testing::Scrape> RunSimulation(const char* yaml, std::uint64_t seed, int days,
                                           const std::vector<int>& at_days,
                                           simulate::SimulatorStats* stats) {
  std::vector<testing::Scrape> scrapes;
  auto profile = simulate::ParseProfile(yaml, "fcr-test", 0);
  EXPECT_TRUE(profile.ok()) << profile.status().message();
  if (!profile.ok()) return scrapes;
  simulate::Simulator sim(*profile, seed);
  Harness h;
  CapturingSink sink("sim", 1);
  const UnixMs start = sim.start_time();
  constexpr UnixMs kStep = 10 * 60'000;
  for (UnixMs t = start + kStep; t <= start + days * kDayMs; t += kStep) {
    EXPECT_TRUE(sim.RunUntil(t, sink).ok());
    h.Drain(sink);
    if (::testing::Test::HasFailure()) return scrapes;
    for (int d : at_days) {
      if (t == start + d * kDayMs) scrapes.push_back(h.Scrape());
    }
  }
  scrapes.push_back(h.Scrape());
  *stats = sim.stats();
  std::cout << "simulated " << days << " days: " << stats->total.offered << " offered, "
            << stats->total.answered << " answered, " << stats->total.repeat_contacts
            << " repeat calls, " << stats->envelopes << " envelopes\n";
  return scrapes;
}

TEST(FcrThroughDaemon, MeasuredFirstContactResolutionMatchesTheSimulatedRepeatProbability) {
  // Stationary after 2 days; a window's counts are read from W later on.
  simulate::SimulatorStats stats;
  const auto scrapes = RunSimulation(kProfile, 20260105, 9, {3, 5}, &stats);
  ASSERT_EQ(scrapes.size(), 3u);
  const testing::Scrape& at_t1_24h = scrapes[0];
  const testing::Scrape& at_t1_72h = scrapes[1];
  const testing::Scrape& at_t2 = scrapes[2];
  const auto& st = stats.total;
  EXPECT_EQ(st.abandoned + st.exited(), 0u) << "every contact is handled";

  ExpectFcr(at_t1_24h, at_t2, "24h", "global", PredictedGlobal(24));
  ExpectFcr(at_t1_24h, at_t2, "24h", "group", PredictedGroup(24));
  ExpectFcr(at_t1_72h, at_t2, "72h", "global", PredictedGlobal(72));
  ExpectFcr(at_t1_72h, at_t2, "72h", "group", PredictedGroup(72));

  // The daemon's own ratio: contacts settled in the trailing 24 h (n ≈ 12,000).
  for (const char* queue : {"orders", "returns"}) {
    const double ratio = at_t2.Value("callcenter_fcr_ratio",
                                     {{"queue", queue}, {"window", "24h"}, {"scope", "global"}});
    const double predicted = PredictedGlobal(24);
    const double tolerance = 4 * std::sqrt(predicted * (1 - predicted) / 6'000) + 0.002;
    std::cout << "callcenter_fcr_ratio{queue=" << queue << ",window=24h,scope=global} = " << ratio
              << " (predicted " << predicted << " ± " << tolerance << ")\n";
    EXPECT_NEAR(ratio, predicted, tolerance) << queue;
  }

  // Every simulated repeat call is its caller's next call after a handled contact, within 7 days
  // but for a fraction e^(−14): the daemon counts each as a repeat contact (7d, global), plus the
  // fresh calls that happen to come from a caller handled in the last 7 days (about
  // 400/h · 168 h / 10⁷ = 0.7 % of handled contacts, i.e. up to 3.5 % of the repeat calls).
  const auto sim_repeats = static_cast<double>(st.repeat_contacts);
  const double daemon_repeats =
      at_t2.Sum("callcenter_fcr_repeat_contacts_total", {{"window", "7d"}, {"scope", "global"}});
  std::cout << "repeat contacts: daemon " << daemon_repeats << ", simulator " << sim_repeats
            << "\n";
  EXPECT_GE(daemon_repeats, sim_repeats * 0.999);
  EXPECT_LE(daemon_repeats, sim_repeats * 1.04);
  EXPECT_EQ(at_t2.Sum("ccmond_fcr_contacts_dropped_total"), 0);
}

TEST(FcrThroughDaemon, DispositionsAndSurveysSayingNotResolvedSettleAsUnresolved) {
  // Per queue, a handled contact is unresolved (verdict at once) with probability 0.3; else a
  // repeat with probability 0.7 · 0.1 · (1 − e^(−2)), else resolved.
  simulate::SimulatorStats stats;
  const auto scrapes = RunSimulation(kVerdictProfile, 7, 5, {3}, &stats);
  ASSERT_EQ(scrapes.size(), 2u);
  const double coincidence = kFreshPerHour * 24 / kPopulation;
  const double unresolved = 0.3;
  const double repeat = 0.7 * (0.1 * (1 - std::exp(-24 / kMeanDelayH)) +
                               (1 - 0.1 * (1 - std::exp(-24 / kMeanDelayH))) * coincidence);
  const double resolved = 1 - unresolved - repeat;
  for (const char* queue : {"dispositions", "surveys"}) {
    auto delta = [&](const char* outcome) {
      const std::map<std::string, std::string> labels{
          {"queue", queue}, {"window", "24h"}, {"scope", "global"}, {"outcome", outcome}};
      return scrapes[1].Sum("callcenter_fcr_settled_total", labels) -
             scrapes[0].Sum("callcenter_fcr_settled_total", labels);
    };
    const double n = delta("resolved") + delta("repeat") + delta("unresolved");
    EXPECT_GT(n, 8'000) << queue;
    for (const auto& [outcome, predicted] :
         {std::pair{"resolved", resolved}, {"repeat", repeat}, {"unresolved", unresolved}}) {
      const double measured = delta(outcome) / n;
      const double tolerance = 4 * std::sqrt(predicted * (1 - predicted) / n) + 0.002;
      std::cout << queue << " " << outcome << ": measured " << measured << " of " << n
                << ", predicted " << predicted << " ± " << tolerance << "\n";
      EXPECT_NEAR(measured, predicted, tolerance) << queue << " " << outcome;
    }
  }
}

}  // namespace
}  // namespace ccmon
