// `ccmon-bridge records`: replays a per-contact CSV export (CDR/CTR style) as lifecycle events.
//
// Reads the whole file through a column mapping (mapping.h; docs/bridges/records.md), turns
// every record into its contact's events, sorts the events of the whole file by time, and
// publishes them as fast as the publisher takes them, with heartbeats stamped with the last
// event's time (HeartbeatTime::kLastEvent: a replay must not move the daemon's clock to today).
// At the end it sends a final heartbeat and logs, on their own lines,
//   records: published <N> events and <H> heartbeats as source=<S> epoch=<E>
//   records: input outcomes: <outcome>=<count> ...
// (every record ends in exactly one outcome). --dry-run reads and counts without publishing.
//
// Used by bridges/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "bridges/core/output.h"

namespace ccmon::records {

struct RecordsOptions {
  std::string mapping_path;
  std::string input_path;              // "-" = standard input.
  std::vector<std::string> overrides;  // --set key.path=value, applied to the mapping.
  bool dry_run = false;
  bridges::OutputOptions output;
};

// Adds the `records` subcommand to `app`; parsed values land in *options, which must outlive
// the parse. Returns the subcommand (test `*cmd` after parsing to know it was chosen).
CLI::App* AddRecordsCommand(CLI::App& app, RecordsOptions* options);

// Replays the file. Returns the process exit code: 0 done (rejected records are counted, not
// fatal), 1 publishing failed or no subscriber came, 2 bad mapping, input or options.
int RunRecords(const RecordsOptions& options);

}  // namespace ccmon::records
