#include "bridges/records/records_command.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "bridges/core/input_counts.h"
#include "bridges/records/mapping.h"
#include "bridges/records/record_mapper.h"
#include "bridges/runtime.h"
#include "common/caller_key.h"
#include "common/clock.h"

namespace ccmon::records {
namespace {

// How often the publishing loop looks at the stop request and the heartbeat interval.
constexpr std::size_t kCheckEvery = 1024;

int ExitCodeFor(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kInternal ? 1 : 2;
}

}  // namespace

CLI::App* AddRecordsCommand(CLI::App& app, RecordsOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "records",
      "Replay a per-contact CSV export (CDR/CTR) as lifecycle events through a column mapping");
  cmd->add_option("--mapping", o->mapping_path,
                  "Column mapping (YAML; e.g. config/bridges/technion-anonymous-bank.yaml)")
      ->required();
  cmd->add_option("--input", o->input_path, "CSV file to replay (- = standard input)")->required();
  cmd->add_option("--set", o->overrides,
                  "Override one mapping key, e.g. --set times.date.format=%Y-%m-%d (repeatable)");
  cmd->add_flag("--dry-run", o->dry_run, "Read and count the records; publish nothing");
  o->output.source = "records";
  bridges::AddOutputOptions(cmd, &o->output);
  return cmd;
}

int RunRecords(const RecordsOptions& options) {
  auto mapping = LoadMapping(options.mapping_path, options.overrides);
  if (!mapping.ok()) {
    spdlog::error("records: {}", mapping.status().message());
    return 2;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.input_path != "-") {
    file.open(options.input_path, std::ios::binary);
    if (!file) {
      spdlog::error("records: {}: cannot open the input file", options.input_path);
      return 2;
    }
    in = &file;
  }

  const WallClock wall_clock;
  std::unique_ptr<bridges::BridgeOutput> output;
  std::unique_ptr<CallerKeyHasher> dry_run_hasher;
  if (options.dry_run) {
    auto hasher = CallerKeyHasher::FromKeyHex(CallerKeyHasher::GenerateKeyHex());
    if (!hasher.ok()) {
      spdlog::error("records: {}", hasher.status().message());
      return 1;
    }
    dry_run_hasher = std::make_unique<CallerKeyHasher>(std::move(hasher).value());
  } else {
    auto created = bridges::BridgeOutput::Create(options.output, bridges::HeartbeatTime::kLastEvent,
                                                 wall_clock);
    if (!created.ok()) {
      spdlog::error("records: {}", created.status().message());
      return ExitCodeFor(created.status());
    }
    output = std::move(created).value();
  }

  const auto read_start = std::chrono::steady_clock::now();
  RecordMapper mapper(*mapping, output ? output->caller_keys() : *dry_run_hasher);
  bridges::InputCounts counts;
  if (Status s = ReadRecords(*in, options.input_path, &mapper, &counts); !s.ok()) {
    spdlog::error("records: {}", s.message());
    return 2;
  }
  const std::vector<ScheduledEvent> events = mapper.Schedule();
  const double read_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - read_start)
          .count();
  spdlog::info("records: read {} records from {} in {:.0f} ms: {} contacts, {} events to publish",
               counts.Total(), options.input_path, read_ms, mapper.timelines().size(),
               events.size());
  if (options.dry_run) {
    spdlog::info("records: input outcomes: {}", counts.Summary());
    return 0;
  }

  int exit_code = 0;
  std::size_t published = 0;
  for (const ScheduledEvent& e : events) {
    if (published % kCheckEvery == 0) {
      if (bridges::StopRequested()) break;
      if (Status s = output->Tick(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
        spdlog::error("records: heartbeat failed: {}", s.message());
        exit_code = 1;
        break;
      }
    }
    v1::Envelope env = mapper.MakeEnvelope(e);
    if (Status s = output->Publish(env); !s.ok()) {
      spdlog::error("records: publishing failed: {}", s.message());
      exit_code = 1;
      break;
    }
    ++published;
  }
  if (bridges::StopRequested()) {
    spdlog::info("records: stop requested after {} of {} events", published, events.size());
  }
  if (exit_code == 0) {
    if (Status s = output->Heartbeat(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
      spdlog::error("records: final heartbeat failed: {}", s.message());
      exit_code = 1;
    }
  }
  const std::uint64_t total = output->publisher().published();
  spdlog::info("records: published {} events and {} heartbeats as source={} epoch={}",
               output->events_published(), total - output->events_published(),
               options.output.source, output->publisher().sequencer().source_epoch());
  spdlog::info("records: input outcomes: {}", counts.Summary());
  return exit_code;
}

}  // namespace ccmon::records
