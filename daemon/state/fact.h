// Fact: what the lifecycle concluded from an event, the unit collectors consume.
//
// The Lifecycle (daemon/state/lifecycle.h) turns events into facts on the engine thread and hands
// each to a FactSink synchronously; a Fact and the string_views inside it are valid only during
// that call. Which fields are meaningful depends on `type` (see each FactType).
//
// Outcome rule (DESIGN §3): every kOffered fact of a queue is followed, for that queue, by exactly
// one of kAnswered, kAbandoned, kExited, kTransferredOut{before_answer}, kEvicted{was_waiting};
// until then the contact is waiting.
#pragma once

#include <cstdint>
#include <string_view>

#include "daemon/state/types.h"

namespace ccmon::state {

enum class FactType : std::uint8_t {
  // The contact entered `queue`. channel, priority, enqueue_ms(=time_ms), transferred_in,
  // caller_key, segment.
  kOffered = 0,
  // An agent is being offered the contact. agent.
  kRinging,
  // The offered agent did not take it (RONA). agent, ring_ms.
  kRingTimeout,
  // Outcome: an agent answered. wait_ms, agent, breached_mask.
  kAnswered,
  // Outcome: the caller hung up while waiting. wait_ms, short_abandon, breached_mask.
  kAbandoned,
  // Outcome: left unanswered for exit_reason (kCallback when the caller chose a callback).
  // wait_ms, breached_mask.
  kExited,
  // The contact was transferred out of `queue`. before_answer: an outcome (flow-out) with
  // wait_ms and breached_mask; otherwise the conversation leg ends (a kConversationEnded precedes
  // it). target_queue is set when it goes to another queue.
  kTransferredOut,
  // The contact, still waiting, passed service-level threshold number `threshold_index` of its
  // queue. time_ms = enqueue_ms + threshold exactly (not when it was detected).
  kSlBreached,
  // Hold started / ended. agent.
  kHeld,
  kResumed,
  // A conversation leg ended (by ContactEnded, or a transfer after answer). talk_ms (excluding
  // hold), hold_ms, hold_count, agent, ended_by.
  kConversationEnded,
  // After-contact work ended. acw_ms, talk_ms, hold_ms (of the contact's last leg in this queue),
  // handle_ms = talk + hold + acw, agent, resolution, caller_key.
  kWrapUpEnded,
  // A survey was completed. csat (0 = none), resolution.
  kSurveyCompleted,
  // An agent changed state. agent, from_state, to_state, state_duration_ms (time spent in
  // from_state), source. Queues are read from the AgentTable.
  kAgentStateChanged,
  // A stale contact was dropped after max_contact_age without events. was_waiting tells whether
  // this is its outcome in `queue` (it was still queued) or it was in conversation/wrap-up.
  kEvicted,
};
inline constexpr int kFactTypeCount = 15;

struct Fact {
  FactType type = FactType::kOffered;
  UnixMs time_ms = 0;  // When it happened (ACD clock).
  QueueId queue = kNoQueue;
  SourceId source = kNoSource;
  Channel channel = Channel::kVoice;

  UnixMs enqueue_ms = 0;  // Contact facts: when the contact entered `queue`.
  std::int64_t wait_ms = 0;
  std::int64_t talk_ms = 0;
  std::int64_t hold_ms = 0;
  std::int64_t acw_ms = 0;
  std::int64_t handle_ms = 0;
  std::uint32_t hold_count = 0;
  std::uint32_t ring_ms = 0;
  std::int32_t priority = 0;

  ExitReason exit_reason = ExitReason::kOther;
  Resolution resolution = Resolution::kUnspecified;
  EndedBy ended_by = EndedBy::kUnspecified;
  std::uint8_t threshold_index = 0;
  std::uint8_t csat = 0;
  // Bit i set: the contact had already breached threshold i when the outcome happened.
  std::uint32_t breached_mask = 0;
  bool short_abandon = false;
  bool transferred_in = false;
  bool before_answer = false;
  bool was_waiting = false;
  QueueId target_queue = kNoQueue;

  AgentId agent = kNoAgent;
  AgentState from_state = AgentState::kLoggedOut;
  AgentState to_state = AgentState::kLoggedOut;
  std::int64_t state_duration_ms = 0;

  std::string_view contact_id;  // Contact facts and surveys (never a label).
  std::string_view caller_key;  // Hashed caller identity; empty = anonymous.
  std::string_view segment;
};

// Receives facts, in order, on the engine thread.
class FactSink {
 public:
  virtual ~FactSink() = default;
  virtual void OnFact(const Fact& fact) = 0;
};

}  // namespace ccmon::state
