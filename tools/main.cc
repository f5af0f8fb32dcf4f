// ccmon: the operator CLI of the ccmon call-center monitor (DESIGN §1 "tools"; docs/cli.md).
//
// One program, one subcommand per tool: `staffing` (the what-if Erlang calculator), `events`
// (tail and decode a live event bus), `keygen` (CURVE key pairs), `replay` (a bridge's history
// into per-interval reports or OpenMetrics) and `check-config` (ccmond configuration files). Each
// tool contributes an Add<Tool>Command() that declares its options and a Run<Tool>() that runs it;
// main parses the command line and dispatches. Exit codes: 0 done, 1 runtime failure, 2 usage or
// input error.
#include <CLI/CLI.hpp>

#include "tools/check_config_command.h"
#include "tools/events_command.h"
#include "tools/keygen_command.h"
#include "tools/replay_command.h"
#include "tools/staffing_command.h"

int main(int argc, char** argv) {
  CLI::App app{"ccmon: operator tools for the ccmon call-center monitor"};
  app.require_subcommand(1);

  ccmon::tools::StaffingOptions staffing_options;
  CLI::App* staffing = ccmon::tools::AddStaffingCommand(app, &staffing_options);
  ccmon::tools::EventsOptions events_options;
  CLI::App* events = ccmon::tools::AddEventsCommand(app, &events_options);
  ccmon::tools::KeygenOptions keygen_options;
  CLI::App* keygen = ccmon::tools::AddKeygenCommand(app, &keygen_options);
  ccmon::tools::ReplayOptions replay_options;
  CLI::App* replay = ccmon::tools::AddReplayCommand(app, &replay_options);
  ccmon::tools::CheckConfigOptions check_config_options;
  CLI::App* check_config = ccmon::tools::AddCheckConfigCommand(app, &check_config_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (*staffing) return ccmon::tools::RunStaffing(staffing_options);
  if (*events) return ccmon::tools::RunEvents(events_options);
  if (*keygen) return ccmon::tools::RunKeygen(keygen_options);
  if (*replay) return ccmon::tools::RunReplay(replay_options);
  if (*check_config) return ccmon::tools::RunCheckConfig(check_config_options);
  return 2;  // Unreachable: require_subcommand(1).
}
