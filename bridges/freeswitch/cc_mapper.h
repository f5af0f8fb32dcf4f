// Mapping of FreeSWITCH mod_callcenter events (CUSTOM callcenter::info, read over the event
// socket) to ccmon contract events.
//
// The Mapper takes the frames of one event-socket stream (esl_parser.h) and publishes Envelopes
// into an EnvelopeSink, keyed by CC-Action: member-queue-start/-resume → ContactQueued,
// agent-offering → ContactRinging, bridge-agent-start → ContactAnswered, bridge-agent-fail →
// ContactRingTimeout, bridge-agent-end → ContactEnded + WrapUpEnded, member-queue-end →
// ContactAbandoned/ContactExited by CC-Cancel-Reason (NONE, TIMEOUT, NO_AGENT_TIMEOUT, BREAK_OUT
// and EXIT_WITH_KEY, which the docs omit; the docs' misspelling CC-Cause-Reason is read too), and
// agent-status-change/agent-state-change → AgentStateChanged. docs/bridges/freeswitch.md is the
// field-by-field contract; every frame ends in exactly one outcome in counts().
//
// Contacts are keyed by CC-Member-Session-UUID (the caller's channel, the same in every queue it
// visits). BREAK_OUT means "the queue application was interrupted without an agent": a caller
// hang-up (Answer-State: hangup in the member channel's variables), or a uuid_break/transfer that
// leaves the caller up, in which case a member-queue-start of the same session within the decision
// hold makes it a transfer and otherwise it is exited(unspecified); without channel variables (the
// documentation's examples) it is taken as the documented abandon.
//
// Time: Event-Date-Timestamp (µs) when present, else the action's CC-*-Time (epoch seconds; values
// before 2001 are placeholders, as in the documentation's examples, and ignored), else the arrival
// time the caller passes.
//
// Threading: not thread-safe; one thread owns a Mapper and its sink.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridges/core/input_counts.h"
#include "bridges/core/mapper_state.h"
#include "bridges/freeswitch/esl_parser.h"
#include "ccmon/v1/events.pb.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/publisher.h"

namespace ccmon::freeswitch {

// Outcome names (docs/bridges/freeswitch.md, "Outcomes").
namespace outcome {
inline constexpr std::string_view kPublished = "published";
inline constexpr std::string_view kPending = "pending";
inline constexpr std::string_view kNoChange = "no_change";
inline constexpr std::string_view kUnknownContact = "unknown_contact";
inline constexpr std::string_view kIgnoredEvent = "ignored_event";
inline constexpr std::string_view kUnknownEvent = "unknown_event";
inline constexpr std::string_view kMissingField = "missing_field";
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kUnsupportedFormat = "unsupported_format";
inline constexpr std::string_view kProtocol = "protocol";
inline constexpr std::string_view kDisconnectNotice = "disconnect_notice";
inline constexpr std::string_view kUnknownFrame = "unknown_frame";
inline constexpr std::string_view kTruncated = "truncated";
inline constexpr std::string_view kOversized = "oversized";
inline constexpr std::string_view kPublishFailed = "publish_failed";
}  // namespace outcome

struct MapperOptions {
  // How long a BREAK_OUT with the caller still up waits for a member-queue-start elsewhere.
  std::int64_t decision_hold_ms = 2'000;
  std::int64_t member_ttl_ms = 12 * 3'600'000LL;  // Members without events are forgotten.
  std::int64_t finished_ttl_ms = 60'000;  // Finished members absorb trailing events this long.
  std::size_t max_members = 200'000;
  std::size_t max_agents = 50'000;
};

struct MapperStats {
  std::uint64_t abandons = 0;            // member-queue-end BREAK_OUT counted as abandons.
  std::uint64_t breaks_transferred = 0;  // BREAK_OUT followed by a queue start elsewhere.
  std::uint64_t breaks_by_deadline = 0;  // BREAK_OUT with the caller up, nothing followed.
  std::uint64_t members_expired = 0;
  std::uint64_t envelopes = 0;
};

class Mapper {
 public:
  // `sink` and `hasher` must outlive the Mapper.
  Mapper(EnvelopeSink* sink, const CallerKeyHasher* hasher, MapperOptions options = {});

  // Maps one frame that arrived at `arrival_ms` (wall clock); counts its outcome.
  void Consume(const Frame& frame, UnixMs arrival_ms);
  // Maps one event given by its (decoded) headers, as if it came in a text/event-plain frame.
  void ConsumeEvent(const Headers& event, UnixMs arrival_ms);

  // Decides pending BREAK_OUTs whose hold has passed and forgets stale members.
  void Expire(UnixMs now_ms);
  // The event socket is gone: pending decisions are taken now and agent states are published
  // again after the next subscription.
  void OnConnectionLost(UnixMs now_ms);

  const bridges::InputCounts& counts() const { return counts_; }
  const MapperStats& stats() const { return stats_; }
  std::size_t members() const { return members_.size(); }
  std::size_t agents() const { return agents_.size(); }

 private:
  enum class Phase { kWaiting, kBreakPending, kAnswered, kFinished };

  struct Member {
    std::string contact_id;
    std::string queue;
    Phase phase = Phase::kWaiting;
    std::string agent;
    UnixMs pending_time = 0;
    UnixMs pending_since = 0;
    UnixMs last_arrival = 0;
  };

  struct Agent {
    std::string status;               // CC-Agent-Status as last reported ("" = not yet).
    std::string state;                // CC-Agent-State as last reported.
    std::set<std::string> queues;     // Learnt from the calls offered to the agent.
    std::string contact_session;      // The member being offered or talking.
    bridges::ReportedAgent reported;  // What was last published.
  };

  std::string_view MapEvent(const Headers& e, UnixMs arrival);
  std::string_view OnQueueStart(const Headers& e, UnixMs t, UnixMs arrival);
  std::string_view OnOffering(const Headers& e, UnixMs t, UnixMs arrival);
  std::string_view OnBridgeStart(const Headers& e, UnixMs t, UnixMs arrival);
  std::string_view OnBridgeEnd(const Headers& e, UnixMs t, UnixMs arrival);
  std::string_view OnBridgeFail(const Headers& e, UnixMs t, UnixMs arrival);
  std::string_view OnQueueEnd(const Headers& e, UnixMs arrival);
  std::string_view OnAgentChange(const Headers& e, bool status, UnixMs t, UnixMs arrival);

  // Ends a talking member: ContactEnded, WrapUpEnded, agent free.
  void EndConversation(Member& m, const std::string& session, v1::EndedBy by, UnixMs t);
  void Finish(Member& m, UnixMs arrival);
  // The member of `session` with its last arrival set to `arrival`; nullptr if it is unknown.
  Member* ArrivedFor(const std::string& session, UnixMs arrival);
  // Forgets finished members older than finished_ttl_ms and any older than member_ttl_ms.
  void Forget(UnixMs now_ms);
  Agent* FindOrAddAgent(const std::string& name);
  void AgentOnContact(const std::string& name, const std::string& queue, const std::string& session,
                      UnixMs t);
  void AgentFree(const std::string& name, const std::string& session, UnixMs t);
  void PublishAgent(const std::string& name, Agent& agent, UnixMs t);
  void Publish(v1::Envelope& env, UnixMs t);
  std::string_view PublishedOrNoChange() const;

  EnvelopeSink* sink_;
  const CallerKeyHasher* hasher_;
  MapperOptions options_;
  bridges::InputCounts counts_;
  MapperStats stats_;
  int published_ = 0;  // Envelopes of the frame being mapped.
  bool failed_ = false;
  std::unordered_map<std::string, Member> members_;  // By CC-Member-Session-UUID.
  std::unordered_map<std::string, Agent> agents_;    // By CC-Agent.
  ManualClock log_clock_;
  LogRateLimiter publish_errors_{&log_clock_};
};

// The time of an event: Event-Date-Timestamp (µs) if present, else `fallback_field` (epoch
// seconds, ignored before 2001), else `arrival_ms`.
UnixMs EventTimeMs(const Headers& e, std::string_view fallback_field, UnixMs arrival_ms);

}  // namespace ccmon::freeswitch
