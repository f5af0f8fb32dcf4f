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

struct IngestStats {
  std::uint64_t messages_received = 0;  // Every message taken off the sockets.
  std::array<std::uint64_t, kEventTypeCount> events_applied{};
  std::array<std::uint64_t, kRejectReasonCount> rejected{};
  std::array<std::uint64_t, kAnomalyCount> anomalies{};
  std::uint64_t sequence_gaps = 0;   // Gaps detected.
  std::uint64_t events_missing = 0;  // Sum of the gaps' sizes (events not received).
  std::uint64_t duplicates = 0;      // seq <= last applied: dropped.
  std::uint64_t epoch_changes = 0;   // A source restarted its numbering.
  std::uint64_t contacts_evicted = 0;
  std::uint64_t batches = 0;
};

}  // namespace ccmon::state
