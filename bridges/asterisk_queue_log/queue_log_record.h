// One Asterisk queue_log entry, whatever it was read from (the flat file Asterisk appends to, or
// a row of a realtime-table export), and the parsers for the flat-file line and for timestamps.
//
// A record keeps the verb's parameters as Asterisk wrote them (data1, data2, …) and does not
// interpret them: how many there are depends on the verb and on the Asterisk version
// (docs/bridges/asterisk-queue-log.md, "Verbs"), and QueueLogMapper reads them tolerantly.
//
// Used by the table-export readers, the mapper and `ccmon-bridge asterisk-queue-log`. Pure
// functions over values; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/time_zone.h"

namespace ccmon::asterisk_queue_log {

struct QueueLogRecord {
  UnixMs time_ms = 0;  // When Asterisk wrote the entry (its clock), Unix milliseconds; > 0.
  std::string callid;  // Caller channel uniqueid, or NONE/MANAGER/CLI/REALTIME.
  std::string queue;   // Queue name, or NONE for system and agent-wide entries.
  std::string agent;   // Member name (or interface for ADDMEMBER/REMOVEMEMBER), or NONE.
  std::string verb;    // ENTERQUEUE, CONNECT, … as written (upper case by convention).
  std::vector<std::string> data;  // data1, data2, … as written; may be empty.

  // data(i) for i = 1, 2, …; "" when the record has fewer parameters.
  std::string_view Data(std::size_t one_based) const {
    return one_based >= 1 && one_based <= data.size() ? std::string_view(data[one_based - 1])
                                                      : std::string_view();
  }
};

// Parses one line of a queue_log file, without its "\n" (a trailing "\r" is ignored):
// `time|callid|queue|agent|VERB|data1|data2|…`. The fields are not escaped by Asterisk, so every
// '|' separates a field. Fails with InvalidArgument and a short reason ("fewer than 5 fields",
// "bad timestamp", "empty verb") that never quotes the line (it may hold a caller number).
Status ParseQueueLogLine(std::string_view line, QueueLogRecord* record);

// Parses an epoch timestamp as queue_log writers produce it: Unix seconds ("1341343640"),
// seconds with a fraction ("1341343640.896208"), or Unix milliseconds (a whole number of 12
// digits or more, i.e. from 1973 on in ms; seconds would be past the year 5000). nullopt unless
// the text is such a number and the instant is after 1970-01-01.
std::optional<UnixMs> ParseEpochTime(std::string_view text);

// Parses a local date and time "YYYY-MM-DD HH:MM:SS" with an optional fraction of a second
// (".896208", truncated to milliseconds) and an optional 'T' instead of the space, as the
// realtime queue_log table stores it, and converts it from `zone` to Unix milliseconds. In the
// hour repeated when clocks go back the earlier instant is taken; a time inside the hour skipped
// when clocks go forward is read with the offset in force before the change. nullopt if the text
// is not such a date-time.
std::optional<UnixMs> ParseLocalDateTime(std::string_view text, const TimeZone& zone);

// ParseEpochTime, else ParseLocalDateTime: what a `time` column of an export may hold.
std::optional<UnixMs> ParseTableTime(std::string_view text, const TimeZone& zone);

// Parses a non-negative decimal integer that fits in 32 bits ("" and anything else: nullopt).
std::optional<std::uint32_t> ParseCount(std::string_view text);

}  // namespace ccmon::asterisk_queue_log
