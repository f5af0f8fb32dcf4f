// `ccmon replay`: turns any bridge's historical input into a per-interval report (CSV or JSON
// Lines, one row per queue and interval) or into OpenMetrics for
// `promtool tsdb create-blocks-from openmetrics` (backfilling Prometheus).
//
//   ccmon replay --interval 15m --format csv --output day.csv --
//       simulate --profile config/simulator/demo.yaml --fast --duration 24h
//   ccmon replay --format openmetrics --output aug.om --config ccmond.yaml --
//       records --mapping config/bridges/technion-anonymous-bank.yaml --input august.csv
// (one command line each)
//
// How: ccmon binds a SUB socket on tcp://127.0.0.1 (a free port), starts `ccmon-bridge` (next to
// the ccmon binary, or --bridge PATH) with the arguments after `--` plus `--publish
// connect:<that endpoint> --wait-for-subscriber 60s`, decodes every message with the daemon's
// EnvelopeDecoder and applies it to an in-process app::Engine built from --config (the daemon's
// own code, so the numbers are what ccmond would export). Whenever the event clock crosses an
// interval boundary (intervals aligned to the Unix epoch, UTC), the interval is written: the
// report's rows from the difference of the engine's metrics at its two ends, or every sample of
// Engine::Collect() stamped with the boundary. The last interval is written at its boundary when
// the bridge has exited. The bridge must end by itself at the end of its input (records, jsonl
// with a file, asterisk-queue-log --once, simulate with --duration).
//
// Errors: the bridge exits non-zero → its last log lines and exit 1; envelopes lost between the
// bridge and ccmon (sequence gaps, or a tail the final heartbeat reveals) → exit 1 after writing.
// A progress line on stderr when stderr is a terminal; silent otherwise.
//
// Used by tools/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

namespace ccmon::tools {

struct ReplayOptions {
  std::string interval = "15m";  // --interval: report interval / OpenMetrics sample spacing.
  std::string format = "csv";    // --format: csv, json or openmetrics.
  std::string output = "-";      // --output: file, "-" = stdout.
  std::string config_path;       // --config: ccmond.yaml (queues, thresholds, sl_formula).
  std::string bridge_path;       // --bridge: ccmon-bridge binary ("" = next to ccmon).
  std::string bridge_log;        // --bridge-log: keep the bridge's output here ("" = discard).
  std::string wait_for_bridge = "60s";   // --wait-for-bridge: the bridge's --wait-for-subscriber.
  std::vector<std::string> bridge_args;  // After `--`: the bridge subcommand and its arguments.
};

// Adds the `replay` subcommand to `app`; parsed values land in *options, which must outlive the
// parse. Returns the subcommand.
CLI::App* AddReplayCommand(CLI::App& app, ReplayOptions* options);

// Runs the replay. Returns the exit code: 0 done, 1 the bridge failed, events were lost or the
// output could not be written, 2 bad options or configuration.
int RunReplay(const ReplayOptions& options, std::FILE* err = stderr);

}  // namespace ccmon::tools
