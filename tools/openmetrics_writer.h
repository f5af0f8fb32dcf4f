// OpenMetricsWriter: collects metric snapshots taken at several instants and writes them as one
// OpenMetrics text exposition with timestamps (https://openmetrics.io), the input of
// `promtool tsdb create-blocks-from openmetrics`. Used by `ccmon replay --format openmetrics`.
//
// OpenMetrics wants every family's samples together and each series' samples in time order, so
// the writer buffers everything and writes at the end: per family `# HELP`, `# TYPE` (counters
// named without `_total`, their samples with it), then each series with all its samples, then
// `# EOF`. Timestamps are Unix seconds with milliseconds. Label values are escaped (\\, \", \n);
// numbers are written as the daemon's /metrics writes them (daemon/export/text_format.h), so
// `le` and `threshold` label values are the same strings Prometheus gets from a scrape.
//
// Single-threaded.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"

namespace ccmon::tools {

class OpenMetricsWriter {
 public:
  // Adds every sample of `families` at `time`. Times must not decrease from one call to the next.
  void Add(const std::vector<prometheus::MetricFamily>& families, UnixMs time);

  // The whole exposition, ending in "# EOF\n".
  std::string Text() const;

  std::uint64_t samples() const { return samples_; }

 private:
  struct Series {
    std::vector<std::pair<UnixMs, double>> points;
  };
  struct Family {
    std::string type;  // counter, gauge, histogram, summary, unknown.
    std::string help;
    // Sample line prefix (name and labels, e.g. `x_total{queue="a"}`) → points; in first-seen
    // order through `order`.
    std::map<std::string, std::size_t> index;
    std::vector<std::pair<std::string, Series>> series;
  };

  void AddPoint(Family& family, const std::string& prefix, UnixMs time, double value);

  std::map<std::string, std::size_t> family_index_;
  std::vector<std::pair<std::string, Family>> families_;  // By OpenMetrics family name.
  std::uint64_t samples_ = 0;
};

// `value` escaped for an OpenMetrics label value (\\, \", \n), without quotes.
std::string EscapeLabelValue(std::string_view value);

// The metric name a family's TYPE line uses (a counter's name without `_total`).
std::string OpenMetricsFamilyName(const prometheus::MetricFamily& family);

}  // namespace ccmon::tools
