// IngestStats: the daemon's own counters about what it received, rejected and could not place.
//
// Written by ingest (decode rejects arrive with each batch; sequence checks run on the engine
// thread) and by the Lifecycle (anomalies); read by the ingest-health collector at scrape time.
// Engine thread only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "daemon/state/event.h"

namespace ccmon::state {

// Why an incoming message was not applied at all.
enum class RejectReason : std::uint8_t {
  kMalformedFrame = 0,  // Not two frames, or an empty frame.
  kUndecodable,         // The Envelope did not parse.
  kUnknownEvent,        // No event we know (a newer schema).
  kMissingField,        // A required field is empty (source, epoch, contact id, queue, agent id).
  kInvalidValue,        // A field out of range (unknown enum value, csat > 5, …).
  kOversized,           // A frame or string field beyond the configured limits.
  kTopicMismatch,       // The topic does not match the event it carries.
  kSourceCap,           // Too many distinct sources.
  kAgentCap,            // Too many distinct agents.
  kContactCap,          // Too many live contacts.
};
inline constexpr int kRejectReasonCount = 10;
std::string_view RejectReasonName(RejectReason r);

// Events that were applied but could not be placed in a contact's or agent's lifecycle.
enum class Anomaly : std::uint8_t {
  kUnknownContact = 0,    // Event for a contact never queued (held back, then given up).
  kDuplicateEvent,        // The same transition twice (e.g. a second answer).
  kImpossibleTransition,  // E.g. a hold for a waiting contact, an abandon after answer.
  kEndedWhileWaiting,     // Conversation end before any answer: closed as exited{reason="other"}.
  kImplicitTransfer,      // Queued again elsewhere without a transfer event.
  kPendingOverflow,       // Too many held-back events for unknown contacts.
  kWrapUpUnreported,      // A conversation whose after-contact work never ended (timed out).
  kQueueMismatch,         // An event named another queue than the contact's current one.
};
inline constexpr int kAnomalyCount = 8;
std::string_view AnomalyName(Anomaly a);

// How a replay request ended (daemon/ingest/resequencer.h, docs/events.md "Replay").
enum class ReplayResult : std::uint8_t {
  kOk = 0,     // Every requested event came back.
  kPartial,    // Some came back; the bridge's journal no longer holds the others.
  kGone,       // None came back: the journal no longer holds the range.
  kUnknown,    // The bridge knows nothing of that source, epoch and topic.
  kError,      // The bridge refused the request or its reply was unreadable.
  kTimeout,    // No reply within the subscription's replay timeout.
  kAbandoned,  // Given up unanswered because the hold limit was reached.
};
inline constexpr int kReplayResultCount = 7;
constexpr std::string_view ReplayResultName(ReplayResult r) {
  switch (r) {
    case ReplayResult::kOk:
      return "ok";
    case ReplayResult::kPartial:
      return "partial";
    case ReplayResult::kGone:
      return "gone";
    case ReplayResult::kUnknown:
      return "unknown";
    case ReplayResult::kError:
      return "error";
    case ReplayResult::kTimeout:
      return "timeout";
    case ReplayResult::kAbandoned:
      return "abandoned";
  }
  return "error";
}

struct IngestStats {
  std::uint64_t messages_received = 0;  // Every message taken off the sockets.
  std::array<std::uint64_t, kEventTypeCount> events_applied{};
  std::array<std::uint64_t, kRejectReasonCount> rejected{};
  std::array<std::uint64_t, kAnomalyCount> anomalies{};
  std::uint64_t sequence_gaps = 0;  // Gaps detected (a heartbeat revealing a lost tail included).
  // Events a gap revealed that are lost for good: no replay configured, no longer in the bridge's
  // journal, no reply in time, or given up at the hold limit. Recovered ones are not counted.
  std::uint64_t events_missing = 0;
  std::uint64_t duplicates = 0;     // seq <= last applied: dropped.
  std::uint64_t epoch_changes = 0;  // A source restarted its numbering.
  std::uint64_t contacts_evicted = 0;
  std::uint64_t batches = 0;

  // Replay. Every event a gap revealed ends up recovered or missing, or is still awaited.
  std::uint64_t events_recovered = 0;  // Replayed events applied in their gap's place.
  std::array<std::uint64_t, kReplayResultCount> replay_requests{};  // By ReplayResult.
  std::uint64_t replay_hold_overflows = 0;  // Times the hold limit made the daemon give up gaps.
  std::uint64_t replay_events_held = 0;     // Now: events held back behind unresolved gaps.
  std::uint64_t replay_events_awaited = 0;  // Now: events of gaps with a request outstanding.
};

}  // namespace ccmon::state
