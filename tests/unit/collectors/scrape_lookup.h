// Test helpers for the collectors' unit tests: scrape one collector (or a CollectorSet) and look
// up samples in the returned families by name and exact label set.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.h"

namespace ccmon::collectors::scrape_lookup {

using Labels = std::map<std::string, std::string>;

inline std::vector<prometheus::MetricFamily> Scrape(const Collector& collector,
                                                    const state::Model& model, UnixMs event_now,
                                                    UnixMs wall_now = 0) {
  std::vector<prometheus::MetricFamily> out;
  collector.Collect(CollectContext{model, event_now, wall_now}, &out);
  return out;
}

inline const prometheus::MetricFamily* FindFamily(
    const std::vector<prometheus::MetricFamily>& families, std::string_view name) {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The sample of family `name` whose labels are exactly `labels`, or nullptr.
inline const prometheus::ClientMetric* FindMetric(
    const std::vector<prometheus::MetricFamily>& families, std::string_view name,
    const Labels& labels) {
  const prometheus::MetricFamily* f = FindFamily(families, name);
  if (f == nullptr) return nullptr;
  for (const auto& m : f->metric) {
    Labels have;
    for (const auto& l : m.label) have[l.name] = l.value;
    if (have == labels) return &m;
  }
  return nullptr;
}

// The counter or gauge value of that sample, or nullopt when it is absent.
inline std::optional<double> Value(const std::vector<prometheus::MetricFamily>& families,
                                   std::string_view name, const Labels& labels = {}) {
  const prometheus::MetricFamily* f = FindFamily(families, name);
  const prometheus::ClientMetric* m = FindMetric(families, name, labels);
  if (f == nullptr || m == nullptr) return std::nullopt;
  switch (f->type) {
    case prometheus::MetricType::Counter:
      return m->counter.value;
    case prometheus::MetricType::Gauge:
      return m->gauge.value;
    case prometheus::MetricType::Untyped:
      return m->untyped.value;
    default:
      return std::nullopt;
  }
}

// Number of samples (series) in family `name`; 0 when absent.
inline std::size_t SeriesCount(const std::vector<prometheus::MetricFamily>& families,
                               std::string_view name) {
  const prometheus::MetricFamily* f = FindFamily(families, name);
  return f == nullptr ? 0 : f->metric.size();
}

// The Prometheus text exposition of the families.
inline std::string ToText(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace ccmon::collectors::scrape_lookup
