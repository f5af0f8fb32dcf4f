// The Prometheus text exposition writer: renders prometheus-cpp metric families as the text
// format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/), the body of every
// /metrics answer.
//
// It replaces prometheus-cpp's TextSerializer, which writes through an ostream one token at a
// time (about 250 ms for a 1,000-queue scrape; docs/benchmarks.md "Scrape time and size"). The
// output has the same lines in the same order as TextSerializer's (HELP when the help text is not
// empty, TYPE, then each metric; histograms as _count, _sum, the buckets and a le="+Inf" bucket
// when the last bound is not +Inf; summaries as _count, _sum and one line per quantile; a
// timestamp only when it is not 0), with three deliberate differences:
//   * numbers are the shortest text that reads back as the same double (TextSerializer keeps 16
//     significant digits, which loses the 17th: 0.1 + 0.2 came out as 0.3 and the largest double
//     as a number that overflows to +Inf), laid out as printf's %.16g lays them out (plain
//     decimals for exponents -4 to 15, scientific otherwise). So a number TextSerializer wrote
//     with fewer than 16 significant digits (every integer below 10^15, 0.5, 0.025, 1e+16; every
//     default bucket bound, so those le series keep their identity) is written identically, and
//     one it wrote with 16 digits that read back exactly is the same double, never longer (a
//     bound of 74.743, which it wrote "74.74299999999999");
//   * NaN is written "NaN" as the format specifies (TextSerializer: "Nan");
//   * HELP text escapes backslash and line feed as the format requires (TextSerializer wrote them
//     raw, so a line feed in a help text broke the exposition).
// Metric and label names are written as given: checking them is the collectors' business.
//
// Pure functions; safe on any thread. The daemon calls them on the engine thread at scrape time.
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <string>
#include <vector>

namespace ccmon::web {

// The most characters FormatDouble writes ("-2.2250738585072014e-308" is 24).
inline constexpr std::size_t kMaxDoubleChars = 32;

// Writes `value` at `out`, which must have room for kMaxDoubleChars, and returns the end of what
// it wrote (no terminating NUL). "NaN", "+Inf", "-Inf"; integers of magnitude below 2^53 as
// integers ("-0" for negative zero); otherwise the shortest round-trip digits laid out as %.16g.
char* FormatDouble(double value, char* out);

// The same, as a string (tests, labels built by hand).
std::string FormatDouble(double value);

// Appends the text exposition of `families` to *out. *out's capacity is reused: a caller that
// clears and reuses the same string from one scrape to the next allocates only when the text
// outgrows every earlier one.
void AppendTextFormat(const std::vector<prometheus::MetricFamily>& families, std::string* out);

}  // namespace ccmon::web
