// Readers for queue_log tables exported from a database, for replaying history:
//
//   - CSV with a header row: Asterisk's realtime table (`time, callid, queuename, agent, event`
//     plus `data1..data5`, or one `data` column holding the '|'-joined parameters) and Bicom
//     PBXware's own export (`date_time, callid, queue_name, type, event, param1..param3, entpos,
//     expos, htime, ttime, time`), told apart by their columns;
//   - SQL dumps (mysqldump style `INSERT INTO t [(columns)] VALUES (…),(…);`, the column names
//     taken from the statement, else from the table's CREATE TABLE, else from the realtime
//     layout by count); tables whose columns are not a queue_log layout are skipped;
//   - psql's aligned output (`col | col` header, `----+----` rule, rows up to a blank line or
//     "(N rows)"), any number of tables in one document (e.g. a documentation page).
//
// A `time` column that is not an epoch number is a local date-time of the database server and is
// converted with the given time zone. Each block (a CSV file, an INSERT statement, a psql table)
// is put in time order for replay: a block written newest first is reversed, then sorted by
// time, stably, so rows of the same instant keep their written order.
//
// The column mapping of each layout is in docs/bridges/asterisk-queue-log.md ("Formats"). Pure
// functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/asterisk_queue_log/queue_log_record.h"
#include "common/status.h"
#include "common/time_zone.h"

namespace ccmon::asterisk_queue_log {

// What `--format` names: the flat file Asterisk appends to, or an export.
enum class InputFormat { kQueueLogFile, kCsv, kSql, kPsql };

// "file", "csv", "sql", "psql" → the format; anything else nullopt ("auto" is the caller's).
std::optional<InputFormat> ParseInputFormat(std::string_view name);
std::string_view InputFormatName(InputFormat format);

// Guesses the format from the start of a file (a few kilobytes are enough): a line starting
// `<digits>|` is a queue_log file; `INSERT INTO` or `CREATE TABLE` means SQL; a `---+---` rule
// under a `|` header means psql; a first line with commas means CSV. Empty or anything else: a
// queue_log file (the file Asterisk has not written to yet).
InputFormat SniffInputFormat(std::string_view head);

// A row that could not become a record: where it is and why (never its content).
struct RejectedRow {
  std::uint64_t line = 0;  // 1-based line of the input where the row starts.
  std::string reason;
};

struct ExportContents {
  std::vector<QueueLogRecord> records;  // In replay order.
  std::vector<RejectedRow> malformed;   // Rows that are not records: wrong column count, bad time.
  std::size_t blocks = 0;               // CSV files, INSERT statements or psql tables read.
  std::size_t reversed_blocks = 0;      // Blocks that were written newest first.
  std::size_t skipped_rows = 0;         // SQL rows of other tables (not queue_log layouts).
};

// Reads an export held in `text`. InvalidArgument when it holds no queue_log table (the message
// names the columns that are missing); rows that do not fit are in `malformed`, not errors.
Result<ExportContents> ReadTableExport(std::string_view text, InputFormat format,
                                       const TimeZone& zone);

// The same for a file. NotFound/IoError when it cannot be read.
Result<ExportContents> ReadTableExportFile(const std::string& path, InputFormat format,
                                           const TimeZone& zone);

}  // namespace ccmon::asterisk_queue_log
