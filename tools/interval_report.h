// The per-interval report of `ccmon replay`: interval bucketing on the event clock, the per-queue
// rows computed from two metric snapshots of the daemon's engine (the start and the end of an
// interval), and their CSV and JSON Lines writers. The columns and their formulas over the
// metrics of docs/metrics.md are documented in docs/cli.md ("ccmon replay").
//
// Pure functions and plain values; single-threaded use.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "common/clock.h"

namespace ccmon::tools {

// Intervals of a fixed length aligned to the Unix epoch (so 15 min intervals start at :00, :15,
// :30, :45 UTC): [k·length, (k+1)·length). The first event opens its interval; an event at or
// after the open interval's end closes it and every interval up to its own.
class IntervalClock {
 public:
  // Intervals closed in one step beyond this are not listed one by one (a clock jump): only the
  // first and the last ones are, so a bogus far-future timestamp cannot make millions of rows.
  static constexpr std::size_t kMaxClosedAtOnce = 10'000;

  explicit IntervalClock(std::int64_t length_ms) : length_ms_(length_ms) {}

  // Moves the clock to an event at `t`. Returns the ends of the intervals this closes, in order
  // (empty while t stays in the open interval, and for times earlier than it: those belong to the
  // open interval).
  std::vector<UnixMs> Advance(UnixMs t);

  // End of the open interval; nullopt before the first event.
  std::optional<UnixMs> open_end() const { return open_end_; }
  std::int64_t length_ms() const { return length_ms_; }

  // The start of the interval holding `t` (floor to a multiple of length, negatives too).
  static UnixMs Floor(UnixMs t, std::int64_t length_ms);

 private:
  std::int64_t length_ms_;
  std::optional<UnixMs> open_end_;
};

// Cumulative values of one queue at one instant, read from the engine's metric families (all
// channels summed). SL values are at the queue's target threshold.
struct QueueTotals {
  double offered = 0, answered = 0, abandoned = 0, short_abandoned = 0, exited = 0;
  double transferred_out_before_answer = 0, callbacks = 0;
  std::string threshold;  // Label value of the SL threshold, e.g. "20"; "" when none.
  double sl_answered_within = 0, sl_abandoned_within = 0, sl_short_abandoned_within = 0;
  double sl_exited_within = 0, sl_breached = 0;
  double wait_answered_sum = 0, wait_answered_count = 0;
  double wait_abandoned_sum = 0, wait_abandoned_count = 0;
  double handle_sum = 0, handle_count = 0;
  double waiting = 0;  // Gauge: contacts waiting at the instant.
};

// Per queue (by label value) from a Collect() result. The SL threshold of a queue is the one of
// its callcenter_service_level_target_ratio series, else its smallest.
std::map<std::string, QueueTotals> ExtractQueueTotals(
    const std::vector<prometheus::MetricFamily>& families);

// One row of the report: what happened in a queue during [start, end).
struct IntervalRow {
  UnixMs start = 0;
  UnixMs end = 0;
  std::string queue;
  double offered = 0, answered = 0, abandoned = 0, short_abandoned = 0, exited = 0;
  double transferred_out = 0, callbacks = 0;
  std::string threshold;
  double answered_within = 0, abandoned_within = 0, short_abandoned_within = 0;
  double exited_within = 0, breached = 0;
  std::optional<double> service_level;  // By the configured formula; none when 0/0.
  std::optional<double> asa_seconds;
  std::optional<double> abandon_wait_seconds;
  std::optional<double> aht_seconds;
  std::optional<double> abandon_rate;
  double waiting_at_end = 0;
};

// The rows of the interval [start, end) from the totals at its start and its end: one per queue
// of `end_totals` (a queue missing from `start_totals` started at 0), in queue name order.
std::vector<IntervalRow> ComputeRows(UnixMs start, UnixMs end,
                                     const std::map<std::string, QueueTotals>& start_totals,
                                     const std::map<std::string, QueueTotals>& end_totals,
                                     collectors::SlFormula formula);

// The CSV header line (with "\n").
std::string CsvHeader();
// A row as one CSV line (RFC 4180: fields with , " CR LF or surrounding spaces quoted, quotes
// doubled; absent values empty), with "\n".
std::string CsvLine(const IntervalRow& row);
// A row as one JSON object on one line (absent values null), with "\n".
std::string JsonLine(const IntervalRow& row);

// RFC 4180 quoting of one field.
std::string CsvField(std::string_view s);
// A JSON string literal (quotes included): escapes ", \ and control characters; invalid UTF-8
// bytes become U+FFFD so the output is always valid JSON.
std::string JsonString(std::string_view s);

// "2026-11-25T08:15:00Z" (whole seconds) or with milliseconds when not whole.
std::string FormatIsoUtc(UnixMs t);

}  // namespace ccmon::tools
