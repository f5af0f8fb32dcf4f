// QueueLogMapper: turns Asterisk queue_log records into ccmon contract events.
//
// It keeps what a queue_log line alone does not say: the calls in progress (callid → queue,
// enqueue time, answered by whom), the agents (queues they serve, logged in, paused, on a call)
// and recent transfers (so a transferred call that re-enters a queue is marked as transferred in).
// Each record ends in exactly one Outcome, counted by the caller in an InputCounts; the verb table,
// the field layouts per Asterisk version and every outcome are in
// docs/bridges/asterisk-queue-log.md.
//
// The contact id of a call is its callid (the caller channel's uniqueid), so a call keeps its id
// when it re-enters a queue after a transfer or an exit, as the lifecycle expects
// (daemon/state/README.md). Caller numbers are hashed with the CallerKeyHasher before they leave
// the mapper and are never stored.
//
// The state survives restarts of the bridge through SaveState()/RestoreState(), written with the
// read position (position_file.h), so a restarted bridge continues exactly where it stopped.
//
// Threading: not thread-safe; one thread owns a mapper and its sink.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/asterisk_queue_log/queue_log_record.h"
#include "ccmon/v1/events.pb.h"
#include "common/caller_key.h"
#include "common/publisher.h"
#include "common/status.h"

namespace ccmon::asterisk_queue_log {

// What became of one input line or row (docs/bridges/asterisk-queue-log.md, "Outcomes").
enum class Outcome {
  kPublished,       // At least one event was published.
  kAgentUnchanged,  // A member/agent line that left the agent's published state as it was.
  kRestartNoCalls,  // QUEUESTART with no call in progress and no agent on a call.
  kUnmatchedCall,   // A call line for a callid with no call in progress.
  kDuplicateEnter,  // ENTERQUEUE for a call already waiting in that queue.
  kIgnoredVerb,     // A known verb that carries nothing for the contract.
  kUnknownVerb,     // A verb this bridge does not know.
  kMalformed,       // The line or row could not be parsed, or lacks a field its verb needs.
};

// The name counted in InputCounts and documented: "published", "agent_unchanged", ….
std::string_view OutcomeName(Outcome outcome);

// Every outcome, in declaration order (for documentation tests and summaries).
inline constexpr Outcome kAllOutcomes[] = {Outcome::kPublished,      Outcome::kAgentUnchanged,
                                           Outcome::kRestartNoCalls, Outcome::kUnmatchedCall,
                                           Outcome::kDuplicateEnter, Outcome::kIgnoredVerb,
                                           Outcome::kUnknownVerb,    Outcome::kMalformed};

struct MapperOptions {
  // A call with no line for this long is forgotten without an event (its end was lost; the
  // daemon evicts it on its own after max_contact_age). Counted in MapperStats.
  std::int64_t forget_call_after_ms = 24 * 3'600'000;
  // How long a transferred call's queue is remembered to mark its next ENTERQUEUE as a transfer.
  std::int64_t remember_transfer_ms = 3'600'000;
};

// Counts beyond the per-line outcomes. Not persisted: they describe one run.
struct MapperStats {
  std::uint64_t calls_lost_waiting = 0;  // Waiting calls closed as exited{lost} by QUEUESTART.
  std::uint64_t calls_lost_talking = 0;  // Conversations closed by QUEUESTART.
  std::uint64_t calls_forgotten = 0;     // Calls dropped after forget_call_after_ms of silence.
  std::uint64_t events = 0;              // Events published.
};

class QueueLogMapper {
 public:
  // `sink` and `hasher` must outlive the mapper.
  QueueLogMapper(EnvelopeSink* sink, const CallerKeyHasher* hasher, MapperOptions options = {});

  // Maps one record, publishing its events in order. Returns the record's outcome, or the
  // sink's failure (then the record's events may be partly published and the state is that of
  // the events that were).
  Result<Outcome> Map(const QueueLogRecord& record);

  // The calls, agents and transfers as text (format: README.md in this folder). Deterministic:
  // the same state gives the same text.
  std::string SaveState() const;

  // Replaces the state with one saved by SaveState(). InvalidArgument (and the state unchanged)
  // if the text is not such a state; the message names the line.
  Status RestoreState(std::string_view text);

  std::size_t calls_in_progress() const { return calls_.size(); }
  std::size_t agents_known() const { return agents_.size(); }
  const MapperStats& stats() const { return stats_; }

 private:
  struct Call {
    std::string queue;
    UnixMs enter_ms = 0;
    UnixMs last_ms = 0;
    bool answered = false;
    std::string agent;  // Who answered; "" before the answer.
  };
  struct Transfer {
    std::string queue;  // Where the call was when it was transferred.
    UnixMs time_ms = 0;
  };
  // What an AgentStateChanged said last, to publish only changes.
  struct AgentView {
    v1::AgentState state = v1::AGENT_STATE_UNSPECIFIED;
    std::string reason;
    std::vector<std::string> queues;
    std::string contact;
    bool operator==(const AgentView&) const = default;
  };
  struct Agent {
    bool logged_in = false;
    std::set<std::string> queues;
    std::set<std::string> paused_queues;
    bool paused_all = false;
    std::string pause_reason;
    std::string contact;  // The callid while on a call.
    bool published = false;
    AgentView last;
  };

  Result<Outcome> MapCallLine(const QueueLogRecord& r);
  Result<Outcome> MapAgentLine(const QueueLogRecord& r);
  Result<Outcome> MapQueueStart(const QueueLogRecord& r);
  // JOINEMPTY, FULL, CLOSED, …: a call turned away before it entered (Wazo, dialplan).
  Result<Outcome> MapRefused(const QueueLogRecord& r, v1::ExitReason reason);

  // Publishes the agent's state if it differs from what was published last.
  Status PublishAgent(const std::string& name, Agent& agent, UnixMs t, bool* published);
  // Ends the conversation leg of an answered call for its agent (after-contact work is not in
  // queue_log: WrapUpEnded follows at once) and frees the agent.
  Status EndConversation(const std::string& callid, const Call& call, UnixMs t);
  Status Emit(v1::Envelope& env, UnixMs t);
  void Sweep(UnixMs now);

  EnvelopeSink* sink_;
  const CallerKeyHasher* hasher_;
  MapperOptions options_;
  MapperStats stats_;
  std::map<std::string, Call> calls_;
  std::map<std::string, Transfer> transfers_;
  std::map<std::string, Agent> agents_;
  UnixMs last_sweep_ms_ = 0;
};

}  // namespace ccmon::asterisk_queue_log
