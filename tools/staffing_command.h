// `ccmon staffing`: the what-if staffing calculator. From an arrival rate (or contacts per
// interval), an average handle time, optionally a mean patience, a service-level target and
// optionally an agent count, it prints what Erlang C and (with a patience) Erlang A predict:
// P(wait), service level, ASA, abandon rate, occupancy, queue length, and the agents required for
// the target. The same engine as the daemon's staffing collector (common/erlang.h).
//
//   ccmon staffing --calls 100 --per 30m --aht 180s --agents 14 --target-time 20s
//   ccmon staffing --rate 0.0556 --aht 3m --patience 5m --target 0.8 --format json
//
// Without --agents the predictions are shown for the agents required. Durations are written as
// in the daemon's config ("250ms", "20s", "5m", "1h" or a plain number of seconds).
//
// Used by tools/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/status.h"

namespace ccmon::tools {

struct StaffingOptions {
  double rate_per_s = 0;             // --rate: arrivals per second (0 = not given).
  double calls = 0;                  // --calls: contacts per --per interval (0 = not given).
  std::string per;                   // --per: the interval of --calls.
  std::string aht;                   // --aht: average handle time (required).
  std::string patience;              // --patience: mean patience; empty = Erlang C only.
  std::int64_t agents = 0;           // --agents: 0 = show the agents required.
  std::string target_time = "20s";   // --target-time: T.
  double target = 0.8;               // --target: service-level target (0–1).
  std::string short_abandon = "5s";  // --short-abandon: for the "short abandons excluded" SL.
  // --sl-formula: how Erlang A's service level and agents required count abandons, by the
  // daemon's formula names (docs/metrics.md); "abandons_negative" is the textbook Erlang A SL.
  std::string sl_formula = "abandons_negative";
  std::string format = "text";  // --format: text or json.
};

// Adds the `staffing` subcommand to `app`; parsed values land in *options, which must outlive the
// parse. Returns the subcommand (test `*cmd` after parsing to know it was chosen).
CLI::App* AddStaffingCommand(CLI::App& app, StaffingOptions* options);

// The calculator's report for `options` (text or JSON, newline-terminated), or InvalidArgument
// naming the offending option.
Result<std::string> StaffingReport(const StaffingOptions& options);

// Prints the report to `out`, or the error to `err`. Returns the exit code: 0, or 2 for bad
// options.
int RunStaffing(const StaffingOptions& options, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace ccmon::tools
