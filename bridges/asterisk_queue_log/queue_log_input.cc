#include "bridges/asterisk_queue_log/queue_log_input.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "bridges/asterisk_queue_log/position_file.h"

namespace ccmon::asterisk_queue_log {
namespace {

// A verb for a log message: at most 40 printable characters (QueueLog() writes anything).
std::string PrintableVerb(std::string_view verb) {
  std::string out;
  for (const char c : verb.substr(0, 40)) {
    out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  }
  return out;
}

}  // namespace

void OutcomeLog::Count(Outcome outcome, const QueueLogRecord& record, std::string_view where) {
  counts_->Add(OutcomeName(outcome));
  std::uint64_t suppressed = 0;
  if (outcome == Outcome::kUnknownVerb && unknown_limiter_.Allow(&suppressed)) {
    spdlog::warn("asterisk-queue-log: {}: unknown verb \"{}\" counted as unknown_verb{}", where,
                 PrintableVerb(record.verb),
                 suppressed > 0 ? fmt::format(" ({} more not logged)", suppressed) : "");
  } else if (outcome == Outcome::kMalformed && malformed_limiter_.Allow(&suppressed)) {
    spdlog::warn("asterisk-queue-log: {}: {} line without the callid, queue or agent it needs{}",
                 where, PrintableVerb(record.verb),
                 suppressed > 0 ? fmt::format(" ({} more not logged)", suppressed) : "");
  }
}

void OutcomeLog::CountMalformed(std::string_view where, std::string_view reason) {
  counts_->Add(OutcomeName(Outcome::kMalformed));
  std::uint64_t suppressed = 0;
  if (malformed_limiter_.Allow(&suppressed)) {
    spdlog::warn("asterisk-queue-log: {}: malformed ({}){}", where, reason,
                 suppressed > 0 ? fmt::format(" ({} more not logged)", suppressed) : "");
  }
}

QueueLogTail::QueueLogTail(QueueLogFollower* follower, QueueLogMapper* mapper,
                           bridges::InputCounts* counts, const Clock* clock,
                           std::string position_path)
    : follower_(follower),
      mapper_(mapper),
      log_(counts, clock),
      position_path_(std::move(position_path)) {}

Result<bool> QueueLogTail::Step() {
  auto batch = follower_->Poll();
  if (!batch.ok()) return batch.status();
  // Where each line starts, for log messages: the batch ends at the position, unless it ends a
  // rotated-away file (then the position is the new file's).
  std::uint64_t batch_bytes = 0;
  for (const std::string& line : batch->lines) batch_bytes += line.size() + 1;
  std::uint64_t start = batch->position.offset - std::min(batch->position.offset, batch_bytes);
  const bool offsets_known = batch->position.offset >= batch_bytes;
  QueueLogRecord record;
  for (const std::string& line : batch->lines) {
    ++lines_;
    dirty_ = true;
    const auto where = [&] {
      return offsets_known ? fmt::format("line at byte {}", start)
                           : std::string("last lines of the rotated file");
    };
    if (Status parsed = ParseQueueLogLine(line, &record); !parsed.ok()) {
      log_.CountMalformed(where(), parsed.message());
    } else {
      auto outcome = mapper_->Map(record);
      if (!outcome.ok()) return outcome.status();
      const bool logged = *outcome == Outcome::kUnknownVerb || *outcome == Outcome::kMalformed;
      log_.Count(*outcome, record, logged ? where() : std::string());
    }
    start += line.size() + 1;
  }
  if (!(batch->position == saved_)) dirty_ = true;
  if (Status s = Save(); !s.ok()) return s;
  return batch->at_end;
}

Status QueueLogTail::Save() {
  if (position_path_.empty() || !dirty_) return Status::Ok();
  SavedPosition saved{follower_->position(), mapper_->SaveState()};
  if (Status s = SavePosition(position_path_, saved); !s.ok()) return s;
  saved_ = saved.file;
  dirty_ = false;
  return Status::Ok();
}

Status ReplayExport(const ExportContents& contents, QueueLogMapper* mapper,
                    bridges::InputCounts* counts, const Clock* clock) {
  OutcomeLog log(counts, clock);
  for (const RejectedRow& row : contents.malformed) {
    log.CountMalformed(fmt::format("line {}", row.line), row.reason);
  }
  std::size_t index = 0;
  for (const QueueLogRecord& record : contents.records) {
    ++index;
    auto outcome = mapper->Map(record);
    if (!outcome.ok()) return outcome.status();
    log.Count(*outcome, record, fmt::format("record {} in time order", index));
  }
  return Status::Ok();
}

}  // namespace ccmon::asterisk_queue_log
