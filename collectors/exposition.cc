#include "collectors/exposition.h"

namespace ccmon::collectors {

prometheus::MetricFamily& AddFamily(std::vector<prometheus::MetricFamily>* out,
                                    std::string_view name, std::string_view help,
                                    prometheus::MetricType type) {
  prometheus::MetricFamily& family = out->emplace_back();
  family.name.assign(name);
  family.help.assign(help);
  family.type = type;
  return family;
}

prometheus::ClientMetric& AddSample(prometheus::MetricFamily* family, LabelPairs labels,
                                    double value) {
  prometheus::ClientMetric& metric = family->metric.emplace_back();
  metric.label.reserve(labels.size());
  for (const auto& [name, label_value] : labels) {
    metric.label.push_back({std::string(name), std::string(label_value)});
  }
  switch (family->type) {
    case prometheus::MetricType::Counter:
      metric.counter.value = value;
      break;
    case prometheus::MetricType::Gauge:
      metric.gauge.value = value;
      break;
    case prometheus::MetricType::Untyped:
      metric.untyped.value = value;
      break;
    case prometheus::MetricType::Summary:
    case prometheus::MetricType::Histogram:
      break;  // The caller fills the distribution.
  }
  return metric;
}

std::string ThresholdLabel(std::int64_t ms) {
  std::string out;
  if (ms < 0) {
    out.push_back('-');
    // Thresholds are never negative (the config rejects them); format the magnitude anyway.
    ms = -ms;
  }
  out += std::to_string(ms / 1000);
  std::int64_t frac = ms % 1000;
  if (frac != 0) {
    char digits[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                      static_cast<char>('0' + frac % 10), '\0'};
    int len = 3;
    while (digits[len - 1] == '0') --len;
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(len));
  }
  return out;
}

}  // namespace ccmon::collectors
