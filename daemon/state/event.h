// Event: one canonical event as the state sees it, decoded from the wire by ingest.
//
// Built by ingest (daemon/ingest/envelope_decoder.h) on the ingest thread, handed to the engine in
// batches, applied by the Lifecycle on the engine thread. Which fields are meaningful depends on
// `type` (the comments name the event types that set them); the others keep their defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/state/types.h"

namespace ccmon::state {

enum class EventType : std::uint8_t {
  kContactQueued = 0,
  kContactRinging,
  kContactRingTimeout,
  kContactAnswered,
  kContactAbandoned,
  kContactExited,
  kContactTransferred,
  kContactHeld,
  kContactResumed,
  kContactEnded,
  kWrapUpEnded,
  kCallbackRequested,
  kAgentStateChanged,
  kSurveyCompleted,
  kHeartbeat,
};
inline constexpr int kEventTypeCount = 15;

// Label-friendly name ("contact_queued", …).
std::string_view EventTypeName(EventType t);

struct Event {
  EventType type = EventType::kHeartbeat;
  UnixMs time_ms = 0;           // When it happened at the ACD.
  SourceId source = kNoSource;  // Interned by the engine before Apply (see SourceRegistry).
  std::string source_name;      // Envelope.source, as received.
  std::string tenant;

  std::string contact_id;  // Contact events.
  std::string queue;       // Contact events.
  std::string agent_id;    // Ringing, RingTimeout, Answered, WrapUpEnded, AgentStateChanged.

  // ContactQueued.
  Channel channel = Channel::kVoice;
  std::string caller_key;  // Hashed; empty = anonymous.
  std::int32_t priority = 0;
  std::string segment;
  std::uint32_t position = 0;
  std::string transferred_from_queue;

  // ContactRingTimeout.
  std::uint32_t ring_ms = 0;

  // ContactExited.
  ExitReason exit_reason = ExitReason::kOther;
  // ContactExited, ContactTransferred: where it went.
  std::string destination;
  // ContactTransferred.
  std::string target_queue;
  bool blind = false;

  // ContactEnded.
  EndedBy ended_by = EndedBy::kUnspecified;

  // WrapUpEnded, SurveyCompleted.
  Resolution resolution = Resolution::kUnspecified;
  std::string disposition;
  // SurveyCompleted.
  std::uint32_t csat = 0;

  // AgentStateChanged.
  AgentState agent_state = AgentState::kLoggedOut;
  std::string reason;
  std::vector<std::string> agent_queues;

  // Heartbeat.
  AcdConnection acd_connection = AcdConnection::kUnspecified;
  std::uint32_t heartbeat_interval_ms =
      1000;  // The bridge's promised interval (0 on the wire = 1000).
};

}  // namespace ccmon::state
