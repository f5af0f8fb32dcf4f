// `ccmon-bridge jsonl`: publishes canonical events given as Protobuf-JSON lines, one
// ccmon.v1.Envelope per line, from standard input or a file — for any platform without a bridge
// of its own, and for tests.
//
// Lines are published in input order (the producer's order; nothing is sorted). The bridge
// stamps source, source_epoch, seq and tenant itself (what a line says there is overwritten).
// A line that is not usable is counted by outcome (envelope_line.h) and skipped, never fatal; a
// line longer than --max-line-bytes is skipped without being buffered. Heartbeats go out every
// --heartbeat-interval even while the input is quiet; their time is the wall clock for standard
// input and the last event's time for a file, unless --heartbeat-time says otherwise. At the end
// of the input it sends a final heartbeat and logs, on their own lines,
//   jsonl: published <N> events and <H> heartbeats as source=<S> epoch=<E>
//   jsonl: input outcomes: <outcome>=<count> ...
//
// Used by bridges/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

#include "bridges/core/output.h"

namespace ccmon::jsonl {

struct JsonlOptions {
  std::string input_path = "-";         // "-" = standard input.
  std::size_t max_line_bytes = 65'536;  // Longer lines are skipped (line_too_long).
  bool ignore_unknown_fields = false;
  std::string heartbeat_time = "auto";  // auto, wall or last-event.
  bridges::OutputOptions output;
};

// Adds the `jsonl` subcommand to `app`; parsed values land in *options, which must outlive the
// parse. Returns the subcommand.
CLI::App* AddJsonlCommand(CLI::App& app, JsonlOptions* options);

// Publishes the lines until the end of the input or a stop request. Returns the process exit
// code: 0 done (skipped lines are counted, not fatal), 1 reading or publishing failed or no
// subscriber came, 2 bad options or input file.
int RunJsonl(const JsonlOptions& options);

}  // namespace ccmon::jsonl
