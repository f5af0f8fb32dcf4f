// Exposition helpers shared by the collectors' Collect(): building prometheus::MetricFamily
// values and the label values the collectors have in common (thresholds in seconds).
//
// Scrape path only (allocation is fine here, never on the fact path). Pure functions.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccmon::collectors {

using LabelPairs = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Appends an empty family to *out and returns it. The reference is valid until *out grows.
prometheus::MetricFamily& AddFamily(std::vector<prometheus::MetricFamily>* out,
                                    std::string_view name, std::string_view help,
                                    prometheus::MetricType type);

// Appends a counter, gauge or untyped sample (by the family's type) with `labels` in the given
// order. Returns it so that callers can set more (e.g. histogram buckets).
prometheus::ClientMetric& AddSample(prometheus::MetricFamily* family, LabelPairs labels,
                                    double value);

// Threshold label value: milliseconds as seconds in decimal, without trailing zeros
// (20000 → "20", 500 → "0.5", 1250 → "1.25", 0 → "0").
std::string ThresholdLabel(std::int64_t ms);

// Milliseconds to seconds.
inline double Seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

}  // namespace ccmon::collectors
