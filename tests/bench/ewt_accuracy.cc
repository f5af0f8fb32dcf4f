// ewt_accuracy: how well three expected-wait methods predict the actual wait of answered contacts
// in simulator runs (the table in docs/benchmarks.md "Expected wait accuracy").
//
// The simulator's events go through the real wire encoding and decoder into the Lifecycle, whose
// facts feed the daemon's EwtCollector (the Erlang A model predictor, collectors/ewt_collector.h)
// and two baselines computed here on the same facts:
//   * Asterisk app_queue: the queue's hold time h ← (3h + x)/4 after each answered call with wait x
//     (apps/app_queue.c recalc_holdtime); every arrival is told h (app_queue's announcement adds
//     30 s and rounds to minutes; we score h itself, in seconds and without integer truncation).
//   * Genesys Engage Stat Server: EWT = AHT·CIQU/(AA·EP), AHT the same live estimate the daemon
//     uses (90 s before one exists), CIQU = contacts in queue including the newcomer − ready
//     agents (≥ 0), AA = agents staffed (available, reserved, on contact, wrap-up; 0.0001 if
//     none), EP = 1.
// Each method predicts at the contact's arrival; a contact is scored when it is answered, for all
// three methods, if the daemon's method made a prediction (it makes none before a handle time has
// been observed). Abandoned and exited contacts have no actual wait until an answer.
//
//   build-staff/bench/ewt_accuracy [--profile demo|load|<path>] [--hours H] [--seed S]
// Without --profile it runs demo (24 h, seeds S and S + 1) and load (1 h, seed S) and prints the
// markdown tables.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bridges/simulate/simulator.h"
#include "collectors/ewt_collector.h"
#include "common/publisher.h"
#include "daemon/ingest/envelope_decoder.h"
#include "daemon/state/lifecycle.h"

namespace {

using ccmon::UnixMs;
using ccmon::collectors::EwtCollector;
using ccmon::state::AgentState;
using ccmon::state::Fact;
using ccmon::state::FactType;

enum Method { kDaemon = 0, kAsterisk, kGenesys, kMethodCount };
constexpr const char* kMethodNames[kMethodCount] = {"ccmon (Erlang A model predictor)",
                                                    "Asterisk app_queue (EWMA hold time)",
                                                    "Genesys Engage (AHT·CIQU/AA)"};

struct Errors {
  std::vector<double> signed_s;
  void Add(double e) { signed_s.push_back(e); }
  double Mae() const {
    double s = 0;
    for (double e : signed_s) s += std::fabs(e);
    return signed_s.empty() ? 0 : s / static_cast<double>(signed_s.size());
  }
  double Bias() const {
    double s = 0;
    for (double e : signed_s) s += e;
    return signed_s.empty() ? 0 : s / static_cast<double>(signed_s.size());
  }
  double AbsQuantile(double q) const {
    std::vector<double> a;
    a.reserve(signed_s.size());
    for (double e : signed_s) a.push_back(std::fabs(e));
    if (a.empty()) return 0;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(a.size() - 1));
    std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
    return a[k];
  }
};

// Feeds facts to the daemon's EWT collector and computes the baselines on the same facts.
class Bench final : public ccmon::state::FactSink {
 public:
  explicit Bench(const ccmon::state::Model& model)
      : model_(model), ewt_(ccmon::collectors::CollectorOptions{}, model) {}

  void OnFact(const Fact& f) override {
    switch (f.type) {
      case FactType::kOffered:
        ewt_.OnFact(f);
        Predict(f);
        return;
      case FactType::kAnswered:
        Score(f);
        ewt_.OnFact(f);
        Holdtime(f.queue) = (3 * Holdtime(f.queue) + Sec(f.wait_ms)) / 4;
        return;
      case FactType::kAbandoned:
      case FactType::kExited:
      case FactType::kTransferredOut:
      case FactType::kEvicted:
        if (f.type != FactType::kTransferredOut || f.before_answer) {
          if (f.type != FactType::kEvicted || f.was_waiting) baselines_.erase(Key(f));
        }
        ewt_.OnFact(f);
        return;
      default:
        ewt_.OnFact(f);
        return;
    }
  }

  const Errors& errors(Method m) const { return errors_[m]; }
  // Errors by queue id and method.
  const std::vector<std::array<Errors, kMethodCount>>& per_queue() const { return per_queue_; }
  std::uint64_t answered() const { return answered_; }
  std::uint64_t unpredicted() const { return unpredicted_; }

 private:
  struct Baseline {
    float asterisk;
    float genesys;
  };
  static double Sec(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }
  static std::string Key(const Fact& f) {
    return std::to_string(f.source) + "/" + std::string(f.contact_id);
  }
  double& Holdtime(ccmon::state::QueueId q) {
    if (q >= holdtime_.size()) holdtime_.resize(q + 1, 0.0);
    return holdtime_[q];
  }

  void Predict(const Fact& f) {
    const auto& counts = model_.agents.CountsForQueue(f.queue);
    auto n = [&](AgentState s) { return static_cast<double>(counts[static_cast<std::size_t>(s)]); };
    const double ready = n(AgentState::kAvailable);
    const double active = n(AgentState::kAvailable) + n(AgentState::kReserved) +
                          n(AgentState::kOnContact) + n(AgentState::kAfterContactWork);
    // The Lifecycle has queued the newcomer already: CIQU counts it.
    const double in_queue = static_cast<double>(model_.contacts.WaitingCount(f.queue));
    const auto estimate = ewt_.estimator().At(f.queue, f.time_ms);
    const double aht = estimate.has_handle_time() ? estimate.handle_time_s : 90.0;
    const double ciqu = std::max(0.0, in_queue - ready);
    const double genesys = aht * ciqu / std::max(active, 0.0001);
    baselines_[Key(f)] =
        Baseline{static_cast<float>(Holdtime(f.queue)), static_cast<float>(genesys)};
  }

  void Score(const Fact& f) {
    ++answered_;
    const auto it = baselines_.find(Key(f));
    const std::optional<double> daemon = ewt_.PredictionFor(f.source, f.contact_id);
    if (it == baselines_.end()) return;
    const Baseline b = it->second;
    baselines_.erase(it);
    if (!daemon) {
      ++unpredicted_;
      return;
    }
    const double actual = Sec(f.wait_ms);
    const double predicted[kMethodCount] = {*daemon, static_cast<double>(b.asterisk),
                                            static_cast<double>(b.genesys)};
    if (f.queue >= per_queue_.size()) per_queue_.resize(f.queue + 1);
    for (int m = 0; m < kMethodCount; ++m) {
      errors_[m].Add(predicted[m] - actual);
      per_queue_[f.queue][m].Add(predicted[m] - actual);
    }
  }

  const ccmon::state::Model& model_;
  EwtCollector ewt_;
  std::unordered_map<std::string, Baseline> baselines_;
  std::vector<double> holdtime_;
  Errors errors_[kMethodCount];
  std::vector<std::array<Errors, kMethodCount>> per_queue_;
  std::uint64_t answered_ = 0;
  std::uint64_t unpredicted_ = 0;
};

struct RunResult {
  std::string profile;
  double hours = 0;
  std::uint64_t seed = 0;
  std::uint64_t answered = 0;
  std::uint64_t unpredicted = 0;
  Errors errors[kMethodCount];
  // MAE by queue (queues with at least 100 scored contacts; at most 8 listed).
  std::vector<std::pair<std::string, std::array<Errors, kMethodCount>>> queues;
};

RunResult RunProfile(const std::string& name, double hours, std::uint64_t seed) {
  const std::string path =
      name == "demo" || name == "load"
          ? std::string(CCMON_SOURCE_DIR) + "/config/simulator/" + name + ".yaml"
          : name;
  auto profile = ccmon::simulate::LoadProfile(path, 1'767'254'400'000);  // 2026-01-01T08:00Z
  if (!profile.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), profile.status().message().c_str());
    std::exit(2);
  }
  ccmon::simulate::Simulator sim(*profile, seed);
  ccmon::state::Model model(ccmon::state::QueueRegistryOptions{});
  Bench bench(model);
  ccmon::state::Lifecycle lifecycle(&model, &bench);
  ccmon::ingest::EnvelopeDecoder decoder;
  ccmon::CapturingSink sink("sim", 1);
  ccmon::ingest::DecodedEvent decoded;
  const UnixMs end = sim.start_time() + static_cast<UnixMs>(hours * 3600'000);
  for (UnixMs t = sim.start_time(); t < end;) {
    t = std::min(end, t + 60'000);
    if (!sim.RunUntil(t, sink).ok()) std::exit(1);
    for (const auto& m : sink.messages()) {
      ccmon::state::RejectReason reason;
      if (!decoder.Decode(m.topic, m.envelope.SerializeAsString(), &decoded, &reason)) continue;
      decoded.event.source = model.sources.Resolve(decoded.event.source_name);
      lifecycle.Apply(decoded.event);
    }
    sink.Clear();
  }
  RunResult r;
  r.profile = name;
  r.hours = hours;
  r.seed = seed;
  r.answered = bench.answered();
  r.unpredicted = bench.unpredicted();
  for (int m = 0; m < kMethodCount; ++m) r.errors[m] = bench.errors(static_cast<Method>(m));
  for (ccmon::state::QueueId q = 0; q < bench.per_queue().size() && r.queues.size() < 8; ++q) {
    if (bench.per_queue()[q][kDaemon].signed_s.size() < 100) continue;
    r.queues.emplace_back(std::string(model.queues.Name(q)), bench.per_queue()[q]);
  }
  return r;
}

void PrintTable(const std::vector<RunResult>& runs) {
  std::printf(
      "| run | method | scored | MAE (s) | bias (s) | median abs. error (s) | p90 abs. error (s) "
      "|\n"
      "|---|---|---:|---:|---:|---:|---:|\n");
  for (const RunResult& r : runs) {
    for (int m = 0; m < kMethodCount; ++m) {
      const Errors& e = r.errors[m];
      std::printf("| %s %gh seed %llu | %s | %zu | %.1f | %+.1f | %.1f | %.1f |\n",
                  r.profile.c_str(), r.hours, static_cast<unsigned long long>(r.seed),
                  kMethodNames[m], e.signed_s.size(), e.Mae(), e.Bias(), e.AbsQuantile(0.5),
                  e.AbsQuantile(0.9));
    }
  }
  std::printf("\nMAE / bias (s) by queue:\n\n| run | queue | scored |");
  for (int m = 0; m < kMethodCount; ++m) std::printf(" %s |", kMethodNames[m]);
  std::printf("\n|---|---|---:|---:|---:|---:|\n");
  for (const RunResult& r : runs) {
    for (const auto& [queue, errors] : r.queues) {
      std::printf("| %s seed %llu | %s | %zu |", r.profile.c_str(),
                  static_cast<unsigned long long>(r.seed), queue.c_str(),
                  errors[kDaemon].signed_s.size());
      for (int m = 0; m < kMethodCount; ++m) {
        std::printf(" %.1f / %+.1f |", errors[m].Mae(), errors[m].Bias());
      }
      std::printf("\n");
    }
  }
  std::printf("\n");
  for (const RunResult& r : runs) {
    std::printf("%s seed %llu: %llu answered, %llu without a daemon prediction\n",
                r.profile.c_str(), static_cast<unsigned long long>(r.seed),
                static_cast<unsigned long long>(r.answered),
                static_cast<unsigned long long>(r.unpredicted));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string profile;
  double hours = 0;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--profile") == 0) {
      profile = argv[i + 1];
    } else if (std::strcmp(argv[i], "--hours") == 0) {
      hours = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--seed") == 0) {
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: ewt_accuracy [--profile demo|load|<path>] [--hours H] [--seed S]\n");
      return 2;
    }
  }
  std::vector<RunResult> runs;
  if (profile.empty()) {
    runs.push_back(RunProfile("demo", hours > 0 ? hours : 24, seed));
    runs.push_back(RunProfile("demo", hours > 0 ? hours : 24, seed + 1));
    runs.push_back(RunProfile("load", hours > 0 ? hours : 1, seed));
  } else {
    runs.push_back(RunProfile(profile, hours > 0 ? hours : 24, seed));
  }
  PrintTable(runs);
  return 0;
}
