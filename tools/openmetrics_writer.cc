#include "tools/openmetrics_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "daemon/export/text_format.h"

namespace ccmon::tools {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::string_view kTotal = "_total";

std::string EscapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// `name{labels...,extra_name="extra_value"}` (no braces when there are no labels).
std::string SeriesPrefix(const std::string& name, const ClientMetric& m,
                         std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out = name;
  if (m.label.empty() && extra_name.empty()) return out;
  out += '{';
  bool first = true;
  for (const auto& l : m.label) {
    if (!first) out += ',';
    first = false;
    out += l.name;
    out += "=\"";
    out += EscapeLabelValue(l.value);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += EscapeLabelValue(extra_value);
    out += '"';
  }
  out += '}';
  return out;
}

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Summary:
      return "summary";
    case MetricType::Untyped:
      return "unknown";
  }
  return "unknown";
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string OpenMetricsFamilyName(const MetricFamily& family) {
  if (family.type == MetricType::Counter && family.name.ends_with(kTotal)) {
    return family.name.substr(0, family.name.size() - kTotal.size());
  }
  return family.name;
}

void OpenMetricsWriter::AddPoint(Family& family, const std::string& prefix, UnixMs time,
                                 double value) {
  auto [it, inserted] = family.index.try_emplace(prefix, family.series.size());
  if (inserted) family.series.emplace_back(prefix, Series{});
  auto& points = family.series[it->second].second.points;
  // Two snapshots at the same instant: the later one wins (a series has one value per time).
  if (!points.empty() && points.back().first == time) {
    points.back().second = value;
    return;
  }
  points.emplace_back(time, value);
  ++samples_;
}

void OpenMetricsWriter::Add(const std::vector<MetricFamily>& families, UnixMs time) {
  for (const MetricFamily& f : families) {
    const std::string name = OpenMetricsFamilyName(f);
    auto [fit, inserted] = family_index_.try_emplace(name, families_.size());
    if (inserted) families_.emplace_back(name, Family{TypeName(f.type), f.help, {}, {}});
    Family& family = families_[fit->second].second;
    for (const ClientMetric& m : f.metric) {
      switch (f.type) {
        case MetricType::Counter:
          AddPoint(family, SeriesPrefix(name + std::string(kTotal), m), time, m.counter.value);
          break;
        case MetricType::Gauge:
          AddPoint(family, SeriesPrefix(name, m), time, m.gauge.value);
          break;
        case MetricType::Untyped:
          AddPoint(family, SeriesPrefix(name, m), time, m.untyped.value);
          break;
        case MetricType::Histogram: {
          bool has_inf = false;
          for (const auto& b : m.histogram.bucket) {
            has_inf = has_inf || std::isinf(b.upper_bound);
            AddPoint(family,
                     SeriesPrefix(name + "_bucket", m, "le", web::FormatDouble(b.upper_bound)),
                     time, static_cast<double>(b.cumulative_count));
          }
          if (!has_inf) {
            AddPoint(family, SeriesPrefix(name + "_bucket", m, "le", "+Inf"), time,
                     static_cast<double>(m.histogram.sample_count));
          }
          AddPoint(family, SeriesPrefix(name + "_count", m), time,
                   static_cast<double>(m.histogram.sample_count));
          AddPoint(family, SeriesPrefix(name + "_sum", m), time, m.histogram.sample_sum);
          break;
        }
        case MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            AddPoint(family, SeriesPrefix(name, m, "quantile", web::FormatDouble(q.quantile)), time,
                     q.value);
          }
          AddPoint(family, SeriesPrefix(name + "_count", m), time,
                   static_cast<double>(m.summary.sample_count));
          AddPoint(family, SeriesPrefix(name + "_sum", m), time, m.summary.sample_sum);
          break;
      }
    }
  }
}

std::string OpenMetricsWriter::Text() const {
  std::string out;
  char number[web::kMaxDoubleChars];
  for (const auto& [name, family] : families_) {
    if (family.series.empty()) continue;
    if (!family.help.empty()) out += fmt::format("# HELP {} {}\n", name, EscapeHelp(family.help));
    out += fmt::format("# TYPE {} {}\n", name, family.type);
    for (const auto& [prefix, series] : family.series) {
      for (const auto& [time, value] : series.points) {
        out += prefix;
        out += ' ';
        out.append(number, web::FormatDouble(value, number));
        // Unix seconds with milliseconds; negative times (before 1970) keep their sign.
        const UnixMs abs = time < 0 ? -time : time;
        out += fmt::format(" {}{}.{:03}\n", time < 0 ? "-" : "", abs / 1000, abs % 1000);
      }
    }
  }
  out += "# EOF\n";
  return out;
}

}  // namespace ccmon::tools
