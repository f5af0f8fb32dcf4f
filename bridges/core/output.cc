#include "bridges/core/output.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>
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
  cmd->add_option("--journal-dir", o->journal_dir,
                  "Journal every event here before sending it; a restart continues the numbering "
                  "and the daemon can replay what it missed (default: no journal)");
  cmd->add_option("--journal-max-size", o->journal_max_size, "Journal size limit")
      ->capture_default_str();
  cmd->add_option("--journal-max-age", o->journal_max_age, "Journal age limit")
      ->capture_default_str();
  cmd->add_option("--journal-segment-size", o->journal_segment_size, "Journal segment size")
      ->capture_default_str();
  cmd->add_option("--replay-listen", o->replay_listen,
                  "Answer daemons' replay requests for missed events from the journal on this "
                  "ZeroMQ endpoint, e.g. tcp://0.0.0.0:5557 (needs --journal-dir)");
}

Result<std::uint64_t> ParseByteSize(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not a size like 64MiB");
  }
  const std::uint64_t n = std::stoull(std::string(text.substr(0, digits)));
  const std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "K" || unit == "KiB") scale = 1ull << 10;
  if (unit == "M" || unit == "MiB") scale = 1ull << 20;
  if (unit == "G" || unit == "GiB") scale = 1ull << 30;
  if (scale == 0) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\": unknown unit (B, KiB, MiB or GiB)");
  }
  return n * scale;
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

  if (!options.replay_listen.empty() && options.journal_dir.empty()) {
    return Status::InvalidArgument(
        "--replay-listen needs --journal-dir: replay answers from the journal");
  }

  Result<CallerKeyHasher> hasher = Status::Internal("unset");
  if (options.caller_key_file.empty() && !options.caller_key_hex.empty()) {
    hasher = CallerKeyHasher::FromKeyHex(options.caller_key_hex);
  } else if (options.caller_key_file.empty()) {
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

  std::unique_ptr<Journal> journal;
  if (!options.journal_dir.empty()) {
    JournalOptions journal_options;
    journal_options.directory = options.journal_dir;
    auto max_size = ParseByteSize(options.journal_max_size);
    if (!max_size.ok())
      return Status::InvalidArgument("--journal-max-size: " + max_size.status().message());
    auto segment = ParseByteSize(options.journal_segment_size);
    if (!segment.ok())
      return Status::InvalidArgument("--journal-segment-size: " + segment.status().message());
    auto max_age = ParseDurationMs(options.journal_max_age);
    if (!max_age.ok())
      return Status::InvalidArgument("--journal-max-age: " + max_age.status().message());
    journal_options.max_total_bytes = *max_size;
    journal_options.max_segment_bytes = *segment;
    journal_options.max_age_ms = *max_age;
    auto opened = Journal::Open(journal_options, options.source, wall_clock);
    if (!opened.ok()) return opened.status();
    journal = std::move(opened).value();
    const JournalRecovery& r = journal->recovery();
    if (r.torn_tail_bytes > 0 || r.corrupt_records > 0) {
      spdlog::warn("journal {}: cut a torn tail of {} bytes, {} corrupt records skipped",
                   options.journal_dir, r.torn_tail_bytes, r.corrupt_records);
    }
    if (r.source_epoch != 0 &&
        (options.source_epoch == 0 || options.source_epoch == r.source_epoch)) {
      publisher_options.source_epoch = r.source_epoch;
      publisher_options.resume_positions = r.positions;
      spdlog::info("journal {}: continuing epoch {} after {} journaled events", options.journal_dir,
                   r.source_epoch, r.records);
    }
    publisher_options.journal = journal.get();
  }
  std::unique_ptr<ReplayServer> replay;
  if (!options.replay_listen.empty()) {
    ReplayServerOptions replay_options;
    replay_options.endpoint = options.replay_listen;
    auto server = ReplayServer::Create(replay_options, journal.get(), options.source);
    if (!server.ok()) return server.status().WithContext("--replay-listen");
    replay = std::move(server).value();
    // Recent envelopes are answered from memory: the publisher journals through the server.
    publisher_options.journal = replay->recorder();
    spdlog::info("replay: answering requests on {} from journal {}", replay->endpoint(),
                 options.journal_dir);
  }
  auto publisher = Publisher::Create(publisher_options);
  if (!publisher.ok()) return publisher.status();
  if (wait_ms >= 0) {
    // Logged before the wait: with port 0 this is the only way to learn where to connect.
    std::string endpoints;
    for (const std::string& e : (*publisher)->endpoints()) {
      endpoints += (endpoints.empty() ? "" : ",") + e;
    }
    spdlog::info("publishing on {}; waiting up to {} for a subscriber", endpoints,
                 options.wait_for_subscriber);
  }
  if (wait_ms >= 0 && !(*publisher)->WaitForSubscriber(static_cast<int>(wait_ms))) {
    return Status::Unavailable("no subscriber within --wait-for-subscriber " +
                               options.wait_for_subscriber);
  }
  auto output = std::unique_ptr<BridgeOutput>(
      new BridgeOutput(std::move(journal), std::move(publisher).value(), std::move(hasher).value(),
                       heartbeat_time, *interval, wall_clock));
  output->replay_ = std::move(replay);
  return output;
}

BridgeOutput::BridgeOutput(std::unique_ptr<Journal> journal, std::unique_ptr<Publisher> publisher,
                           CallerKeyHasher hasher, HeartbeatTime heartbeat_time,
                           std::int64_t interval_ms, const Clock& wall_clock)
    : journal_(std::move(journal)),
      publisher_(std::move(publisher)),
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
    // A fast replay of history may publish for minutes without a Tick(): answer meanwhile.
    if (replay_ != nullptr && events_published_ % kReplayPollEvery == 0) replay_->Poll();
  }
  return s;
}

Status BridgeOutput::Tick(v1::AcdConnection acd) {
  if (replay_ != nullptr) replay_->Poll();
  if (wall_clock_.NowMs() - last_heartbeat_wall_ < interval_ms_) return Status::Ok();
  return Heartbeat(acd);
}

void BridgeOutput::Idle(int timeout_ms) {
  if (replay_ != nullptr) {
    replay_->Wait(timeout_ms);
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  }
}

Status BridgeOutput::Heartbeat(v1::AcdConnection acd) {
  const UnixMs wall = wall_clock_.NowMs();
  UnixMs time = last_event_time_;
  if (heartbeat_time_ == HeartbeatTime::kWallClock) time = std::max(time, wall);
  if (journal_ != nullptr) {
    if (Status s = journal_->Sync(); !s.ok()) return s;
  }
  if (time <= 0) return Status::Ok();  // A replay that has published nothing has no ACD time yet.
  last_heartbeat_wall_ = wall;
  return publisher_->PublishHeartbeat(time, acd, static_cast<std::uint32_t>(interval_ms_));
}

}  // namespace ccmon::bridges
