#include "bridges/jsonl/jsonl_command.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "bridges/core/input_counts.h"
#include "bridges/jsonl/envelope_line.h"
#include "bridges/jsonl/line_reader.h"
#include "bridges/runtime.h"
#include "common/clock.h"

namespace ccmon::jsonl {
namespace {

constexpr int kPollMs = 200;        // Stop and heartbeat checks while the input is quiet.
constexpr int kLoggedBadLines = 5;  // Bad lines logged one by one; the rest are counted.
constexpr auto kSummaryEvery = std::chrono::minutes(1);

}  // namespace

CLI::App* AddJsonlCommand(CLI::App& app, JsonlOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "jsonl", "Publish canonical events given as Protobuf-JSON lines (one Envelope per line)");
  cmd->add_option("--input", o->input_path, "File to read (- = standard input)")
      ->capture_default_str();
  cmd->add_option("--max-line-bytes", o->max_line_bytes,
                  "Longer lines are skipped and counted as line_too_long")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{16}, std::size_t{64} << 20));
  cmd->add_flag("--ignore-unknown-fields", o->ignore_unknown_fields,
                "Ignore unknown JSON fields instead of counting the line as malformed_json");
  cmd->add_option("--heartbeat-time", o->heartbeat_time,
                  "Heartbeat timestamps: wall (live), last-event (replay), or auto (wall for "
                  "standard input, last-event for a file)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "wall", "last-event"}));
  o->output.source = "jsonl";
  bridges::AddOutputOptions(cmd, &o->output);
  return cmd;
}

int RunJsonl(const JsonlOptions& options) {
  int fd = STDIN_FILENO;
  const bool from_stdin = options.input_path == "-";
  if (!from_stdin) {
    fd = ::open(options.input_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      spdlog::error("jsonl: {}: {}", options.input_path, std::strerror(errno));
      return 2;
    }
  }
  struct FdCloser {
    int fd;
    bool owned;
    ~FdCloser() {
      if (owned) ::close(fd);
    }
  } closer{fd, !from_stdin};

  bridges::HeartbeatTime heartbeat_time = bridges::HeartbeatTime::kWallClock;
  if (options.heartbeat_time == "last-event" || (options.heartbeat_time == "auto" && !from_stdin)) {
    heartbeat_time = bridges::HeartbeatTime::kLastEvent;
  }
  const WallClock wall_clock;
  auto created = bridges::BridgeOutput::Create(options.output, heartbeat_time, wall_clock);
  if (!created.ok()) {
    spdlog::error("jsonl: {}", created.status().message());
    return created.status().code() == StatusCode::kUnavailable ? 1 : 2;
  }
  std::unique_ptr<bridges::BridgeOutput> output = std::move(created).value();
  spdlog::info("jsonl: reading {} as source={} epoch={}",
               from_stdin ? "standard input" : options.input_path, options.output.source,
               output->publisher().sequencer().source_epoch());

  const EnvelopeLineOptions line_options{options.ignore_unknown_fields};
  LineReader reader(fd, options.max_line_bytes);
  bridges::InputCounts counts;
  std::string line;
  std::string error;
  v1::Envelope env;
  int bad_lines_logged = 0;
  int exit_code = 0;
  auto last_summary = std::chrono::steady_clock::now();
  std::uint64_t last_summary_total = 0;
  const auto bad_line = [&](std::string_view outcome, const std::string& detail) {
    counts.Add(outcome);
    if (bad_lines_logged < kLoggedBadLines) {
      spdlog::warn("jsonl: line {}: {}{}{}", reader.line_number(), outcome,
                   detail.empty() ? "" : ": ", detail);
      if (++bad_lines_logged == kLoggedBadLines) {
        spdlog::warn("jsonl: further unusable lines are counted without a log line");
      }
    }
  };

  while (!bridges::StopRequested()) {
    const LineReader::Result r = reader.Next(kPollMs, &line);
    if (r == LineReader::Result::kEnd) break;
    if (r == LineReader::Result::kError) {
      spdlog::error("jsonl: reading {} failed: {}", options.input_path,
                    std::strerror(reader.error()));
      exit_code = 1;
      break;
    }
    if (r == LineReader::Result::kTooLong) {
      bad_line(kOutcomeLineTooLong, "longer than --max-line-bytes");
    } else if (r == LineReader::Result::kLine) {
      error.clear();
      const std::string_view outcome = ParseEnvelopeLine(line, line_options, &env, &error);
      if (outcome == kOutcomeBlankLine) {
        counts.Add(outcome);
      } else if (outcome != kOutcomePublished) {
        bad_line(outcome, error);
      } else if (Status s = output->Publish(env); s.ok()) {
        counts.Add(kOutcomePublished);
      } else if (s.code() == StatusCode::kInvalidArgument) {
        bad_line(kOutcomeRejectedBySink, s.message());
      } else {
        spdlog::error("jsonl: publishing failed: {}", s.message());
        exit_code = 1;
        break;
      }
    }
    if (Status s = output->Tick(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
      spdlog::error("jsonl: heartbeat failed: {}", s.message());
      exit_code = 1;
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_summary >= kSummaryEvery && counts.Total() != last_summary_total) {
      spdlog::info("jsonl: input outcomes so far: {}", counts.Summary());
      last_summary = now;
      last_summary_total = counts.Total();
    }
  }
  if (bridges::StopRequested()) spdlog::info("jsonl: stop requested");
  if (exit_code == 0) {
    if (Status s = output->Heartbeat(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
      spdlog::error("jsonl: final heartbeat failed: {}", s.message());
      exit_code = 1;
    }
  }
  spdlog::info("jsonl: published {} events and {} heartbeats as source={} epoch={}",
               output->events_published(),
               output->publisher().published() - output->events_published(), options.output.source,
               output->publisher().sequencer().source_epoch());
  spdlog::info("jsonl: input outcomes: {}", counts.Summary());
  return exit_code;
}

}  // namespace ccmon::jsonl
