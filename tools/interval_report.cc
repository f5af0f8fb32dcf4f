#include "tools/interval_report.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>

#include "collectors/service_level_collector.h"
#include "daemon/export/text_format.h"
#include "tools/envelope_text.h"

namespace ccmon::tools {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

std::string LabelOf(const ClientMetric& m, std::string_view name) {
  for (const auto& l : m.label) {
    if (l.name == name) return l.value;
  }
  return "";
}

double ThresholdValue(const std::string& label) { return std::strtod(label.c_str(), nullptr); }

std::optional<double> Ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return num / den;
}

std::string Number(double v) { return web::FormatDouble(v); }

std::string Optional(const std::optional<double>& v, const char* absent) {
  return v ? web::FormatDouble(*v) : std::string(absent);
}

}  // namespace

UnixMs IntervalClock::Floor(UnixMs t, std::int64_t length_ms) {
  UnixMs q = t / length_ms;
  if (t % length_ms < 0) --q;
  return q * length_ms;
}

std::vector<UnixMs> IntervalClock::Advance(UnixMs t) {
  std::vector<UnixMs> closed;
  if (!open_end_) {
    open_end_ = Floor(t, length_ms_) + length_ms_;
    return closed;
  }
  if (t < *open_end_) return closed;
  const UnixMs new_start = Floor(t, length_ms_);
  const std::int64_t count = (new_start - *open_end_) / length_ms_ + 1;
  if (static_cast<std::uint64_t>(count) <= kMaxClosedAtOnce) {
    for (UnixMs end = *open_end_; end <= new_start; end += length_ms_) closed.push_back(end);
  } else {
    closed.push_back(*open_end_);
    closed.push_back(new_start);
  }
  open_end_ = new_start + length_ms_;
  return closed;
}

std::map<std::string, QueueTotals> ExtractQueueTotals(const std::vector<MetricFamily>& families) {
  std::map<std::string, QueueTotals> out;
  // Target threshold per queue, and the SL counters per (queue, threshold) until it is known.
  std::map<std::string, std::string> target;
  std::map<std::string, std::map<std::string, std::array<double, 5>>> sl;
  for (const MetricFamily& f : families) {
    const std::string& n = f.name;
    for (const ClientMetric& m : f.metric) {
      const std::string queue = LabelOf(m, "queue");
      if (queue.empty()) continue;
      const double counter = m.counter.value;
      QueueTotals& q = out[queue];
      if (n == "callcenter_contacts_offered_total") {
        q.offered += counter;
      } else if (n == "callcenter_contacts_answered_total") {
        q.answered += counter;
      } else if (n == "callcenter_contacts_abandoned_total") {
        q.abandoned += counter;
      } else if (n == "callcenter_contacts_short_abandoned_total") {
        q.short_abandoned += counter;
      } else if (n == "callcenter_contacts_exited_total") {
        q.exited += counter;
      } else if (n == "callcenter_contacts_transferred_out_total") {
        if (LabelOf(m, "phase") == "before_answer") q.transferred_out_before_answer += counter;
      } else if (n == "callcenter_callbacks_requested_total") {
        q.callbacks += counter;
      } else if (n == "callcenter_queue_contacts_waiting") {
        q.waiting += m.gauge.value;
      } else if (n == "callcenter_service_level_target_ratio") {
        target[queue] = LabelOf(m, "threshold");
      } else if (n == "callcenter_contact_wait_seconds") {
        const std::string outcome = LabelOf(m, "outcome");
        if (outcome == "answered") {
          q.wait_answered_sum += m.histogram.sample_sum;
          q.wait_answered_count += static_cast<double>(m.histogram.sample_count);
        } else if (outcome == "abandoned") {
          q.wait_abandoned_sum += m.histogram.sample_sum;
          q.wait_abandoned_count += static_cast<double>(m.histogram.sample_count);
        }
      } else if (n == "callcenter_contact_handle_seconds") {
        q.handle_sum += m.histogram.sample_sum;
        q.handle_count += static_cast<double>(m.histogram.sample_count);
      } else {
        static const std::array<std::string_view, 5> kParts = {
            "callcenter_service_level_answered_within_total",
            "callcenter_service_level_abandoned_within_total",
            "callcenter_service_level_short_abandoned_within_total",
            "callcenter_service_level_exited_within_total",
            "callcenter_service_level_breached_total"};
        for (std::size_t p = 0; p < kParts.size(); ++p) {
          if (n == kParts[p]) sl[queue][LabelOf(m, "threshold")][p] += counter;
        }
      }
    }
  }
  for (auto& [queue, thresholds] : sl) {
    if (thresholds.empty()) continue;
    std::string chosen;
    auto t = target.find(queue);
    if (t != target.end() && thresholds.contains(t->second)) {
      chosen = t->second;
    } else {
      for (const auto& [label, parts] : thresholds) {
        if (chosen.empty() || ThresholdValue(label) < ThresholdValue(chosen)) chosen = label;
      }
    }
    const auto& parts = thresholds.at(chosen);
    QueueTotals& q = out[queue];
    q.threshold = chosen;
    q.sl_answered_within = parts[0];
    q.sl_abandoned_within = parts[1];
    q.sl_short_abandoned_within = parts[2];
    q.sl_exited_within = parts[3];
    q.sl_breached = parts[4];
  }
  return out;
}

std::vector<IntervalRow> ComputeRows(UnixMs start, UnixMs end,
                                     const std::map<std::string, QueueTotals>& start_totals,
                                     const std::map<std::string, QueueTotals>& end_totals,
                                     collectors::SlFormula formula) {
  static const QueueTotals kZero;
  std::vector<IntervalRow> rows;
  for (const auto& [queue, e] : end_totals) {
    auto it = start_totals.find(queue);
    // SL counters restart when a queue's thresholds change: only subtract the same threshold's.
    const QueueTotals& s = it == start_totals.end() ? kZero : it->second;
    const bool same_threshold = s.threshold == e.threshold;
    IntervalRow r;
    r.start = start;
    r.end = end;
    r.queue = queue;
    r.offered = e.offered - s.offered;
    r.answered = e.answered - s.answered;
    r.abandoned = e.abandoned - s.abandoned;
    r.short_abandoned = e.short_abandoned - s.short_abandoned;
    r.exited = e.exited - s.exited;
    r.transferred_out = e.transferred_out_before_answer - s.transferred_out_before_answer;
    r.callbacks = e.callbacks - s.callbacks;
    r.threshold = e.threshold;
    r.answered_within = e.sl_answered_within - (same_threshold ? s.sl_answered_within : 0);
    r.abandoned_within = e.sl_abandoned_within - (same_threshold ? s.sl_abandoned_within : 0);
    r.short_abandoned_within =
        e.sl_short_abandoned_within - (same_threshold ? s.sl_short_abandoned_within : 0);
    r.exited_within = e.sl_exited_within - (same_threshold ? s.sl_exited_within : 0);
    r.breached = e.sl_breached - (same_threshold ? s.sl_breached : 0);
    double ratio = 0;
    if (!r.threshold.empty() &&
        collectors::ServiceLevelCollector::Ratio(
            formula, std::llround(r.answered_within), std::llround(r.abandoned_within),
            std::llround(r.short_abandoned_within), std::llround(r.breached), &ratio)) {
      r.service_level = ratio;
    }
    r.asa_seconds = Ratio(e.wait_answered_sum - s.wait_answered_sum,
                          e.wait_answered_count - s.wait_answered_count);
    r.abandon_wait_seconds = Ratio(e.wait_abandoned_sum - s.wait_abandoned_sum,
                                   e.wait_abandoned_count - s.wait_abandoned_count);
    r.aht_seconds = Ratio(e.handle_sum - s.handle_sum, e.handle_count - s.handle_count);
    r.abandon_rate = Ratio(r.abandoned, r.offered);
    r.waiting_at_end = e.waiting;
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string FormatIsoUtc(UnixMs t) {
  std::string s = FormatIsoUtcMs(t);
  if (t % 1000 == 0) s = s.substr(0, s.size() - 5) + "Z";
  return s;
}

std::string CsvField(std::string_view s) {
  bool quote = !s.empty() && (s.front() == ' ' || s.back() == ' ');
  for (char c : s) quote = quote || c == ',' || c == '"' || c == '\n' || c == '\r';
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\u{:04x}", c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then continuation bytes checked (overlong
    // forms and surrogates rejected), else one replacement character for the lead byte.
    std::size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    if (valid && len == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      valid = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (valid && len == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      valid = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out + "\"";
}

std::string CsvHeader() {
  return "interval_start,interval_end,queue,offered,answered,abandoned,short_abandoned,exited,"
         "transferred_out,callbacks,sl_threshold_seconds,answered_within,abandoned_within,"
         "short_abandoned_within,exited_within,breached,service_level,asa_seconds,"
         "abandon_wait_seconds,aht_seconds,abandon_rate,waiting_at_end\n";
}

std::string CsvLine(const IntervalRow& r) {
  return fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", FormatIsoUtc(r.start),
      FormatIsoUtc(r.end), CsvField(r.queue), Number(r.offered), Number(r.answered),
      Number(r.abandoned), Number(r.short_abandoned), Number(r.exited), Number(r.transferred_out),
      Number(r.callbacks), CsvField(r.threshold), Number(r.answered_within),
      Number(r.abandoned_within), Number(r.short_abandoned_within), Number(r.exited_within),
      Number(r.breached), Optional(r.service_level, ""), Optional(r.asa_seconds, ""),
      Optional(r.abandon_wait_seconds, ""), Optional(r.aht_seconds, ""),
      Optional(r.abandon_rate, ""), Number(r.waiting_at_end));
}

std::string JsonLine(const IntervalRow& r) {
  return fmt::format(
      "{{\"interval_start\":{},\"interval_end\":{},\"queue\":{},\"offered\":{},\"answered\":{},"
      "\"abandoned\":{},\"short_abandoned\":{},\"exited\":{},\"transferred_out\":{},"
      "\"callbacks\":{},\"sl_threshold_seconds\":{},\"answered_within\":{},"
      "\"abandoned_within\":{},\"short_abandoned_within\":{},\"exited_within\":{},"
      "\"breached\":{},\"service_level\":{},\"asa_seconds\":{},\"abandon_wait_seconds\":{},"
      "\"aht_seconds\":{},\"abandon_rate\":{},\"waiting_at_end\":{}}}\n",
      JsonString(FormatIsoUtc(r.start)), JsonString(FormatIsoUtc(r.end)), JsonString(r.queue),
      Number(r.offered), Number(r.answered), Number(r.abandoned), Number(r.short_abandoned),
      Number(r.exited), Number(r.transferred_out), Number(r.callbacks),
      r.threshold.empty() ? std::string("null") : Number(ThresholdValue(r.threshold)),
      Number(r.answered_within), Number(r.abandoned_within), Number(r.short_abandoned_within),
      Number(r.exited_within), Number(r.breached), Optional(r.service_level, "null"),
      Optional(r.asa_seconds, "null"), Optional(r.abandon_wait_seconds, "null"),
      Optional(r.aht_seconds, "null"), Optional(r.abandon_rate, "null"), Number(r.waiting_at_end));
}

}  // namespace ccmon::tools
