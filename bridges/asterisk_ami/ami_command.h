// `ccmon-bridge asterisk-ami`: connects to the Asterisk Manager Interface, logs in, and publishes
// the queue and agent events as ccmon contract events (docs/bridges/asterisk-ami.md).
//
// Runs until SIGINT/SIGTERM, reconnecting with a capped exponential backoff whenever the
// connection is lost; heartbeats report the ACD connection (UP while logged in, DOWN at once when
// the connection drops). The AMI secret comes from a file, never from the command line.
//
// Used by bridges/main.cc only. Runs on the main thread (one Asio event loop).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "bridges/core/socket_bridge.h"

namespace ccmon::ami {

// The shared connection, timing and output options (bridges/core/socket_bridge.h) and the AMI
// login's own.
struct AsteriskAmiOptions : bridges::SocketBridgeOptions {
  AsteriskAmiOptions() {
    port = 5038;
    idle_timeout = "30s";
  }
  std::string username;
  std::string secret_file;
  std::string events = "agent,call,dialplan,dtmf";
  bool no_event_filter = false;
  bool no_queue_status = false;
  std::string ping_interval = "10s";
};

// Adds the `asterisk-ami` subcommand to `app`; parsed values land in *options, which must outlive
// the parse. Returns the subcommand (test `*cmd` after parsing to know it was chosen).
CLI::App* AddAsteriskAmiCommand(CLI::App& app, AsteriskAmiOptions* options);

// Runs the bridge until stopped. Returns the process exit code: 0 stopped, 1 runtime failure
// (publisher endpoint unavailable), 2 bad options, unreadable secret or key file, or the login
// rejected by Asterisk.
int RunAsteriskAmi(const AsteriskAmiOptions& options);

}  // namespace ccmon::ami
