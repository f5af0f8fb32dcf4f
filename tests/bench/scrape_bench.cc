// scrape_bench: time and size of a /metrics scrape (DESIGN §8: 1,000 queues with every collector
// < 50 ms), split into its parts: collect (every collector renders its families), serialize
// (prometheus-cpp's TextSerializer, as before, and our writer, daemon/export/text_format.h), gzip
// (GzipEncoder at the daemon's level 1), and MetricsEndpoint::Handle() as a whole.
//
//   build/bench/scrape_bench [--queues 100,1000,10000] [--runs 9] [--minutes 30] [--seed 1]
//                            [--only-collect] [--write PREFIX]
//
// State: for each size, the simulator (config/simulator/load.yaml's queue and agent model, with
// `copies` = the number of queues, 120 calls an hour and 5 agents per queue: ~82 % occupancy, so
// contacts wait, abandon, exit, call back, transfer) runs `minutes` simulated minutes into the
// real Engine (daemon/app/engine.h) through the real wire encoding and decoder. Every queue has
// two service-level thresholds (20 s and 60 s), the rest is the daemon's default configuration.
// Then `runs` scrapes are timed; the table has the median and the range (min–max) of each part.
// --only-collect times nothing but Collect() (for callgrind); --write PREFIX keeps each size's
// exposition in PREFIX<queues>.prom. Single-threaded.
#include <prometheus/text_serializer.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/simulate/simulator.h"
#include "common/clock.h"
#include "common/publisher.h"
#include "daemon/app/engine.h"
#include "daemon/config/config.h"
#include "daemon/export/content_encoding.h"
#include "daemon/export/metrics_endpoint.h"
#include "daemon/export/text_format.h"
#include "daemon/ingest/envelope_decoder.h"
#include "daemon/ingest/subscriber.h"

namespace ccmon {
namespace {

struct Options {
  std::vector<int> queues{100, 1000, 10000};
  int runs = 9;
  int minutes = 30;
  std::uint64_t seed = 1;
  bool only_collect = false;
  std::string write_prefix;  // --write PREFIX: the text of each size to PREFIX<queues>.prom.
};

constexpr int kAgentsPerQueue = 5;
constexpr int kCallsPerHour = 120;

std::string Profile(int queues) {
  char yaml[4096];
  std::snprintf(yaml, sizeof(yaml), R"(
start: "2026-01-05T08:00:00Z"
tenant: bench
callers:
  population: 5000000
  anonymous_share: 0.03
repeat_callers:
  probability: 0.05
  probability_if_unresolved: 0.3
  mean_delay_hours: 2
  same_queue_share: 0.9
queues:
  - name: q
    copies: %d
    channel: voice
    arrivals_per_hour: %d
    service_time: {mean_s: 110, sd_s: 70}
    patience: {mean_s: 120}
    max_wait_s: 300
    capacity: 80
    key_press_exit: {probability: 0.01, mean_after_s: 60}
    hold: {probability: 0.1, mean_s: 30}
    after_contact_work: {mean_s: 10, sd_s: 5}
    transfer: {probability: 0.002, target: escalations}
    callback: {offer_after_s: 60, accept_probability: 0.2, mean_delay_s: 300}
    survey: {probability: 0.1}
    dispositions: {done: 8, follow_up: 2}
    segments:
      - {name: vip, share: 0.05, priority: 10}
  - name: escalations
    channel: voice
    arrivals_per_hour: 0
    service_time: {mean_s: 300, sd_s: 200}
    patience: none
    after_contact_work: {mean_s: 30, sd_s: 15}
    survey: {probability: 0.2}
agent_groups:
  - name: team
    copies: %d
    count: %d
    queues: [q]
    not_ready: {per_hour: 0.3, mean_s: 300, reasons: [break, coaching]}
    ring: {mean_s: 3, timeout_s: 15, no_answer_probability: 0.01}
  - name: tier2
    count: 10
    queues: [escalations]
    not_ready: {per_hour: 0.2, mean_s: 300, reasons: [break]}
)",
                queues, kCallsPerHour, queues, kAgentsPerQueue);
  return yaml;
}

double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};

Spread Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  const double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return Spread{median, v.front(), v.back()};
}

std::string Cell(const Spread& s) {
  char out[64];
  std::snprintf(out, sizeof(out), "%.1f (%.1f–%.1f)", s.median, s.min, s.max);
  return out;
}

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// One part of a scrape, timed on every run by the wall clock and by this thread's CPU time (the
// machine is shared: CPU time is what the part costs, wall time what a scraper waits).
struct Part {
  std::vector<double> wall_ms;
  std::vector<double> cpu_ms;

  template <typename F>
  void Time(F&& f) {
    const double wall = NowMs();
    const double cpu = ThreadCpuMs();
    f();
    cpu_ms.push_back(ThreadCpuMs() - cpu);
    wall_ms.push_back(NowMs() - wall);
  }
  std::string Wall() const { return Cell(Summarize(wall_ms)); }
  std::string Cpu() const { return Cell(Summarize(cpu_ms)); }
};

// The streambuf MetricsEndpoint used with TextSerializer: appends to a reused string.
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string* out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      out_->push_back(traits_type::to_char_type(c));
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string* out_;
};

// Sum of the values of the samples of `name` (no label filter) in `text`.
double SumOf(std::string_view text, std::string_view name) {
  double sum = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.substr(0, name.size()) != name) continue;
    if (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ') continue;
    const std::size_t space = line.rfind(' ');
    sum += std::strtod(std::string(line.substr(space + 1)).c_str(), nullptr);
  }
  return sum;
}

std::size_t Series(std::string_view text) {
  std::size_t n = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] != '#') ++n;
    const std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return n;
}

int Run(const Options& options, int queues) {
  const double setup_start = NowMs();
  auto profile = simulate::ParseProfile(Profile(queues), "scrape_bench", 0);
  if (!profile.ok()) {
    std::fprintf(stderr, "profile: %s\n", profile.status().message().c_str());
    return 1;
  }
  simulate::Simulator sim(*profile, options.seed);

  config::Config config;
  config.queue_options.max_queues = static_cast<std::size_t>(queues) + 16;
  config.queue_options.defaults.sl_thresholds_ms = {20'000, 60'000};
  config.max_agents = static_cast<std::size_t>(queues) * kAgentsPerQueue + 1000;
  ManualClock clock(sim.start_time());
  app::Engine engine(config, &clock);
  ingest::EnvelopeDecoder decoder;
  ingest::Batch batch;
  CapturingSink sink("sim", 1);

  std::uint64_t events = 0;
  std::uint64_t rejected = 0;
  const UnixMs end = sim.start_time() + static_cast<UnixMs>(options.minutes) * 60'000;
  for (UnixMs t = sim.start_time(); t < end;) {
    t = std::min(end, t + 10'000);
    if (Status s = sim.RunUntil(t, sink); !s.ok()) {
      std::fprintf(stderr, "simulator: %s\n", s.message().c_str());
      return 1;
    }
    batch.Clear();
    if (batch.events.size() < sink.messages().size()) batch.events.resize(sink.messages().size());
    std::string payload;
    for (const auto& m : sink.messages()) {
      state::RejectReason reason;
      payload.clear();
      m.envelope.SerializeToString(&payload);
      if (!decoder.Decode(m.topic, payload, &batch.events[batch.size], &reason)) {
        // Counted and dropped, as the daemon does; the first one is printed.
        if (rejected++ == 0) {
          std::printf("first rejected message: %s on %s (%zu bytes)\n",
                      std::string(state::RejectReasonName(reason)).c_str(), m.topic.c_str(),
                      payload.size());
        }
        continue;
      }
      ++batch.size;
      ++batch.messages;
    }
    events += batch.size;
    sink.Clear();
    clock.Set(t);
    engine.ApplyBatch(batch);
  }
  const double setup_ms = NowMs() - setup_start;

  Part collect;
  Part release;  // Destroying the families (in Handle() too, when the scrape ends).
  Part old_writer;
  Part new_writer;
  Part compress;
  Part handle;
  Part handle_gzip;
  std::string text;
  std::string old_text;
  std::string compressed;
  StringSink old_sink(&old_text);
  web::GzipEncoder gzip(1);
  web::MetricsEndpoint endpoint([&engine] { return engine.Collect(); });
  web::Request plain;
  plain.path = "/metrics";
  web::Request gzipped = plain;
  gzipped.headers.emplace_back("Accept-Encoding", "gzip");
  std::size_t families_count = 0;
  bool ok = true;

  for (int run = 0; run < options.runs; ++run) {
    std::vector<prometheus::MetricFamily> families;
    collect.Time([&] { families = engine.Collect(); });
    families_count = families.size();
    if (options.only_collect) {
      release.Time([&] { std::vector<prometheus::MetricFamily>().swap(families); });
      continue;
    }
    old_text.clear();
    old_writer.Time([&] {
      std::ostream out(&old_sink);
      prometheus::TextSerializer().Serialize(out, families);
    });
    text.clear();
    new_writer.Time([&] { web::AppendTextFormat(families, &text); });
    release.Time([&] { std::vector<prometheus::MetricFamily>().swap(families); });
    compress.Time([&] { ok = ok && gzip.Compress(text, &compressed).ok(); });
    web::Response identity;
    web::Response encoded;
    handle.Time([&] { identity = endpoint.Handle(plain); });
    handle_gzip.Time([&] { encoded = endpoint.Handle(gzipped); });
    if (!ok || identity.body.size() != text.size() || encoded.body.empty()) {
      std::fprintf(stderr, "gzip failed, or the endpoint answered %zu bytes, the writer %zu\n",
                   identity.body.size(), text.size());
      return 1;
    }
  }

  const std::size_t agents = static_cast<std::size_t>(queues) * kAgentsPerQueue + 10;
  std::printf(
      "\n%d queues, %d agents per queue (%zu agents), %d simulated minutes: %llu events "
      "applied (%llu rejected) in %.1f s\n",
      queues, kAgentsPerQueue, agents, options.minutes, static_cast<unsigned long long>(events),
      static_cast<unsigned long long>(rejected), setup_ms / 1000);
  std::printf("collect ms (median, min–max of %d): wall %s, cpu %s\n", options.runs,
              collect.Wall().c_str(), collect.Cpu().c_str());
  std::printf("release ms: wall %s, cpu %s\n", release.Wall().c_str(), release.Cpu().c_str());
  if (options.only_collect) return 0;
  const double waiting = SumOf(text, "callcenter_queue_contacts_waiting");
  std::printf(
      "%zu families, %zu series, waiting now %.0f, text %.2f MB (TextSerializer %.2f MB), "
      "gzip %.2f MB\n",
      families_count, Series(text), waiting, static_cast<double>(text.size()) / 1e6,
      static_cast<double>(old_text.size()) / 1e6, static_cast<double>(compressed.size()) / 1e6);
  for (const bool cpu : {false, true}) {
    auto cell = [cpu](const Part& p) { return cpu ? p.Cpu() : p.Wall(); };
    std::printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", queues, cpu ? "CPU" : "wall",
                cell(collect).c_str(), cell(release).c_str(), cell(old_writer).c_str(),
                cell(new_writer).c_str(), cell(compress).c_str(), cell(handle).c_str(),
                cell(handle_gzip).c_str());
  }
  std::fflush(stdout);
  if (!options.write_prefix.empty()) {
    const std::string path = options.write_prefix + std::to_string(queues) + ".prom";
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fwrite(text.data(), 1, text.size(), f);
      std::fclose(f);
    }
  }
  return 0;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--queues" && has_value) {
      o->queues.clear();
      std::string list = argv[++i];
      std::size_t pos = 0;
      while (pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        o->queues.push_back(std::atoi(list.substr(pos, comma - pos).c_str()));
        pos = comma + 1;
      }
    } else if (arg == "--runs" && has_value) {
      o->runs = std::atoi(argv[++i]);
    } else if (arg == "--minutes" && has_value) {
      o->minutes = std::atoi(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      o->seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--write" && has_value) {
      o->write_prefix = argv[++i];
    } else if (arg == "--only-collect") {
      o->only_collect = true;
    } else {
      return false;
    }
  }
  for (int q : o->queues) {
    if (q < 1) return false;
  }
  return o->runs >= 1 && o->minutes >= 1;
}

}  // namespace
}  // namespace ccmon

int main(int argc, char** argv) {
  ccmon::Options options;
  if (!ccmon::ParseArgs(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: scrape_bench [--queues 100,1000,10000] [--runs 9] [--minutes 30] "
                 "[--seed 1] [--only-collect] [--write PREFIX]\n");
    return 2;
  }
  std::printf(
      "| queues | clock | collect ms | free families ms | TextSerializer ms | new writer ms | "
      "gzip ms | Handle() ms | Handle() gzip ms |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  for (int queues : options.queues) {
    if (int rc = ccmon::Run(options, queues); rc != 0) return rc;
  }
  return 0;
}
