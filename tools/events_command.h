// `ccmon events`: tails and decodes a live event bus, like tcpdump for it. Subscribes a ZeroMQ SUB
// socket to a bridge's (or a proxy's) PUB endpoint with the given topic prefixes and prints one
// line per message: the envelope as text (envelope_text.h) or as Protobuf JSON (what
// `ccmon-bridge jsonl` reads back). Messages the daemon would reject are shown as REJECTED lines
// with the daemon's reason (in JSON mode on stderr, so stdout stays replayable); skipped sequence
// numbers are shown as gap lines. On exit (--count messages received, SIGINT or SIGTERM) a summary
// goes to stderr: messages, decoded, rejected by reason, gaps per stream.
//
//   ccmon events --subscribe tcp://127.0.0.1:5556 --topic v1.demo.sales. --count 100
//   ccmon events --subscribe tcp://pbx:5556 --format json > capture.jsonl
//
// Used by tools/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ccmon::tools {

struct EventsOptions {
  // Endpoint to connect to ("tcp://host:5556"), or with a "bind:" prefix one to bind (a bound
  // "tcp://127.0.0.1:*" logs its port); "connect:" is accepted too.
  std::string subscribe;
  std::vector<std::string> topics{"v1."};  // --topic: subscription prefixes.
  std::uint64_t count = 0;                 // --count: stop after this many messages (0 = never).
  std::string format = "text";             // --format: text or json.
};

// Adds the `events` subcommand to `app`; parsed values land in *options, which must outlive the
// parse. Returns the subcommand.
CLI::App* AddEventsCommand(CLI::App& app, EventsOptions* options);

// Runs until --count messages arrived or SIGINT/SIGTERM. Returns the exit code: 0 done, 1 the
// socket failed, 2 bad options (an endpoint ZeroMQ refuses).
int RunEvents(const EventsOptions& options, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace ccmon::tools
