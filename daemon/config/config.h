// Config: ccmond's configuration, loaded from YAML (--config.file) and checked completely before
// the daemon starts, so a bad file exits with one precise message naming the offending key
// ("queues[1].thresholds[0]: \"20x\" is not a duration").
//
// Unknown keys are errors (a typo must not silently fall back to a default). Durations are written
// "250ms", "20s", "5m", "12h", "7d" or as a plain number of seconds.
//
// Plain values; loading runs on the main thread at start (and on reload, later).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.h"
#include "common/status.h"
#include "daemon/state/lifecycle.h"
#include "daemon/state/queue_registry.h"

namespace ccmon::config {

// Replay from the journal of the bridge behind a subscription (docs/events.md "Replay").
struct ReplayConfig {
  std::string endpoint;                   // The bridge's --replay-listen endpoint; "" = no replay.
  std::int64_t timeout_ms = 2000;         // A request unanswered this long: its events are lost.
  std::size_t max_held_events = 100'000;  // Events held back behind gaps (memory bound).

  bool operator==(const ReplayConfig&) const = default;
};

struct Subscription {
  std::string endpoint;                    // ZeroMQ endpoint, e.g. "tcp://127.0.0.1:5556".
  bool bind = false;                       // Bind instead of connect.
  std::vector<std::string> topics{"v1."};  // Topic prefixes (DESIGN §2).
  ReplayConfig replay;

  bool operator==(const Subscription&) const = default;
};

struct QueueConfig {
  std::string name;
  state::QueueSettings settings;

  bool operator==(const QueueConfig&) const = default;
};

struct Config {
  std::string source_path;  // Where it was read from ("" for defaults).

  std::string log_level = "info";
  std::string log_format = "plain";
  std::string listen_address = ":9464";

  std::vector<Subscription> subscriptions;
  int rcvhwm = 1'000'000;  // Per SUB socket (messages).
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_string_bytes = 1024;  // Longest id/name/text field accepted in an event.

  state::QueueRegistryOptions queue_options;  // Caps + defaults for unconfigured queues.
  std::size_t max_agents = 20'000;
  std::size_t max_sources = 256;
  state::LifecycleOptions lifecycle;
  collectors::CollectorOptions collectors;
  std::vector<QueueConfig> queues;
};

// Parses YAML text. `origin` names the file in error messages.
Result<Config> ParseConfig(std::string_view yaml_text, std::string_view origin);

// Reads and parses a file. NotFound / IoError if it cannot be read.
Result<Config> LoadConfigFile(const std::string& path);

// Parses a --subscribe value: "ENDPOINT" or "ENDPOINT,replay=REPLAY_ENDPOINT" (connect, topics
// "v1.", default replay timeout and hold limit). InvalidArgument names what is wrong.
Result<Subscription> ParseSubscribeFlag(std::string_view text);

// Parses "250ms", "20s", "5m", "12h", "7d" or a plain number of seconds into milliseconds.
Result<std::int64_t> ParseDurationMs(std::string_view text);

// Label value of an SL formula and back ("short_abandons_excluded", …).
std::string_view SlFormulaName(collectors::SlFormula f);
Result<collectors::SlFormula> ParseSlFormula(std::string_view name);

}  // namespace ccmon::config
