#include "bridges/asterisk_queue_log/queue_log_command.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

#include "bridges/asterisk_queue_log/file_follower.h"
#include "bridges/asterisk_queue_log/position_file.h"
#include "bridges/asterisk_queue_log/queue_log_input.h"
#include "bridges/asterisk_queue_log/queue_log_mapper.h"
#include "bridges/asterisk_queue_log/table_export.h"
#include "bridges/core/input_counts.h"
#include "bridges/runtime.h"
#include "common/clock.h"
#include "common/time_zone.h"

namespace ccmon::asterisk_queue_log {
namespace {

constexpr std::int64_t kSummaryEveryMs = 60'000;

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// The zone of an export's local times: --time-zone, else $TZ, else /etc/localtime, else UTC.
Result<TimeZone> LoadZone(const std::string& name) {
  if (!name.empty()) return TimeZone::Load(name);
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    return TimeZone::Load(tz[0] == ':' ? tz + 1 : tz);
  }
  std::ifstream in("/etc/localtime", std::ios::binary);
  if (in) {
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto zone = TimeZone::Parse("localtime", bytes); zone.ok()) return zone;
  }
  spdlog::warn(
      "asterisk-queue-log: this host's time zone is unknown; local times are read as UTC "
      "(set --time-zone)");
  return TimeZone::Utc();
}

// The first bytes of a file, for sniffing its format; nullopt if it cannot be opened.
std::optional<std::string> ReadHead(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string head(16 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

void LogSummary(std::string_view when, const bridges::InputCounts& counts,
                const QueueLogMapper& mapper, const bridges::BridgeOutput& output) {
  const MapperStats& s = mapper.stats();
  spdlog::info(
      "asterisk-queue-log: {}: lines={} ({}); events={} messages={}; calls in progress={}, "
      "closed by QUEUESTART: waiting={} talking={}, forgotten={}",
      when, counts.Total(), counts.Summary(), s.events, output.publisher().published(),
      mapper.calls_in_progress(), s.calls_lost_waiting, s.calls_lost_talking, s.calls_forgotten);
}

int ReplayExportFile(const AsteriskQueueLogOptions& o, InputFormat format) {
  auto zone = LoadZone(o.time_zone);
  if (!zone.ok()) {
    spdlog::error("asterisk-queue-log: time zone (--time-zone, else $TZ): {}",
                  zone.status().message());
    return 2;
  }
  auto contents = ReadTableExportFile(o.file, format, *zone);
  if (!contents.ok()) {
    spdlog::error("asterisk-queue-log: {}", contents.status().message());
    return contents.status().code() == StatusCode::kIoError ? 1 : 2;
  }
  const WallClock clock;
  auto output = bridges::BridgeOutput::Create(o.output, bridges::HeartbeatTime::kLastEvent, clock);
  if (!output.ok()) {
    spdlog::error("asterisk-queue-log: {}", output.status().message());
    return output.status().code() == StatusCode::kUnavailable ? 1 : 2;
  }
  spdlog::info(
      "ccmon-bridge asterisk-queue-log: replaying {} ({} export, {} rows in {} blocks, {} "
      "newest-first, local times in {}), publishing on {} as source={} epoch={} tenant={}",
      o.file, InputFormatName(format), contents->records.size() + contents->malformed.size(),
      contents->blocks, contents->reversed_blocks, zone->name(),
      Join((*output)->publisher().endpoints()), o.output.source,
      (*output)->publisher().sequencer().source_epoch(),
      o.output.tenant.empty() ? "default" : o.output.tenant);
  if (contents->skipped_rows > 0) {
    spdlog::info("asterisk-queue-log: {} rows of other tables skipped", contents->skipped_rows);
  }
  bridges::InputCounts counts;
  QueueLogMapper mapper(output->get(), &(*output)->caller_keys());
  Status s = ReplayExport(*contents, &mapper, &counts, &clock);
  if (s.ok()) s = (*output)->Heartbeat(v1::ACD_CONNECTION_UNSPECIFIED);
  LogSummary("done", counts, mapper, **output);
  if (!s.ok()) {
    spdlog::error("asterisk-queue-log: publishing failed: {}", s.message());
    return 1;
  }
  return 0;
}

int FollowFile(const AsteriskQueueLogOptions& o) {
  auto poll = bridges::ParseDurationMs(o.poll_interval);
  auto grace = bridges::ParseDurationMs(o.rotate_grace);
  if (!poll.ok() || *poll <= 0) {
    spdlog::error("asterisk-queue-log: --poll-interval: {}",
                  poll.ok() ? "must be positive" : poll.status().message());
    return 2;
  }
  if (!grace.ok()) {
    spdlog::error("asterisk-queue-log: --rotate-grace: {}", grace.status().message());
    return 2;
  }
  const WallClock clock;
  auto output = bridges::BridgeOutput::Create(
      o.output, o.once ? bridges::HeartbeatTime::kLastEvent : bridges::HeartbeatTime::kWallClock,
      clock);
  if (!output.ok()) {
    spdlog::error("asterisk-queue-log: {}", output.status().message());
    return output.status().code() == StatusCode::kUnavailable ? 1 : 2;
  }
  QueueLogMapper mapper(output->get(), &(*output)->caller_keys());
  std::optional<FilePosition> saved;
  if (!o.position_file.empty()) {
    auto loaded = LoadPosition(o.position_file);
    if (loaded.ok()) {
      if (Status s = mapper.RestoreState(loaded->mapper_state); !s.ok()) {
        spdlog::error("asterisk-queue-log: {}: {}; remove it to start afresh", o.position_file,
                      s.message());
        return 2;
      }
      saved = loaded->file;
    } else if (loaded.status().code() != StatusCode::kNotFound) {
      spdlog::error("asterisk-queue-log: {}", loaded.status().message());
      return loaded.status().code() == StatusCode::kIoError ? 1 : 2;
    }
  }
  QueueLogFollower follower(FollowerOptions{o.file, *grace}, &clock);
  const StartAt start = o.from_start || o.once ? StartAt::kBeginning : StartAt::kEnd;
  if (Status s = follower.Start(saved, start); !s.ok()) {
    spdlog::error("asterisk-queue-log: {}", s.message());
    return 1;
  }
  spdlog::info(
      "ccmon-bridge asterisk-queue-log: {} {} from {} (byte {}), publishing on {} as source={} "
      "epoch={} tenant={}; position file {}, poll every {}, rotate grace {}; calls in progress {}",
      o.once ? "reading" : "following", o.file,
      saved ? "the saved position" : (start == StartAt::kBeginning ? "the start" : "the end"),
      follower.position().offset, Join((*output)->publisher().endpoints()), o.output.source,
      (*output)->publisher().sequencer().source_epoch(),
      o.output.tenant.empty() ? "default" : o.output.tenant,
      o.position_file.empty() ? "none" : o.position_file, o.poll_interval, o.rotate_grace,
      mapper.calls_in_progress());
  if (!follower.has_file()) {
    if (o.once) {
      spdlog::error("asterisk-queue-log: {}: no such file", o.file);
      return 2;
    }
    spdlog::warn("asterisk-queue-log: {} does not exist yet; waiting for it", o.file);
  }

  bridges::InputCounts counts;
  QueueLogTail tail(&follower, &mapper, &counts, &clock, o.position_file);
  UnixMs last_summary = clock.NowMs();
  int exit_code = 0;
  while (!bridges::StopRequested()) {
    auto at_end = tail.Step();
    if (!at_end.ok()) {
      spdlog::error("asterisk-queue-log: {}", at_end.status().message());
      exit_code = 1;
      break;
    }
    if (*at_end) {
      if (o.once) break;
      // Heartbeats only once caught up: while a backlog is read, the wall clock is not the
      // ACD's "now" yet.
      if (Status s = (*output)->Tick(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
        spdlog::error("asterisk-queue-log: publishing failed: {}", s.message());
        exit_code = 1;
        break;
      }
      // Waits for the next poll (answering the daemons' replay requests meanwhile, with
      // --replay-listen).
      (*output)->Idle(static_cast<int>(std::min<std::int64_t>(*poll, 60'000)));
    }
    if (clock.NowMs() - last_summary >= kSummaryEveryMs) {
      last_summary = clock.NowMs();
      LogSummary("so far", counts, mapper, **output);
    }
  }
  if (bridges::StopRequested()) spdlog::info("asterisk-queue-log: stop requested");
  if (Status s = tail.Save(); !s.ok()) {
    spdlog::error("asterisk-queue-log: {}", s.message());
    exit_code = 1;
  }
  if (follower.pending_bytes() > 0) {
    spdlog::info("asterisk-queue-log: {} bytes of an unfinished last line are not read yet",
                 follower.pending_bytes());
  }
  if (Status s = (*output)->Heartbeat(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok() && exit_code == 0) {
    spdlog::error("asterisk-queue-log: publishing failed: {}", s.message());
    exit_code = 1;
  }
  const FollowerStats& f = follower.stats();
  if (f.rotations + f.truncations + f.lost_files > 0) {
    spdlog::info("asterisk-queue-log: rotations={} truncations={} files lost at start={}",
                 f.rotations, f.truncations, f.lost_files);
  }
  LogSummary("done", counts, mapper, **output);
  return exit_code;
}

}  // namespace

CLI::App* AddAsteriskQueueLogCommand(CLI::App& app, AsteriskQueueLogOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "asterisk-queue-log",
      "Publish the events of an Asterisk queue_log file (followed live) or of a queue_log table "
      "export (CSV, SQL dump, psql output)");
  cmd->add_option("file,--file", o->file, "The queue_log file, or a table export to replay")
      ->required();
  cmd->add_option("--format", o->format,
                  "auto, file (queue_log as Asterisk writes it), csv, sql or psql")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "file", "csv", "sql", "psql"}));
  cmd->add_option("--position-file", o->position_file,
                  "Persist the read position here, so a restart neither skips nor repeats a line");
  cmd->add_flag("--from-start", o->from_start,
                "With no saved position, read the file from its start (default: only new lines)");
  cmd->add_flag("--once", o->once, "Read the file to its end and exit (replay)");
  cmd->add_option("--time-zone", o->time_zone,
                  "IANA zone of an export's local times, e.g. Europe/Berlin (default: this "
                  "host's zone)");
  cmd->add_option("--poll-interval", o->poll_interval, "How often a followed file is checked")
      ->capture_default_str();
  cmd->add_option("--rotate-grace", o->rotate_grace,
                  "How long a rotated-away file must stay unchanged before the new one is read")
      ->capture_default_str();
  bridges::AddOutputOptions(cmd, &o->output);
  return cmd;
}

int RunAsteriskQueueLog(const AsteriskQueueLogOptions& o) {
  InputFormat format = InputFormat::kQueueLogFile;
  if (o.format == "auto") {
    if (const std::optional<std::string> head = ReadHead(o.file)) format = SniffInputFormat(*head);
  } else if (auto named = ParseInputFormat(o.format)) {
    format = *named;
  } else {
    spdlog::error("asterisk-queue-log: --format {}: use auto, file, csv, sql or psql", o.format);
    return 2;
  }
  if (format != InputFormat::kQueueLogFile) {
    if (!o.position_file.empty()) {
      spdlog::error(
          "asterisk-queue-log: --position-file applies to a queue_log file, not to a {} "
          "export (an export is replayed whole)",
          InputFormatName(format));
      return 2;
    }
    return ReplayExportFile(o, format);
  }
  return FollowFile(o);
}

}  // namespace ccmon::asterisk_queue_log
