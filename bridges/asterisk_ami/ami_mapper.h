// Mapping of Asterisk Manager Interface messages to ccmon contract events.
//
// The Mapper takes the framed items of one AMI stream (ami_framer.h) and publishes Envelopes into
// an EnvelopeSink: ContactQueued/Ringing/RingTimeout/Answered/Abandoned/Exited/Transferred/Ended,
// WrapUpEnded and AgentStateChanged, from the queue events of Asterisk 12+ (QueueCallerJoin,
// QueueCallerLeave, QueueCallerAbandon, AgentCalled, AgentRingNoAnswer, AgentConnect,
// AgentComplete, AgentDump, QueueMemberStatus/Added/Removed/Pause) and their pre-12 names (Join,
// Leave, QueueMemberPaused, Location/Member/AgentCalled headers). docs/bridges/asterisk-ami.md is
// the field-by-field contract; every item ends in exactly one outcome in counts().
//
// State: per caller channel (Uniqueid) its contact id, queue and phase; per queue member
// (Interface) its queues, pause, device state and call, so that AgentStateChanged is published
// only when the agent's state really changes.
//
// The abandon rule. Asterisk sends QueueCallerAbandon for caller hang-ups *and* for timeouts,
// empty-queue exits and withdrawals (event-formats.md §0.3), always before QueueCallerLeave, and
// neither event says why. The Mapper decides from the caller channel's own events:
//   - a hang-up of the caller channel (HangupRequest/SoftHangupRequest before, or Hangup after the
//     QueueCallerAbandon) → ContactAbandoned;
//   - the QUEUESTATUS variable Queue() sets on the channel when it goes on in the dialplan
//     (VarSet, after QueueCallerLeave): TIMEOUT → exited(timeout), LEAVEEMPTY/LEAVEUNAVAIL →
//     exited(no_agents), WITHDRAW → exited(withdrawn), …;
//   - neither within the decision hold → exited(unspecified) (the caller did not hang up, or the
//     bridge cannot see hang-ups: it never counts an undecided case as an abandon).
// A QueueCallerLeave without a QueueCallerAbandon is an answer when AgentConnect follows, an exit
// (key press when the caller sent DTMF while waiting) otherwise.
//
// Time: an event's time is its `Timestamp` header (manager.conf timestampevents=yes) when present,
// else the arrival time the caller passes (the bridge's wall clock). Decisions are stamped with the
// time of the QueueCallerAbandon/QueueCallerLeave they decide.
//
// Threading: not thread-safe; one thread owns a Mapper and its sink.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridges/asterisk_ami/ami_framer.h"
#include "bridges/core/input_counts.h"
#include "bridges/core/mapper_state.h"
#include "ccmon/v1/events.pb.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/publisher.h"

namespace ccmon::ami {

// Outcome names (docs/bridges/asterisk-ami.md, "Outcomes").
namespace outcome {
inline constexpr std::string_view kPublished = "published";
inline constexpr std::string_view kPending = "pending";
inline constexpr std::string_view kNoChange = "no_change";
inline constexpr std::string_view kUnknownContact = "unknown_contact";
inline constexpr std::string_view kIgnoredEvent = "ignored_event";
inline constexpr std::string_view kUnknownEvent = "unknown_event";
inline constexpr std::string_view kMissingField = "missing_field";
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kResponse = "response";
inline constexpr std::string_view kAction = "action";
inline constexpr std::string_view kBanner = "banner";
inline constexpr std::string_view kGarbageLine = "garbage_line";
inline constexpr std::string_view kCaptureGap = "capture_gap";
inline constexpr std::string_view kTruncated = "truncated";
inline constexpr std::string_view kOversized = "oversized";
inline constexpr std::string_view kPublishFailed = "publish_failed";
}  // namespace outcome

struct MapperOptions {
  // How long a QueueCallerAbandon or QueueCallerLeave waits for the event that decides it.
  std::int64_t decision_hold_ms = 2'000;
  // Calls without any event for this long are forgotten (missed end events).
  std::int64_t call_ttl_ms = 12 * 3'600'000LL;
  // Finished calls are remembered this long to absorb their trailing events (Leave, Hangup).
  std::int64_t finished_ttl_ms = 60'000;
  std::size_t max_calls = 200'000;
  std::size_t max_agents = 50'000;
};

// What the Mapper did besides per-item outcomes (for logs and tests).
struct MapperStats {
  std::uint64_t abandons_by_hangup = 0;      // QueueCallerAbandon decided as a caller hang-up.
  std::uint64_t exits_by_queue_status = 0;   // Decided by QUEUESTATUS.
  std::uint64_t exits_by_deadline = 0;       // Undecided within the hold: exited(unspecified).
  std::uint64_t exits_reconciled = 0;        // Gone from QueueStatus after a reconnection.
  std::uint64_t calls_ended_reconciled = 0;  // Answered calls whose agent was free again then.
  std::uint64_t calls_expired = 0;           // Forgotten after call_ttl_ms.
  std::uint64_t envelopes = 0;               // Envelopes published.
};

class Mapper {
 public:
  // `sink` and `hasher` must outlive the Mapper.
  Mapper(EnvelopeSink* sink, const CallerKeyHasher* hasher, MapperOptions options = {});

  // Maps one framed item that arrived at `arrival_ms` (wall clock); counts its outcome.
  void Consume(Item& item, UnixMs arrival_ms);

  // Decides the calls whose decision hold has passed at `now_ms` (wall clock) and forgets stale
  // calls. Call it every few hundred milliseconds.
  void Expire(UnixMs now_ms);

  // The AMI connection is gone: the events that would decide pending calls are lost, so they are
  // decided now (exited(unspecified) unless a hang-up was seen); agent states are forgotten so they
  // are published again after the next login (the daemon logs the agents out on DOWN).
  void OnConnectionLost(UnixMs now_ms);

  // A QueueStatus action with this ActionID was sent: its QueueEntry replies list the callers
  // still waiting, and at its QueueStatusComplete every caller this Mapper holds as waiting that
  // was not listed is closed as exited(unspecified) (it left while the bridge was disconnected);
  // its QueueMember replies end the answered calls whose agent is no longer in a call
  // (ContactEnded + WrapUpEnded).
  void BeginQueueStatus(std::string action_id);

  const bridges::InputCounts& counts() const { return counts_; }
  const MapperStats& stats() const { return stats_; }
  std::size_t calls() const { return calls_.size(); }
  std::size_t agents() const { return agents_.size(); }

 private:
  enum class Phase {
    kWaiting,         // Joined, not yet decided.
    kAbandonPending,  // QueueCallerAbandon seen, waiting for evidence.
    kLeftPending,     // QueueCallerLeave without an abandon, waiting for AgentConnect or evidence.
    kTalking,         // Answered.
    kFinished,        // Outcome published; kept briefly to absorb trailing events.
  };
  enum class AgentCall { kNone, kRinging, kTalking };

  struct Call {
    std::string uniqueid;  // The caller channel (the key of calls_).
    std::string contact_id;
    std::string queue;
    Phase phase = Phase::kWaiting;
    std::string agent;                        // The answering agent (kTalking).
    std::vector<std::string> ringing_agents;  // Agents being rung for this call.
    bool hangup_seen = false;
    bool dtmf_seen = false;
    UnixMs pending_time = 0;     // ACD time of the event being decided.
    UnixMs pending_since = 0;    // Arrival time of that event.
    std::uint32_t position = 0;  // Position reported by QueueCallerAbandon.
    UnixMs last_arrival = 0;
  };

  struct Membership {
    bool paused = false;
    std::string reason;
  };

  struct Agent {
    std::map<std::string, Membership> queues;
    int device_status = -1;  // AMI Status (device state); -1 = not reported.
    AgentCall call = AgentCall::kNone;
    std::string call_uniqueid;
    bridges::ReportedAgent reported;  // What was last published (to publish changes only).
    UnixMs last_arrival = 0;
  };

  // Per-item bookkeeping: how many envelopes this item published, and whether one failed.
  struct Effect {
    int published = 0;
    bool failed = false;
  };

  std::string_view MapMessage(const Message& m, UnixMs arrival_ms);
  std::string_view MapEvent(const Message& m, std::string_view name, UnixMs arrival_ms);

  std::string_view OnJoin(const Message& m, UnixMs t, UnixMs arrival, bool from_queue_status);
  std::string_view OnLeave(const Message& m, UnixMs t, UnixMs arrival);
  std::string_view OnAbandon(const Message& m, UnixMs t, UnixMs arrival);
  std::string_view OnHangupEvidence(const Message& m, std::string_view name, UnixMs t,
                                    UnixMs arrival);
  std::string_view OnVarSet(const Message& m, UnixMs t, UnixMs arrival);
  std::string_view OnDtmf(const Message& m, UnixMs arrival);
  std::string_view OnAgentCalled(const Message& m, UnixMs t, UnixMs arrival);
  std::string_view OnAgentRingEnd(const Message& m, bool dump, UnixMs t, UnixMs arrival);
  std::string_view OnAgentConnect(const Message& m, UnixMs t, UnixMs arrival);
  std::string_view OnAgentComplete(const Message& m, UnixMs t, UnixMs arrival);
  std::string_view OnMember(const Message& m, bool removed, UnixMs t, UnixMs arrival);
  std::string_view OnQueueStatusComplete(const Message& m, UnixMs t);
  // The agent's known call ended while the bridge was disconnected (QueueStatus says so): ends
  // an answered call (ContactEnded + WrapUpEnded) and frees the agent.
  void EndCallGoneWhileAway(const std::string& interface, Agent& agent, UnixMs t, UnixMs arrival);

  // Publishes the outcome of a pending call (or of a waiting one) and marks it finished.
  void Abandon(Call& call, UnixMs t, UnixMs arrival);
  void Exit(Call& call, v1::ExitReason reason, UnixMs t, UnixMs arrival);
  void Finish(Call& call, UnixMs arrival);
  // Decides a pending call without evidence (the hold passed or the connection is gone).
  void DecideByDefault(Call& call, UnixMs arrival);
  // Decides, in arrival order, every call pending since `pending_before` or earlier.
  void DecidePending(UnixMs pending_before, UnixMs now_ms);
  // Agents rung for `call` other than `except` stop ringing.
  void StopRinging(Call& call, const std::string& except, UnixMs t, UnixMs arrival);

  Agent* FindOrAddAgent(const std::string& interface, UnixMs arrival);
  // Publishes the agent's state if it differs from what was last published.
  void PublishAgent(const std::string& interface, Agent& agent, UnixMs t);
  v1::AgentState DerivedState(const Agent& agent, std::string* reason) const;

  // Publishes one envelope at ACD time `t`, recording the effect on the current item.
  void Publish(v1::Envelope& env, UnixMs t);
  // kPublished if the current item published anything, else kNoChange.
  std::string_view PublishedOrNoChange() const;
  // The same for an agent event about a call: nothing published for an unknown call is
  // unknown_contact.
  std::string_view PublishedOrNoChange(bool known_call) const;
  void ForgetFinished(UnixMs now_ms);

  EnvelopeSink* sink_;
  const CallerKeyHasher* hasher_;
  MapperOptions options_;
  bridges::InputCounts counts_;
  MapperStats stats_;
  Effect effect_;
  std::unordered_map<std::string, Call> calls_;    // By caller Uniqueid.
  std::unordered_map<std::string, Agent> agents_;  // By member interface.
  // Calls transferred by their agent (AgentComplete Reason=transfer): the queue they left, so that
  // a following join of the same channel carries transferred_from_queue. Insertion order for
  // bounding.
  std::unordered_map<std::string, std::string> transferred_from_;
  std::deque<std::string> transferred_order_;
  // The QueueStatus being collected (empty = none) and the callers it listed.
  std::string queue_status_action_;
  std::set<std::string> queue_status_seen_;
  ManualClock log_clock_;
  LogRateLimiter publish_errors_{&log_clock_};
};

// Parses an AMI `Timestamp` header ("1409169929.412068": seconds with a fraction) to Unix ms.
std::optional<UnixMs> ParseAmiTimestamp(std::string_view text);

}  // namespace ccmon::ami
