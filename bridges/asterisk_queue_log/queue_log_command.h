// `ccmon-bridge asterisk-queue-log`: publishes the events of an Asterisk queue_log.
//
// Two kinds of input (docs/bridges/asterisk-queue-log.md):
//   - the queue_log file Asterisk appends to: followed live (polled; rotation and truncation
//     handled; the position persisted with --position-file), or read once to its end (--once);
//   - a realtime-table export (CSV, SQL INSERT dump, psql table output): replayed once, in time
//     order, with times in --time-zone.
// Live, heartbeats carry the wall clock (the ACD is quiet, not stopped); a replay stamps them with
// the last event's time and exits at the end of the input.
//
// Used by bridges/main.cc only. Runs on the main thread; stops on SIGINT/SIGTERM (StopRequested).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "bridges/core/output.h"

namespace ccmon::asterisk_queue_log {

struct AsteriskQueueLogOptions {
  std::string file;             // The queue_log file or export; required.
  std::string format = "auto";  // auto, file, csv, sql, psql.
  std::string position_file;    // Where the read position is persisted; "" = nowhere.
  bool from_start = false;      // With no saved position, read the file from its start.
  bool once = false;            // Read to the end and exit (exports always do).
  std::string time_zone;        // Zone of an export's local times; "" = this host's zone.
  std::string poll_interval = "200ms";
  std::string rotate_grace = "1s";
  bridges::OutputOptions output;  // --publish, --source, … (source preset to "asterisk").

  AsteriskQueueLogOptions() { output.source = "asterisk"; }
};

// Adds the `asterisk-queue-log` subcommand to `app`; parsed values land in *options, which must
// outlive the parse. Returns the subcommand (test `*cmd` after parsing to know it was chosen).
CLI::App* AddAsteriskQueueLogCommand(CLI::App& app, AsteriskQueueLogOptions* options);

// Runs it. Returns the process exit code: 0 done (end of a replay, or stopped by a signal),
// 1 runtime failure (reading, publishing or saving the position failed), 2 bad options, a file
// that is not a queue_log, or an unusable position file.
int RunAsteriskQueueLog(const AsteriskQueueLogOptions& options);

}  // namespace ccmon::asterisk_queue_log
