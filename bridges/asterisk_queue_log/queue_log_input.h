// The input side of `ccmon-bridge asterisk-queue-log`, without sockets or signals, so tests drive
// it exactly as the command does:
//
//   - QueueLogTail: one Step() takes the follower's next lines, parses and maps each, counts its
//     outcome, and then saves the position (file position + mapper state) when one is configured.
//     The position is saved only after the events of every line before it were published.
//   - ReplayExport(): maps the records of a table export in order and counts the rows that were
//     not records.
//
// Lines that cannot be used are logged at a limited rate with where they are and why, never with
// their content (a line may hold a caller number).
//
// Threading: not thread-safe; one thread runs the input, the mapper and its sink.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bridges/asterisk_queue_log/file_follower.h"
#include "bridges/asterisk_queue_log/queue_log_mapper.h"
#include "bridges/asterisk_queue_log/table_export.h"
#include "bridges/core/input_counts.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/status.h"

namespace ccmon::asterisk_queue_log {

// Counts outcomes and logs the unusable ones (malformed lines, unknown verbs) at a limited rate.
class OutcomeLog {
 public:
  OutcomeLog(bridges::InputCounts* counts, const Clock* clock)
      : counts_(counts),
        malformed_limiter_(clock, 60'000, 10),
        unknown_limiter_(clock, 60'000, 10) {}

  // Counts `outcome` for the record at `where` ("line 12", "byte 4096 of /var/log/…").
  void Count(Outcome outcome, const QueueLogRecord& record, std::string_view where);
  // Counts a line or row that is not a record.
  void CountMalformed(std::string_view where, std::string_view reason);

 private:
  bridges::InputCounts* counts_;
  LogRateLimiter malformed_limiter_;
  LogRateLimiter unknown_limiter_;
};

class QueueLogTail {
 public:
  // Every pointer must outlive the tail. `position_path` "" = do not persist.
  QueueLogTail(QueueLogFollower* follower, QueueLogMapper* mapper, bridges::InputCounts* counts,
               const Clock* clock, std::string position_path);

  // Reads and maps what the follower has now (at most one read chunk), then saves the position.
  // Returns true when the follower had reached the end of its input. A publishing or reading
  // failure, or a position that cannot be saved, is returned as is.
  Result<bool> Step();

  // Saves the position if anything changed since the last save (also at exit).
  Status Save();

  std::uint64_t lines() const { return lines_; }

 private:
  QueueLogFollower* follower_;
  QueueLogMapper* mapper_;
  OutcomeLog log_;
  std::string position_path_;
  FilePosition saved_;
  bool dirty_ = true;
  std::uint64_t lines_ = 0;
};

// Maps every record of `contents` in order and counts each row's outcome (malformed rows
// included). Returns the sink's failure, if any, at the record where it happened.
Status ReplayExport(const ExportContents& contents, QueueLogMapper* mapper,
                    bridges::InputCounts* counts, const Clock* clock);

}  // namespace ccmon::asterisk_queue_log
