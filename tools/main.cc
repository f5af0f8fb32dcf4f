// ccmon: the operator CLI of the ccmon call-center monitor (DESIGN §1 "tools").
//
// One program, one subcommand per tool: `staffing` (the what-if Erlang calculator) now;
// `check-config`, `events`, `keygen` and `replay` join it the same way. Each tool contributes an
// Add<Tool>Command() that declares its options and a Run<Tool>() that runs it; main parses the
// command line and dispatches. Exit codes: 0 done, 1 runtime failure, 2 usage or input error.
#include <CLI/CLI.hpp>

#include "tools/staffing_command.h"

int main(int argc, char** argv) {
  CLI::App app{"ccmon: operator tools for the ccmon call-center monitor"};
  app.require_subcommand(1);

  ccmon::tools::StaffingOptions staffing_options;
  CLI::App* staffing = ccmon::tools::AddStaffingCommand(app, &staffing_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (*staffing) return ccmon::tools::RunStaffing(staffing_options);
  return 2;  // Unreachable: require_subcommand(1).
}
