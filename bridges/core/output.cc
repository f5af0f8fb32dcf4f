#include "bridges/core/output.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "bridges/runtime.h"

namespace ccmon::bridges {

void AddOutputOptions(CLI::App* cmd, OutputOptions* o) {
  cmd->add_option("--publish", o->publish,
                  "Endpoint: bind:<zmq endpoint>, connect:<zmq endpoint> (repeatable)")
      ->capture_default_str();
  cmd->add_option("--source", o->source, "Source name stamped on every event")
      ->capture_default_str();
  cmd->add_option("--tenant", o->tenant, "Tenant (default: the daemon's default tenant)");
  cmd->add_option("--source-epoch", o->source_epoch,
                  "Numbering epoch (default: the start time in Unix ms)");
  cmd->add_option("--caller-key-file", o->caller_key_file,
                  "Secret for hashing caller numbers (64 hex characters); every bridge of a "
                  "deployment must use the same one (default: a random key for this run)");
  cmd->add_option("--heartbeat-interval", o->heartbeat_interval, "Heartbeat interval, e.g. 1s")
      ->capture_default_str();
  cmd->add_option("--wait-for-subscriber", o->wait_for_subscriber,
                  "Hold the first event until a subscriber listens, at most this long (e.g. 30s)");
}

Result<std::unique_ptr<BridgeOutput>> BridgeOutput::Create(const OutputOptions& options,
                                                           HeartbeatTime heartbeat_time,
                                                           const Clock& wall_clock) {
  auto interval = ParseDurationMs(options.heartbeat_interval);
  if (!interval.ok()) {
    return Status::InvalidArgument("--heartbeat-interval: " + interval.status().message());
  }
  if (*interval <= 0) return Status::InvalidArgument("--heartbeat-interval must be positive");
  std::int64_t wait_ms = -1;
  if (!options.wait_for_subscriber.empty()) {
    auto wait = ParseDurationMs(options.wait_for_subscriber);
    if (!wait.ok()) {
      return Status::InvalidArgument("--wait-for-subscriber: " + wait.status().message());
    }
    wait_ms = *wait;
  }

  Result<CallerKeyHasher> hasher = Status::Internal("unset");
  if (options.caller_key_file.empty()) {
    const std::string hex = CallerKeyHasher::GenerateKeyHex();
    if (hex.empty()) return Status::Internal("no entropy for a caller key");
    spdlog::warn(
        "no --caller-key-file: caller keys are hashed with a random key for this run only, so "
        "first-contact resolution cannot match callers across bridges or restarts");
    hasher = CallerKeyHasher::FromKeyHex(hex);
  } else {
    hasher = CallerKeyHasher::FromKeyFile(options.caller_key_file);
  }
  if (!hasher.ok()) return hasher.status();

  PublisherOptions publisher_options;
  publisher_options.endpoints = options.publish;
  publisher_options.source = options.source;
  publisher_options.source_epoch = options.source_epoch;
  publisher_options.tenant = options.tenant;
  auto publisher = Publisher::Create(publisher_options);
  if (!publisher.ok()) return publisher.status();
  if (wait_ms >= 0 && !(*publisher)->WaitForSubscriber(static_cast<int>(wait_ms))) {
    return Status::Unavailable("no subscriber within --wait-for-subscriber " +
                               options.wait_for_subscriber);
  }
  return std::unique_ptr<BridgeOutput>(new BridgeOutput(std::move(publisher).value(),
                                                        std::move(hasher).value(), heartbeat_time,
                                                        *interval, wall_clock));
}

BridgeOutput::BridgeOutput(std::unique_ptr<Publisher> publisher, CallerKeyHasher hasher,
                           HeartbeatTime heartbeat_time, std::int64_t interval_ms,
                           const Clock& wall_clock)
    : publisher_(std::move(publisher)),
      hasher_(std::move(hasher)),
      heartbeat_time_(heartbeat_time),
      interval_ms_(interval_ms),
      wall_clock_(wall_clock),
      last_heartbeat_wall_(wall_clock.NowMs()) {}

Status BridgeOutput::Publish(v1::Envelope& env) {
  Status s = publisher_->Publish(env);
  if (s.ok()) {
    last_event_time_ = std::max(last_event_time_, env.time_unix_ms());
    ++events_published_;
  }
  return s;
}

Status BridgeOutput::Tick(v1::AcdConnection acd) {
  if (wall_clock_.NowMs() - last_heartbeat_wall_ < interval_ms_) return Status::Ok();
  return Heartbeat(acd);
}

Status BridgeOutput::Heartbeat(v1::AcdConnection acd) {
  const UnixMs wall = wall_clock_.NowMs();
  UnixMs time = last_event_time_;
  if (heartbeat_time_ == HeartbeatTime::kWallClock) time = std::max(time, wall);
  if (time <= 0) return Status::Ok();  // A replay that has published nothing has no ACD time yet.
  last_heartbeat_wall_ = wall;
  return publisher_->PublishHeartbeat(time, acd, static_cast<std::uint32_t>(interval_ms_));
}

}  // namespace ccmon::bridges
