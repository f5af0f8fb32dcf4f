// RecordMapper: turns per-contact CSV records into each contact's lifecycle events, and puts the
// events of all contacts in one global time order.
//
// A record says what happened to one contact from arrival to the end (one row per call), not
// when each event happened relative to the other contacts; the daemon, however, needs one stream
// in time order per source (its event clock fires service-level breaches and never goes back).
// So the mapper keeps every contact's timeline (enqueue, dequeue, conversation end, wrap-up end)
// and Schedule() sorts all their events by time — for a whole file at once. Memory is about
// 350 bytes per published contact, its events included (14 MB for the 38,711 contacts of the
// Technion August 1999 file), i.e. ~350 MB for a million calls.
//
// Every record ends in exactly one outcome (the names below, documented with their meaning in
// docs/bridges/records.md); ReadRecords() counts them in InputCounts, so the sum is the number
// of records read and nothing disappears unexplained.
//
// Used by the records command (records_command.h) and tests. Threading: not thread-safe; one
// thread owns a mapper.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bridges/core/input_counts.h"
#include "bridges/records/mapping.h"
#include "ccmon/v1/events.pb.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/status.h"

namespace ccmon::records {

// Record outcomes. Published: the record's events go out.
inline constexpr std::string_view kOutcomeAnswered = "answered";
inline constexpr std::string_view kOutcomeAnsweredWithoutQueue = "answered_without_queue";
inline constexpr std::string_view kOutcomeAbandoned = "abandoned";
inline constexpr std::string_view kOutcomeExited = "exited";
inline constexpr std::string_view kOutcomeCallbackRequested = "callback_requested";
// Not published, by the mapping's choice (not errors).
inline constexpr std::string_view kOutcomeAnsweredNotOffered = "answered_not_offered";
inline constexpr std::string_view kOutcomeNeverQueued = "never_queued";
inline constexpr std::string_view kOutcomeIgnored = "ignored";
inline constexpr std::string_view kOutcomeBlankLine = "blank_line";
// Rejected: the record is not usable as it is (errors in the data).
inline constexpr std::string_view kOutcomeBadColumnCount = "bad_column_count";
inline constexpr std::string_view kOutcomeMissingContactId = "missing_contact_id";
inline constexpr std::string_view kOutcomeDuplicateContactId = "duplicate_contact_id";
inline constexpr std::string_view kOutcomeUnknownQueue = "unknown_queue";
inline constexpr std::string_view kOutcomeUnknownOutcome = "unknown_outcome";
inline constexpr std::string_view kOutcomeBadPriority = "bad_priority";
inline constexpr std::string_view kOutcomeBadTime = "bad_time";
inline constexpr std::string_view kOutcomeMissingTime = "missing_time";
inline constexpr std::string_view kOutcomeTimeOutOfOrder = "time_out_of_order";
inline constexpr std::string_view kOutcomeTornRecord = "torn_record";

// What one published record became.
struct ContactTimeline {
  std::string contact_id;
  std::string queue;
  std::string caller_key;  // Hashed; empty = anonymous.
  std::string agent_id;    // Empty = unknown.
  std::int32_t priority = 0;
  MappedOutcome outcome;
  UnixMs enqueue_ms = 0;  // ContactQueued.
  UnixMs dequeue_ms = 0;  // ContactAnswered / ContactAbandoned / ContactExited / Callback.
  UnixMs end_ms = 0;      // ContactEnded (answered only).
  UnixMs wrap_up_ms = 0;  // WrapUpEnded (answered only).
};

// One event of one contact.
struct ScheduledEvent {
  enum class Step : std::uint8_t { kQueued, kDequeued, kEnded, kWrapUpEnded };
  UnixMs time_ms = 0;
  std::uint32_t contact = 0;  // Index into RecordMapper::timelines().
  Step step = Step::kQueued;
};

class RecordMapper {
 public:
  // `mapping` and `hasher` must outlive the mapper.
  RecordMapper(const RecordMapping& mapping, const CallerKeyHasher& hasher);

  // Finds the mapping's columns in a header record. InvalidArgument names the key and the
  // missing column ("technion.yaml: times.enqueue: column \"q_start\" is not in the header").
  Status BindHeader(const std::vector<std::string>& header);

  // For files without a header: every column the mapping names must be a 1-based number.
  Status BindNumbered();

  // Maps one record (after a Bind); returns its outcome (one of kOutcome…). Published records
  // add a timeline and its events.
  std::string_view Map(const std::vector<std::string>& fields);

  const RecordMapping& mapping() const { return mapping_; }
  // One per published record, in file order (fewer than 2^32).
  const std::vector<ContactTimeline>& timelines() const { return timelines_; }

  // Every event of every published record, ordered by time; ties keep file order, and a
  // contact's own events keep their lifecycle order (they never go back in time).
  std::vector<ScheduledEvent> Schedule() const;

  // The envelope of one scheduled event (time and event set; the sink stamps the rest).
  v1::Envelope MakeEnvelope(const ScheduledEvent& e) const;

 private:
  // Column indexes of the mapping's roles; -1 = not mapped.
  struct Columns {
    std::vector<int> contact_id;
    int queue = -1, caller = -1, agent = -1, priority = -1, date = -1, arrival = -1;
    int enqueue = -1, dequeue = -1, wait = -1, end = -1, talk = -1, wrap_up = -1, outcome = -1;
    std::vector<int> answer;
  };
  enum class TimeResult : std::uint8_t { kPresent, kAbsent, kBad };

  Status Bind(const std::vector<std::string>& header, bool numbered);
  std::string_view Field(const std::vector<std::string>& fields, int column) const;
  // Reads a time column without placing it on a day yet.
  TimeResult ReadRaw(const std::vector<std::string>& fields, int column, ParsedTime* out) const;
  // Places a read time: the record's date (and the next day if the time of day is more than
  // 12 h before the anchor's), then UTC.
  UnixMs ToUtc(const ParsedTime& t, const ParsedTime& date, std::int64_t anchor_tod_ms) const;

  const RecordMapping& mapping_;
  const CallerKeyHasher& hasher_;
  Columns columns_;
  std::size_t min_fields_ = 0;
  bool bound_ = false;
  std::vector<ContactTimeline> timelines_;
  std::unordered_set<std::string> contact_ids_;
};

// Reads CSV records from `in` (named `input_name` in messages) through `mapper`, counting each
// record's outcome in *counts (the header is not a record). InvalidArgument for a file that has
// no header or whose header lacks a mapped column; everything wrong with a single record is an
// outcome, never an error.
Status ReadRecords(std::istream& in, std::string_view input_name, RecordMapper* mapper,
                   bridges::InputCounts* counts);

}  // namespace ccmon::records
