// Label values of the state's enumerations. They are part of the metric contract
// (docs/metrics.md): never rename one.
#include "daemon/state/event.h"
#include "daemon/state/ingest_stats.h"
#include "daemon/state/types.h"

namespace ccmon::state {

std::string_view ChannelName(Channel c) {
  switch (c) {
    case Channel::kVoice:
      return "voice";
    case Channel::kChat:
      return "chat";
    case Channel::kEmail:
      return "email";
    case Channel::kCallback:
      return "callback";
    case Channel::kVideo:
      return "video";
    case Channel::kSms:
      return "sms";
    case Channel::kSocial:
      return "social";
    case Channel::kTask:
      return "task";
  }
  return "voice";
}

std::string_view ExitReasonName(ExitReason r) {
  switch (r) {
    case ExitReason::kOther:
      return "other";
    case ExitReason::kTimeout:
      return "timeout";
    case ExitReason::kQueueFull:
      return "queue_full";
    case ExitReason::kNoAgents:
      return "no_agents";
    case ExitReason::kKeyPress:
      return "key_press";
    case ExitReason::kOverflow:
      return "overflow";
    case ExitReason::kWithdrawn:
      return "withdrawn";
    case ExitReason::kClosed:
      return "closed";
    case ExitReason::kLost:
      return "lost";
    case ExitReason::kCallback:
      return "callback";
  }
  return "other";
}

std::string_view AgentStateName(AgentState s) {
  switch (s) {
    case AgentState::kLoggedOut:
      return "logged_out";
    case AgentState::kAvailable:
      return "available";
    case AgentState::kReserved:
      return "reserved";
    case AgentState::kOnContact:
      return "on_contact";
    case AgentState::kAfterContactWork:
      return "after_contact_work";
    case AgentState::kNotReady:
      return "not_ready";
  }
  return "logged_out";
}

std::string_view EventTypeName(EventType t) {
  switch (t) {
    case EventType::kContactQueued:
      return "contact_queued";
    case EventType::kContactRinging:
      return "contact_ringing";
    case EventType::kContactRingTimeout:
      return "contact_ring_timeout";
    case EventType::kContactAnswered:
      return "contact_answered";
    case EventType::kContactAbandoned:
      return "contact_abandoned";
    case EventType::kContactExited:
      return "contact_exited";
    case EventType::kContactTransferred:
      return "contact_transferred";
    case EventType::kContactHeld:
      return "contact_held";
    case EventType::kContactResumed:
      return "contact_resumed";
    case EventType::kContactEnded:
      return "contact_ended";
    case EventType::kWrapUpEnded:
      return "wrap_up_ended";
    case EventType::kCallbackRequested:
      return "callback_requested";
    case EventType::kAgentStateChanged:
      return "agent_state_changed";
    case EventType::kSurveyCompleted:
      return "survey_completed";
    case EventType::kHeartbeat:
      return "heartbeat";
  }
  return "unknown";
}

std::string_view RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kMalformedFrame:
      return "malformed_frame";
    case RejectReason::kUndecodable:
      return "undecodable";
    case RejectReason::kUnknownEvent:
      return "unknown_event";
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kInvalidValue:
      return "invalid_value";
    case RejectReason::kOversized:
      return "oversized";
    case RejectReason::kTopicMismatch:
      return "topic_mismatch";
    case RejectReason::kSourceCap:
      return "source_cap";
    case RejectReason::kAgentCap:
      return "agent_cap";
    case RejectReason::kContactCap:
      return "contact_cap";
  }
  return "unknown";
}

std::string_view AnomalyName(Anomaly a) {
  switch (a) {
    case Anomaly::kUnknownContact:
      return "unknown_contact";
    case Anomaly::kDuplicateEvent:
      return "duplicate_event";
    case Anomaly::kImpossibleTransition:
      return "impossible_transition";
    case Anomaly::kEndedWhileWaiting:
      return "ended_while_waiting";
    case Anomaly::kImplicitTransfer:
      return "implicit_transfer";
    case Anomaly::kPendingOverflow:
      return "pending_overflow";
    case Anomaly::kWrapUpUnreported:
      return "wrap_up_unreported";
    case Anomaly::kQueueMismatch:
      return "queue_mismatch";
  }
  return "unknown";
}

}  // namespace ccmon::state
