// Stop requests for the long-running `ccmon` tools (events, replay): SIGINT and SIGTERM set a
// flag that the tool's loop checks between waits, so the tool ends cleanly (summary written,
// child processes stopped). Installed without SA_RESTART, so a blocking wait returns early (EINTR).
//
// The flag is process-wide; InstallStopSignals() is called once from the tool's Run function.
#pragma once

namespace ccmon::tools {

// Installs the SIGINT/SIGTERM handlers and clears the flag.
void InstallStopSignals();

// True once SIGINT or SIGTERM arrived. Async-signal-safe to set; any thread may read.
bool StopRequested();

}  // namespace ccmon::tools
