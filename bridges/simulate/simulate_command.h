// `ccmon-bridge simulate`: runs the contact-center Simulator and publishes its events.
//
// The simulator core knows nothing of wall time; this command paces it (a speed factor in
// simulated seconds per wall second, or as fast as possible), publishes through a ZeroMQ
// Publisher and stops on SIGINT/SIGTERM or after --duration of simulated time.
//
// Used by bridges/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace ccmon::simulate {

struct SimulateOptions {
  std::string profile_path;
  std::uint64_t seed = 1;
  double speed = 60;        // Simulated seconds per wall second.
  bool fast = false;        // Ignore speed; run as fast as possible.
  std::string duration;     // Simulated time to run; empty = until stopped.
  std::string start_delay;  // Wall time between binding and the first event.
  std::vector<std::string> publish{"bind:tcp://127.0.0.1:5556"};
  std::string source = "sim1";
  std::string tenant;              // Overrides the profile's tenant when set.
  std::uint64_t source_epoch = 0;  // 0 = start time in Unix ms.
};

// Adds the `simulate` subcommand to `app`; parsed values land in *options, which must outlive
// the parse. Returns the subcommand (test `*cmd` after parsing to know it was chosen).
CLI::App* AddSimulateCommand(CLI::App& app, SimulateOptions* options);

// Runs the simulation until stopped or --duration has been simulated. Returns the process exit
// code: 0 done, 1 publishing failed, 2 bad profile or options.
int RunSimulate(const SimulateOptions& options);

}  // namespace ccmon::simulate
