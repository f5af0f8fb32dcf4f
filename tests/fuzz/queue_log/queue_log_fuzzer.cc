// libFuzzer target for the asterisk-queue-log bridge's parsers of untrusted input: the queue_log
// line parser and the mapper behind it, the table-export readers (CSV, SQL dump, psql output),
// and the mapper's saved state. Any bytes must parse to records or counted rejections, never
// crash; the mapper must never publish an event the contract refuses (a contact event without a
// queue), and its saved state must restore to the same state.
//
// Build (clang): see tests/fuzz/CMakeLists.txt; run:
//   build-fuzz/fuzz/queue_log_fuzzer tests/fuzz/queue_log/corpus -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bridges/asterisk_queue_log/queue_log_mapper.h"
#include "bridges/asterisk_queue_log/queue_log_record.h"
#include "bridges/asterisk_queue_log/table_export.h"
#include "common/caller_key.h"
#include "common/publisher.h"

namespace {

using namespace ccmon;
using namespace ccmon::asterisk_queue_log;

void Check(bool ok) {
  if (!ok) std::abort();
}

const CallerKeyHasher& Hasher() {
  static const CallerKeyHasher hasher = CallerKeyHasher::FromKeyHex(std::string(64, '5')).value();
  return hasher;
}

// Maps records, checking that every event is accepted and the state survives a save/restore.
void MapAll(const std::vector<QueueLogRecord>& records) {
  CapturingSink sink;
  QueueLogMapper mapper(&sink, &Hasher());
  for (const QueueLogRecord& r : records) {
    const Result<Outcome> outcome = mapper.Map(r);
    Check(outcome.ok());  // CapturingSink refuses only what the contract forbids.
    sink.Clear();
  }
  const std::string state = mapper.SaveState();
  CapturingSink other_sink;
  QueueLogMapper other(&other_sink, &Hasher());
  Check(other.RestoreState(state).ok());
  Check(other.SaveState() == state);
  (void)other.RestoreState(std::string_view(state).substr(0, state.size() / 2));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The file Asterisk writes: one record per line.
  std::vector<QueueLogRecord> records;
  for (std::string_view rest = text; !rest.empty();) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    QueueLogRecord r;
    if (ParseQueueLogLine(line, &r).ok()) {
      Check(r.time_ms > 0 && !r.verb.empty());
      records.push_back(std::move(r));
    }
  }
  MapAll(records);

  // The same bytes as each kind of table export.
  const TimeZone utc = TimeZone::Utc();
  for (const InputFormat format : {InputFormat::kCsv, InputFormat::kSql, InputFormat::kPsql}) {
    const Result<ExportContents> contents = ReadTableExport(text, format, utc);
    if (!contents.ok()) continue;
    for (std::size_t i = 1; i < contents->records.size(); ++i) {
      // Replay order: never earlier than the previous record within a block; blocks follow
      // each other, so only check records are valid.
      Check(contents->records[i].time_ms > 0 && !contents->records[i].verb.empty());
    }
    MapAll(contents->records);
  }
  (void)SniffInputFormat(text);
  return 0;
}
