// `ccmon-bridge freeswitch`: connects to the FreeSWITCH event socket (mod_event_socket),
// authenticates, subscribes to the mod_callcenter events and publishes them as ccmon contract
// events (docs/bridges/freeswitch.md).
//
// Runs until SIGINT/SIGTERM, reconnecting with a capped exponential backoff whenever the
// connection is lost; heartbeats report the ACD connection (UP while subscribed, DOWN at once when
// the connection drops). The event-socket password comes from a file, never from the command line.
//
// Used by bridges/main.cc only. Runs on the main thread (one Asio event loop).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "bridges/core/socket_bridge.h"

namespace ccmon::freeswitch {

// The shared connection, timing and output options (bridges/core/socket_bridge.h) and the event
// socket's password file.
struct FreeswitchOptions : bridges::SocketBridgeOptions {
  FreeswitchOptions() {
    port = 8021;
    idle_timeout = "90s";
  }
  std::string password_file;
};

// Adds the `freeswitch` subcommand to `app`; parsed values land in *options, which must outlive
// the parse. Returns the subcommand (test `*cmd` after parsing to know it was chosen).
CLI::App* AddFreeswitchCommand(CLI::App& app, FreeswitchOptions* options);

// Runs the bridge until stopped. Returns the process exit code: 0 stopped, 1 runtime failure
// (publisher endpoint unavailable), 2 bad options, unreadable password or key file, or the
// password or our address refused by FreeSWITCH.
int RunFreeswitch(const FreeswitchOptions& options);

}  // namespace ccmon::freeswitch
