// What every `ccmon-bridge` subcommand shares: a stop request set by SIGINT/SIGTERM, and the
// parsing of human durations on the command line ("90s", "30m", "8h", "1h30m").
//
// Used by bridges/main.cc and the subcommands' run loops. Threading: StopRequested() and
// RequestStop() are async-signal-safe and safe from any thread; install the handlers once, from
// main, before starting threads.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace ccmon::bridges {

// Installs SIGINT and SIGTERM handlers that set the stop request (a second signal while stopping
// restores the default action, so a stuck shutdown can still be interrupted).
void InstallStopSignalHandlers();

// True once a stop was requested; run loops check it at least every few tens of milliseconds.
bool StopRequested();

// Sets the stop request (what the signal handlers do; also for tests).
void RequestStop();

// Parses a duration: one or more <number><unit> parts with units ms, s, m, h, d ("1h30m",
// "2.5h"), or a bare number of seconds. InvalidArgument names the text.
Result<std::int64_t> ParseDurationMs(std::string_view text);

}  // namespace ccmon::bridges
