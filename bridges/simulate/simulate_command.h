// `ccmon-bridge simulate`: runs the contact-center Simulator and publishes its events.
//
// The simulator core knows nothing of wall time; this command paces it (a speed factor in
// simulated seconds per wall second, or as fast as possible), publishes through the shared
// BridgeOutput (so it has the journal, replay, --wait-for-subscriber and every other output
// option of the platform bridges) and stops on SIGINT/SIGTERM or after --duration of simulated
// time, optionally lingering afterwards to answer replay requests (--linger).
//
// Used by bridges/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "bridges/core/output.h"

namespace ccmon::simulate {

struct SimulateOptions {
  std::string profile_path;
  std::uint64_t seed = 1;
  double speed = 60;        // Simulated seconds per wall second.
  bool fast = false;        // Ignore speed; run as fast as possible.
  std::string duration;     // Simulated time to run; empty = until stopped.
  std::string start_delay;  // Wall time between binding and the first event.
  // Wall time to stay after --duration was simulated, answering replay requests and sending
  // heartbeats (which reveal a lost tail to the daemon); "" = exit at once.
  std::string linger;
  // Publisher, journal, replay and the other shared options. output.source defaults to "sim1";
  // an empty output.tenant means the profile's tenant; without --caller-key-file the profile's
  // key hashes caller numbers.
  bridges::OutputOptions output;
};

// Adds the `simulate` subcommand to `app`; parsed values land in *options, which must outlive
// the parse. Returns the subcommand (test `*cmd` after parsing to know it was chosen).
CLI::App* AddSimulateCommand(CLI::App& app, SimulateOptions* options);

// Runs the simulation until stopped or --duration has been simulated. Returns the process exit
// code: 0 done, 1 publishing failed, 2 bad profile or options.
int RunSimulate(const SimulateOptions& options);

}  // namespace ccmon::simulate
