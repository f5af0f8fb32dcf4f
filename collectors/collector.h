// Collector: one metric group (DESIGN §4), in the sense of Prometheus client libraries and
// node_exporter. A collector consumes lifecycle facts as they happen and renders its metric
// families at scrape time, reading live state from the Model where it needs it.
//
// Threading: every method runs on the engine thread. Collect() must not mutate the collector's
// counters (it may update caches); it sees one consistent instant because the engine does not
// apply events during a scrape.
//
// To add a metric group: write <group>_collector.{h,cc}, add one line to all_collectors.cc, a
// unit test from hand-written facts, and its metrics to docs/metrics.md and the golden file.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/analytics_options.h"
#include "common/clock.h"
#include "daemon/state/fact.h"
#include "daemon/state/model.h"

namespace ccmon::collectors {

// The service-level ratio formula the daemon's own ratio uses (DESIGN §3; docs/metrics.md).
// A = answered within T, B = abandoned within T, S = short abandons within T, R = breached
// (crossed T while waiting). Exits within T are flow-outs and excluded from every formula.
enum class SlFormula {
  kShortAbandonsExcluded,  // A / (A + B − S + R)   (default; Genesys Engage ServiceFactor family)
  kAbandonsNegative,       // A / (A + B + R)       (Cisco type 2)
  kAbandonsIgnored,        // A / (A + R)           (Cisco type 1 in SL-event terms)
  kAbandonsPositive,       // (A + B) / (A + B + R) (Cisco type 3, Amazon "SL X")
};

struct CollectorOptions {
  SlFormula sl_formula = SlFormula::kShortAbandonsExcluded;
  // Contacts that will cross a threshold within this horizon count as "breaching soon".
  std::int64_t breach_horizon_ms = 10'000;
  // Extra wait-histogram bucket bounds in seconds; every SL threshold is added to these.
  std::vector<double> wait_buckets_s{1,  2,   5,   10,  15,  20,  30,   45,  60,
                                     90, 120, 180, 300, 600, 900, 1800, 3600};
  std::string version = "dev";  // For ccmond_build_info.

  WindowOptions windows;
  HandleTimeOptions handle_time;
  AgentOptions agents;
  FcrOptions fcr;
  StaffingOptions staffing;

  bool operator==(const CollectorOptions&) const = default;
};

struct CollectContext {
  const state::Model& model;
  UnixMs event_now_ms;  // The engine's event clock (latest ACD time seen): windows, waits.
  UnixMs wall_now_ms;   // The daemon's wall clock: source liveness.
};

class Collector {
 public:
  virtual ~Collector() = default;

  // Short name for logs and checkpoints ("queue_activity").
  virtual std::string_view Name() const = 0;

  // Consumes one fact. Must be cheap: no label lookups or allocation in the common case.
  virtual void OnFact(const state::Fact& fact) = 0;

  // False for collectors that render only live state read from the Model at scrape time; the
  // CollectorSet then leaves them out of the per-fact fan-out. Default: true.
  virtual bool ConsumesFacts() const { return true; }

  // The event clock moved to `now_ms` (monotonic). Windows roll here. Default: nothing.
  virtual void OnAdvance(UnixMs now_ms) { (void)now_ms; }

  // Appends this collector's metric families to *out.
  virtual void Collect(const CollectContext& ctx,
                       std::vector<prometheus::MetricFamily>* out) const = 0;
};

}  // namespace ccmon::collectors
