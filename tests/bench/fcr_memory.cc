// fcr_memory: memory per tracked caller of first-contact resolution (DESIGN §8: < 64 bytes per
// caller in the FCR windows) and the cost of its operations, measured on FcrTracker directly.
//
//   build/bench/fcr_memory [callers]        (default 1,000,000)
//
// 1. Fill: `callers` distinct callers, each with one handled contact still open (the state an
//    hour after a busy hour). Memory three ways: the tracker's own accounting (ring blocks +
//    caller index + contact index), the heap in use by malloc's count (mallinfo2: arena +
//    mmapped), and the process RSS — each as a difference before/after, divided by the callers.
//    Also at 0.75×, 1.25×, 1.5× and 2× the callers, since index growth makes the figure vary with
//    the count. Each size runs in a fresh child process.
// 2. Steady state: 8 simulated days at a constant rate chosen so that about `callers` contacts
//    are handled per 7 days, 20 % of them followed by a repeat call after an exponential delay
//    (mean 12 h), callers drawn from 50 million; the tracker is advanced every simulated minute.
//    Reports the peak of the memory per tracked caller and per held record, and ns per operation.
//
// 3. Scrape: time to render the FCR families of 1,000 queues.
//
// Prints a Markdown table (docs/benchmarks.md keeps the results). Single-threaded.
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "collectors/fcr_collector.h"
#include "collectors/fcr_key.h"
#include "collectors/fcr_tracker.h"

namespace ccmon::collectors {
namespace {

constexpr UnixMs kMinuteMs = 60'000;
constexpr UnixMs kHourMs = 60 * kMinuteMs;
constexpr UnixMs kDayMs = 24 * kHourMs;
constexpr UnixMs kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00Z.

std::size_t HeapInUse() {
  const struct mallinfo2 m = ::mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::size_t Rss() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Fill(std::size_t callers, bool headline) {
  ::malloc_trim(0);
  const std::size_t heap0 = HeapInUse();
  const std::size_t rss0 = Rss();
  auto tracker = std::make_unique<FcrTracker>(FcrOptions{});
  const double t0 = Now();
  for (std::size_t i = 0; i < callers; ++i) {
    // Contacts ending over one hour, in 100 queues.
    const UnixMs t = kStart + static_cast<UnixMs>(i * 3600'000 / callers);
    tracker->OnHandled(FcrMix64(i + 1), FcrMix64(i + (1ULL << 40)),
                       static_cast<state::QueueId>(i % 100), t);
  }
  const double seconds = Now() - t0;
  const std::size_t heap = HeapInUse() - heap0;
  const std::size_t rss = Rss() - rss0;
  const auto n = static_cast<double>(tracker->tracked_callers());
  const auto grow = static_cast<double>(tracker->record_bytes() + tracker->caller_index_bytes() +
                                        tracker->contact_index_bytes());
  std::printf("| %s%zu%s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f |\n",
              headline ? "**" : "", callers, headline ? "**" : "",
              static_cast<double>(tracker->record_bytes()) / n,
              static_cast<double>(tracker->caller_index_bytes()) / n,
              static_cast<double>(tracker->contact_index_bytes()) / n, grow / n,
              static_cast<double>(heap) / n, static_cast<double>(rss) / n, seconds * 1e9 / n);
}

struct Pending {
  UnixMs at;
  std::uint64_t caller;
  bool operator>(const Pending& o) const { return at > o.at; }
};

void SteadyState(std::size_t callers) {
  // Handled contacts per minute so that ~`callers` are handled per 7 days.
  const double per_minute = static_cast<double>(callers) / (7.0 * 24 * 60);
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> delay_h(1.0 / 12);
  std::uniform_real_distribution<double> u(0, 1);
  std::poisson_distribution<int> arrivals(per_minute / 1.2);  // Fresh; repeats add ~20 %.
  FcrTracker tracker{FcrOptions{}};
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> repeats;
  std::uint64_t next_contact = 1;
  std::uint64_t handled = 0;
  std::uint64_t contacts = 0;
  double peak_per_caller = 0;
  double peak_per_record = 0;
  std::size_t peak_callers = 0;
  std::size_t peak_records = 0;
  std::size_t peak_bytes = 0;
  const double t0 = Now();
  auto handle = [&](std::uint64_t caller, UnixMs t) {
    tracker.OnHandled(caller, FcrMix64(next_contact++ | (1ULL << 50)),
                      static_cast<state::QueueId>(caller % 100), t);
    ++handled;
    if (u(rng) < 0.2) {
      repeats.push(
          {t + std::max<UnixMs>(kMinuteMs, static_cast<UnixMs>(delay_h(rng) * kHourMs)), caller});
    }
  };
  for (UnixMs t = kStart; t < kStart + 8 * kDayMs; t += kMinuteMs) {
    const int fresh = arrivals(rng);
    for (int i = 0; i < fresh; ++i) {
      const std::uint64_t caller = FcrMix64(rng() % 50'000'000 + 1);
      tracker.OnContact(caller, static_cast<state::QueueId>(caller % 100), t);
      ++contacts;
      handle(caller, t + 3 * kMinuteMs);  // Handled (conversation ended) a few minutes later.
    }
    while (!repeats.empty() && repeats.top().at <= t) {
      const Pending p = repeats.top();
      repeats.pop();
      tracker.OnContact(p.caller, static_cast<state::QueueId>(p.caller % 100), p.at);
      ++contacts;
      handle(p.caller, p.at + 3 * kMinuteMs);
    }
    tracker.Advance(t);
    if (t >= kStart + 7 * kDayMs && tracker.tracked_callers() > 0) {
      const std::size_t bytes =
          tracker.record_bytes() + tracker.caller_index_bytes() + tracker.contact_index_bytes();
      const double per_caller =
          static_cast<double>(bytes) / static_cast<double>(tracker.tracked_callers());
      if (per_caller > peak_per_caller) {
        peak_per_caller = per_caller;
        peak_callers = tracker.tracked_callers();
        peak_records = tracker.tracked_contacts();
        peak_bytes = bytes;
      }
      peak_per_record =
          std::max(peak_per_record,
                   static_cast<double>(bytes) / static_cast<double>(tracker.tracked_contacts()));
    }
  }
  const double seconds = Now() - t0;
  std::printf(
      "\nSteady state, 8 simulated days, %" PRIu64 " handled contacts, %" PRIu64
      " contacts offered (20 %% repeats after Exp(12 h)), 7-day window:\n\n"
      "| tracked callers | held records | bytes (ring + indexes) | peak bytes / tracked caller | "
      "peak bytes / held record | ns per contact (offered + handled + advance) |\n"
      "|---|---|---|---|---|---|\n"
      "| %zu | %zu | %zu | %.1f | %.1f | %.0f |\n",
      handled, contacts, peak_callers, peak_records, peak_bytes, peak_per_caller, peak_per_record,
      seconds * 1e9 / static_cast<double>(contacts));
  std::printf(
      "\nSettled 24h/global: resolved %" PRIu64 ", repeat %" PRIu64 " (all queues)\n",
      [&] {
        std::uint64_t s = 0;
        for (state::QueueId q = 0; q < 100; ++q)
          s += tracker.settled(q, 0, FcrScope::kGlobal, FcrOutcome::kResolved);
        return s;
      }(),
      [&] {
        std::uint64_t s = 0;
        for (state::QueueId q = 0; q < 100; ++q)
          s += tracker.settled(q, 0, FcrScope::kGlobal, FcrOutcome::kRepeat);
        return s;
      }());
}

// Time to render the FCR families for 1,000 queues, each with settlements in every cell.
void Scrape() {
  state::QueueRegistryOptions options;
  options.max_queues = 2000;
  state::Model model(options);
  for (int q = 0; q < 1000; ++q) model.queues.Declare("q" + std::to_string(q), {});
  FcrCollector collector(CollectorOptions{}, model);
  FcrTracker* tracker = collector.mutable_tracker();
  for (std::uint64_t i = 0; i < 100'000; ++i) {
    const auto q = static_cast<state::QueueId>(i % 1000);
    tracker->OnHandled(FcrMix64(i + 1), FcrMix64(i + (1ULL << 40)), q, kStart);
    if (i % 3 == 0) tracker->OnContact(FcrMix64(i + 1), q, kStart + kHourMs);
  }
  tracker->Advance(kStart + 8 * kDayMs);
  const UnixMs now = kStart + 8 * kDayMs;
  constexpr int kRuns = 20;
  std::size_t series = 0;
  const double t0 = Now();
  for (int run = 0; run < kRuns; ++run) {
    std::vector<prometheus::MetricFamily> out;
    collector.Collect(CollectContext{model, now, now}, &out);
    series = 0;
    for (const auto& f : out) series += f.metric.size();
  }
  std::printf("\nScrape of the FCR families, 1,000 queues: %zu series, %.1f ms per scrape\n",
              series, (Now() - t0) * 1000 / kRuns);
}

}  // namespace
}  // namespace ccmon::collectors

int main(int argc, char** argv) {
  using ccmon::collectors::Fill;
  std::size_t callers = 1'000'000;
  if (argc > 1) callers = static_cast<std::size_t>(std::strtoull(argv[1], nullptr, 10));
  std::printf(
      "Open contacts of distinct callers (one each), bytes per tracked caller:\n\n"
      "| callers | ring | caller index | contact index | tracker total | heap (mallinfo2) | RSS | "
      "ns per OnHandled |\n"
      "|---|---|---|---|---|---|---|---|\n");
  // Each size in a fresh child process, so that RSS and the heap start clean.
  for (double f : {1.0, 0.75, 1.25, 1.5, 2.0}) {
    std::fflush(stdout);
    const pid_t pid = ::fork();
    if (pid == 0) {
      Fill(static_cast<std::size_t>(static_cast<double>(callers) * f), f == 1.0);
      std::fflush(stdout);
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  ccmon::collectors::SteadyState(callers);
  ccmon::collectors::Scrape();
  return 0;
}
