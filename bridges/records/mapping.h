// RecordMapping: how the columns of a per-contact CSV export (CDR/CTR style: one row per call,
// with its arrival, queue and service times) become the contact's lifecycle events. Loaded from
// a strict YAML mapping file; the reference of every key is docs/bridges/records.md, and the
// mapping of the Technion "Anonymous Bank" records is config/bridges/technion-anonymous-bank.yaml.
//
// Loading is strict like the daemon's config: an unknown key, a missing required key, a value of
// the wrong kind, two keys that exclude each other, an unknown time zone or outcome name — each is
// an InvalidArgument whose message names the file and the key ("technion.yaml: times.wait: ...").
// Overrides ("times.date.format=%Y-%m-%d") replace or add one key before the checks, so a mapping
// can be reused for a file that differs in one detail.
//
// Used by the records bridge (record_mapper.h, records_command.h). Threading: a RecordMapping is
// an immutable value after loading.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/records/time_format.h"
#include "ccmon/v1/events.pb.h"
#include "common/status.h"
#include "common/time_zone.h"

namespace ccmon::records {

// What the outcome column says happened to a contact.
enum class OutcomeKind : std::uint8_t {
  kAnswered,           // An agent answered (ContactAnswered, ContactEnded, WrapUpEnded).
  kAbandoned,          // The caller hung up while waiting (ContactAbandoned).
  kExited,             // Left the queue unanswered for a reason (ContactExited).
  kCallbackRequested,  // Chose a callback while waiting (CallbackRequested).
  kNeverQueued,        // Never entered a queue (IVR only, outbound…): nothing is published.
  kIgnore,             // Not a contact at all (test or phantom records): nothing is published.
};

struct MappedOutcome {
  OutcomeKind kind = OutcomeKind::kIgnore;
  v1::ExitReason exit_reason = v1::EXIT_REASON_UNSPECIFIED;  // kExited only.
};

// What to do with an answered record that has no enqueue time.
enum class AnsweredWithoutQueue : std::uint8_t {
  kOffered,     // Offered and answered at the answer time, wait 0 ("answered without waiting").
  kNotOffered,  // Not offered to any queue: nothing is published.
};

// A value taken from a column, translated through `values` when it is not empty.
struct ColumnMap {
  std::string column;                         // Header name (or 1-based number without header).
  std::map<std::string, std::string> values;  // Empty: the value is used as it is.
  std::optional<std::string> default_value;   // For values not in `values`; none = reject.
};

struct RecordMapping {
  std::string origin;  // The file name, for messages.

  // csv:
  char separator = ',';
  bool header = true;

  // contact_id: one or more columns, joined with '-'.
  std::vector<std::string> contact_id;

  // queue: a constant, or a column (optionally translated).
  std::string queue_constant;
  ColumnMap queue;

  v1::Channel channel = v1::CHANNEL_VOICE;

  // caller: empty column = every contact anonymous.
  std::string caller_column;
  std::vector<std::string> anonymous_callers;

  // agent: empty column = no agent ids.
  std::string agent_column;
  std::vector<std::string> no_agent;

  // priority: empty column = 0; else an integer column, or values translated through the map.
  std::string priority_column;
  std::map<std::string, std::int32_t> priority_values;

  // times:
  TimeZone time_zone = TimeZone::Utc();
  std::string date_column;                // Empty: the time format carries the date.
  std::optional<TimeFormat> date_format;  // Set with date_column.
  std::optional<TimeFormat> time_format;  // Always set after loading.
  std::vector<std::string> absent_times;  // Values of a time column meaning "no time".
  std::string arrival;                    // Time column anchoring the day; may be empty.
  std::string enqueue;                    // Time column; required.
  std::string dequeue;                    // Time column; or:
  std::string wait;                       // Duration column (dequeue = enqueue + wait).
  std::vector<std::string> answer;        // Time columns, first present wins.
  std::string end;                        // Time column; or:
  std::string talk;                       // Duration column (end = answer + talk).
  std::string wrap_up;                    // Duration column; may be empty (no ACW).
  DurationUnit duration_unit = DurationUnit::kSeconds;

  // outcome:
  std::string outcome_column;
  std::map<std::string, MappedOutcome> outcomes;
  AnsweredWithoutQueue answered_without_queue = AnsweredWithoutQueue::kOffered;

  // Every use of a column above: the key that names it ("times.enqueue") and the column.
  struct ColumnUse {
    std::string key;
    std::string column;
  };
  std::vector<ColumnUse> ColumnUses() const;
};

// Parses mapping `yaml` (named `origin` in messages) after applying `overrides`, each
// "key.path=value" (the value is a string, or a YAML flow list/map when it starts with '[' or
// '{'). Time zones are read from $TZDIR or /usr/share/zoneinfo. InvalidArgument names the key.
Result<RecordMapping> ParseMapping(std::string_view yaml, std::string_view origin,
                                   const std::vector<std::string>& overrides = {});

// Reads and parses the mapping file at `path`. NotFound/IoError when it cannot be read.
Result<RecordMapping> LoadMapping(const std::string& path,
                                  const std::vector<std::string>& overrides = {});

// The outcome names a mapping may use, for messages and docs: "answered", "abandoned", "exited",
// "exited:<reason>", "callback", "never_queued", "ignore".
Result<MappedOutcome> ParseOutcomeName(std::string_view name);

}  // namespace ccmon::records
