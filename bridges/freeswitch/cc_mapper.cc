#include "bridges/freeswitch/cc_mapper.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <optional>
#include <utility>

namespace ccmon::freeswitch {
namespace {

// Epoch seconds before this (2001-09-09) are placeholders, not times (the documentation's
// examples use 9000 and 10000).
constexpr std::int64_t kPlausibleEpochSeconds = 1'000'000'000;

std::optional<std::int64_t> ParseInt64(std::string_view s) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// An epoch-seconds CC-*-Time header as Unix ms, if present and plausible.
std::optional<UnixMs> EpochSecondsField(const Headers& e, std::string_view key) {
  if (key.empty()) return std::nullopt;
  const auto v = ParseInt64(e.Get(key));
  if (!v || *v < kPlausibleEpochSeconds || *v > 100 * kPlausibleEpochSeconds) return std::nullopt;
  return *v * 1000;
}

bool Is(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

// The member's channel as the event's channel variables describe it.
enum class ChannelLiveness { kUnknown, kHungUp, kUp };

ChannelLiveness MemberChannel(const Headers& e) {
  const std::string* answer = e.Find("Answer-State");
  const std::string* call_state = e.Find("Channel-Call-State");
  const std::string* state = e.Find("Channel-State");
  if ((answer != nullptr && Is(*answer, "hangup")) ||
      (call_state != nullptr && Is(*call_state, "HANGUP")) ||
      (state != nullptr &&
       (Is(*state, "CS_HANGUP") || Is(*state, "CS_REPORTING") || Is(*state, "CS_DESTROY")))) {
    return ChannelLiveness::kHungUp;
  }
  if (answer != nullptr || call_state != nullptr || state != nullptr) return ChannelLiveness::kUp;
  return ChannelLiveness::kUnknown;
}

std::string_view SessionOf(const Headers& e) {
  std::string_view s = e.Get("CC-Member-Session-UUID");
  if (s.empty()) s = e.Get("CC-Member-UUID");
  return s;
}

// Who hung up, from the agent leg's SIP disposition when the agent is a SIP endpoint.
v1::EndedBy EndedByOf(const Headers& e) {
  const std::string_view disposition = e.Get("variable_sip_hangup_disposition");
  if (Is(disposition, "recv_bye")) return v1::ENDED_BY_AGENT;
  if (Is(disposition, "send_bye")) return v1::ENDED_BY_CALLER;
  return v1::ENDED_BY_UNSPECIFIED;
}

bool IsIgnoredAction(std::string_view action) {
  for (std::string_view a : {"members-count", "agent-max-no-answer", "agent-add", "agent-del",
                             "agent-contact-change", "agent-type-change", "agent-uuid-change"}) {
    if (Is(action, a)) return true;
  }
  // agent-status-get, agent-state-get, …: answers to callcenter_config queries.
  return action.size() > 10 && action.substr(0, 6) == "agent-" &&
         action.substr(action.size() - 4) == "-get";
}

}  // namespace

UnixMs EventTimeMs(const Headers& e, std::string_view fallback_field, UnixMs arrival_ms) {
  if (const auto us = ParseInt64(e.Get("Event-Date-Timestamp")); us && *us > 0) {
    return *us / 1000;
  }
  if (const auto t = EpochSecondsField(e, fallback_field)) return *t;
  return arrival_ms;
}

Mapper::Mapper(EnvelopeSink* sink, const CallerKeyHasher* hasher, MapperOptions options)
    : sink_(sink), hasher_(hasher), options_(options) {}

void Mapper::Consume(const Frame& frame, UnixMs arrival_ms) {
  log_clock_.Set(arrival_ms);
  published_ = 0;
  failed_ = false;
  std::string_view result = outcome::kMalformed;
  switch (frame.kind) {
    case FrameKind::kMalformed:
      result = outcome::kMalformed;
      break;
    case FrameKind::kOversized:
      result = outcome::kOversized;
      break;
    case FrameKind::kTruncated:
      result = outcome::kTruncated;
      break;
    case FrameKind::kFrame: {
      const std::string_view type = frame.headers.Get("Content-Type");
      if (Is(type, "text/event-plain")) {
        Headers event;
        std::string event_body;
        result = ParsePlainEvent(frame.body, &event, &event_body) ? MapEvent(event, arrival_ms)
                                                                  : outcome::kMalformed;
      } else if (Is(type, "text/event-json") || Is(type, "text/event-xml")) {
        result = outcome::kUnsupportedFormat;
      } else if (Is(type, "auth/request") || Is(type, "command/reply") ||
                 Is(type, "api/response")) {
        result = outcome::kProtocol;
      } else if (Is(type, "text/disconnect-notice") || Is(type, "text/rude-rejection")) {
        result = outcome::kDisconnectNotice;
      } else if (Is(type, "log/data")) {
        result = outcome::kIgnoredEvent;
      } else if (type.empty()) {
        result = outcome::kMalformed;
      } else {
        result = outcome::kUnknownFrame;
      }
      break;
    }
  }
  if (failed_) result = outcome::kPublishFailed;
  counts_.Add(result);
}

void Mapper::ConsumeEvent(const Headers& event, UnixMs arrival_ms) {
  log_clock_.Set(arrival_ms);
  published_ = 0;
  failed_ = false;
  std::string_view result = MapEvent(event, arrival_ms);
  if (failed_) result = outcome::kPublishFailed;
  counts_.Add(result);
}

std::string_view Mapper::MapEvent(const Headers& e, UnixMs arrival) {
  const std::string_view name = e.Get("Event-Name");
  if (name.empty()) return outcome::kMalformed;
  // HEARTBEAT (subscribed to notice a dead socket) and anything else outside mod_callcenter.
  if (!Is(name, "CUSTOM") || !Is(e.Get("Event-Subclass"), "callcenter::info")) {
    return outcome::kIgnoredEvent;
  }
  const std::string_view action = e.Get("CC-Action");
  if (action.empty()) return outcome::kMissingField;
  if (Is(action, "member-queue-start") || Is(action, "member-queue-resume")) {
    return OnQueueStart(e, EventTimeMs(e, "CC-Member-Joined-Time", arrival), arrival);
  }
  if (Is(action, "agent-offering")) return OnOffering(e, EventTimeMs(e, "", arrival), arrival);
  if (Is(action, "bridge-agent-start")) {
    return OnBridgeStart(e, EventTimeMs(e, "CC-Agent-Answered-Time", arrival), arrival);
  }
  if (Is(action, "bridge-agent-end")) {
    return OnBridgeEnd(e, EventTimeMs(e, "CC-Bridge-Terminated-Time", arrival), arrival);
  }
  if (Is(action, "bridge-agent-fail")) {
    return OnBridgeFail(e, EventTimeMs(e, "CC-Agent-Aborted-Time", arrival), arrival);
  }
  if (Is(action, "member-queue-end")) return OnQueueEnd(e, arrival);
  if (Is(action, "agent-status-change")) {
    return OnAgentChange(e, true, EventTimeMs(e, "", arrival), arrival);
  }
  if (Is(action, "agent-state-change")) {
    return OnAgentChange(e, false, EventTimeMs(e, "", arrival), arrival);
  }
  if (IsIgnoredAction(action)) return outcome::kIgnoredEvent;
  return outcome::kUnknownEvent;
}

Mapper::Member* Mapper::ArrivedFor(const std::string& session, UnixMs arrival) {
  const auto it = members_.find(session);
  if (it == members_.end()) return nullptr;
  it->second.last_arrival = arrival;
  return &it->second;
}

std::string_view Mapper::PublishedOrNoChange() const {
  return published_ > 0 ? outcome::kPublished : outcome::kNoChange;
}

void Mapper::Publish(v1::Envelope& env, UnixMs t) {
  env.set_time_unix_ms(t);
  const Status s = sink_->Publish(env);
  if (s.ok()) {
    ++published_;
    ++stats_.envelopes;
    return;
  }
  failed_ = true;
  std::uint64_t suppressed = 0;
  if (publish_errors_.Allow(&suppressed)) {
    spdlog::warn("freeswitch: publishing failed: {} ({} similar messages suppressed)", s.message(),
                 suppressed);
  }
}

std::string_view Mapper::OnQueueStart(const Headers& e, UnixMs t, UnixMs arrival) {
  const std::string session(SessionOf(e));
  const std::string queue(e.Get("CC-Queue"));
  if (session.empty() || queue.empty()) return outcome::kMissingField;

  std::string from_queue;
  auto it = members_.find(session);
  if (it != members_.end()) {
    Member& old = it->second;
    switch (old.phase) {
      case Phase::kWaiting:
        if (old.queue == queue) return outcome::kNoChange;
        from_queue = old.queue;
        break;
      case Phase::kBreakPending: {
        // The queue application was broken out of and the caller went to another queue.
        v1::Envelope env;
        auto* tr = env.mutable_contact_transferred();
        tr->set_contact_id(old.contact_id);
        tr->set_queue(old.queue);
        tr->set_target_queue(queue);
        Publish(env, old.pending_time);
        ++stats_.breaks_transferred;
        from_queue = old.queue;
        break;
      }
      case Phase::kAnswered:
        from_queue = old.queue;
        break;
      case Phase::kFinished:
        break;
    }
  } else {
    if (members_.size() >= options_.max_members) Forget(arrival + options_.finished_ttl_ms);
    if (members_.size() >= options_.max_members) return outcome::kOversized;
    it = members_.emplace(session, Member{}).first;
  }
  Member& m = it->second;
  m = Member{};
  m.contact_id = session;
  m.queue = queue;
  m.last_arrival = arrival;

  v1::Envelope env;
  auto* q = env.mutable_contact_queued();
  q->set_contact_id(m.contact_id);
  q->set_queue(queue);
  q->set_channel(v1::CHANNEL_VOICE);
  q->set_caller_key(hasher_->Hash(e.Get("CC-Member-CID-Number")));
  q->set_transferred_from_queue(from_queue);
  Publish(env, t);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnOffering(const Headers& e, UnixMs t, UnixMs arrival) {
  const std::string session(SessionOf(e));
  const std::string agent_name(e.Get("CC-Agent"));
  if (session.empty() || agent_name.empty()) return outcome::kMissingField;
  Member* found = ArrivedFor(session, arrival);
  if (found == nullptr) return outcome::kUnknownContact;
  Member& m = *found;
  if (m.phase != Phase::kWaiting) return outcome::kNoChange;
  v1::Envelope env;
  auto* r = env.mutable_contact_ringing();
  r->set_contact_id(m.contact_id);
  r->set_queue(m.queue);
  r->set_agent_id(agent_name);
  Publish(env, t);
  AgentOnContact(agent_name, m.queue, session, t);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnBridgeStart(const Headers& e, UnixMs t, UnixMs arrival) {
  const std::string session(SessionOf(e));
  const std::string agent_name(e.Get("CC-Agent"));
  if (session.empty() || agent_name.empty()) return outcome::kMissingField;
  Member* found = ArrivedFor(session, arrival);
  if (found == nullptr) return outcome::kUnknownContact;
  Member& m = *found;
  if (m.phase != Phase::kWaiting && m.phase != Phase::kBreakPending) return outcome::kNoChange;
  v1::Envelope env;
  auto* a = env.mutable_contact_answered();
  a->set_contact_id(m.contact_id);
  a->set_queue(m.queue);
  a->set_agent_id(agent_name);
  Publish(env, t);
  m.phase = Phase::kAnswered;
  m.agent = agent_name;
  AgentOnContact(agent_name, m.queue, session, t);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnBridgeEnd(const Headers& e, UnixMs t, UnixMs arrival) {
  const std::string session(SessionOf(e));
  if (session.empty()) return outcome::kMissingField;
  Member* found = ArrivedFor(session, arrival);
  if (found == nullptr) return outcome::kUnknownContact;
  Member& m = *found;
  if (m.phase != Phase::kAnswered) return outcome::kNoChange;
  if (m.agent.empty()) m.agent = std::string(e.Get("CC-Agent"));
  EndConversation(m, session, EndedByOf(e), t);
  Finish(m, arrival);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnBridgeFail(const Headers& e, UnixMs t, UnixMs arrival) {
  const std::string session(SessionOf(e));
  const std::string agent_name(e.Get("CC-Agent"));
  if (session.empty() || agent_name.empty()) return outcome::kMissingField;
  Member* found = ArrivedFor(session, arrival);
  if (found == nullptr) return outcome::kUnknownContact;
  Member& m = *found;
  if (m.phase != Phase::kWaiting) return outcome::kNoChange;
  v1::Envelope env;
  auto* r = env.mutable_contact_ring_timeout();
  r->set_contact_id(m.contact_id);
  r->set_queue(m.queue);
  r->set_agent_id(agent_name);
  const auto called = EpochSecondsField(e, "CC-Agent-Called-Time");
  const auto aborted = EpochSecondsField(e, "CC-Agent-Aborted-Time");
  if (called && aborted && *aborted >= *called) {
    r->set_ring_ms(static_cast<std::uint32_t>(*aborted - *called));
  }
  Publish(env, t);
  AgentFree(agent_name, session, t);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnQueueEnd(const Headers& e, UnixMs arrival) {
  const std::string session(SessionOf(e));
  if (session.empty()) return outcome::kMissingField;
  const std::string_view cause = e.Get("CC-Cause");
  const bool terminated = Is(cause, "Terminated");
  if (!terminated && !Is(cause, "Cancel")) return outcome::kMissingField;
  Member* found = ArrivedFor(session, arrival);
  if (found == nullptr) return outcome::kUnknownContact;
  Member& m = *found;
  const UnixMs t = EventTimeMs(e, "CC-Member-Leaving-Time", arrival);

  if (m.phase == Phase::kFinished || m.phase == Phase::kBreakPending) return outcome::kNoChange;
  if (m.phase == Phase::kAnswered) {
    // The conversation ended without bridge-agent-end.
    if (m.agent.empty()) m.agent = std::string(e.Get("CC-Agent"));
    EndConversation(m, session, v1::ENDED_BY_UNSPECIFIED, t);
    Finish(m, arrival);
    return PublishedOrNoChange();
  }
  // Waiting.
  if (terminated) {
    // Answered, but bridge-agent-start was not seen: the answer is taken from this event.
    m.agent = std::string(e.Get("CC-Agent"));
    v1::Envelope env;
    auto* a = env.mutable_contact_answered();
    a->set_contact_id(m.contact_id);
    a->set_queue(m.queue);
    a->set_agent_id(m.agent);
    Publish(env, EpochSecondsField(e, "CC-Agent-Answered-Time").value_or(t));
    m.phase = Phase::kAnswered;
    EndConversation(m, session, v1::ENDED_BY_UNSPECIFIED, t);
    Finish(m, arrival);
    return PublishedOrNoChange();
  }

  std::string_view reason = e.Get("CC-Cancel-Reason");
  if (reason.empty()) reason = e.Get("CC-Cause-Reason");  // The name the docs' prose uses.
  if (Is(reason, "BREAK_OUT")) {
    switch (MemberChannel(e)) {
      case ChannelLiveness::kUp:
        // Broken out of the queue with the caller still there (uuid_break, a transfer): not an
        // abandon. A member-queue-start of this session soon makes it a transfer.
        m.phase = Phase::kBreakPending;
        m.pending_time = t;
        m.pending_since = arrival;
        return outcome::kPending;
      case ChannelLiveness::kHungUp:
      case ChannelLiveness::kUnknown: {
        v1::Envelope env;
        auto* a = env.mutable_contact_abandoned();
        a->set_contact_id(m.contact_id);
        a->set_queue(m.queue);
        Publish(env, t);
        ++stats_.abandons;
        Finish(m, arrival);
        return PublishedOrNoChange();
      }
    }
  }
  v1::ExitReason exit_reason = v1::EXIT_REASON_UNSPECIFIED;  // NONE and anything unknown.
  if (Is(reason, "TIMEOUT")) {
    exit_reason = v1::EXIT_REASON_TIMEOUT;
  } else if (Is(reason, "NO_AGENT_TIMEOUT")) {
    exit_reason = v1::EXIT_REASON_NO_AGENTS;
  } else if (Is(reason, "EXIT_WITH_KEY")) {
    exit_reason = v1::EXIT_REASON_KEY_PRESS;
  }
  v1::Envelope env;
  auto* x = env.mutable_contact_exited();
  x->set_contact_id(m.contact_id);
  x->set_queue(m.queue);
  x->set_reason(exit_reason);
  Publish(env, t);
  Finish(m, arrival);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnAgentChange(const Headers& e, bool status, UnixMs t, UnixMs) {
  const std::string name(e.Get("CC-Agent"));
  const std::string_view value = e.Get(status ? "CC-Agent-Status" : "CC-Agent-State");
  if (name.empty() || value.empty()) return outcome::kMissingField;
  Agent* agent = FindOrAddAgent(name);
  if (agent == nullptr) return outcome::kOversized;
  if (status) {
    agent->status = std::string(value);
  } else {
    agent->state = std::string(value);
    if (Is(value, "Waiting") || Is(value, "Idle")) agent->contact_session.clear();
  }
  PublishAgent(name, *agent, t);
  return PublishedOrNoChange();
}

void Mapper::EndConversation(Member& m, const std::string& session, v1::EndedBy by, UnixMs t) {
  v1::Envelope ended;
  auto* e = ended.mutable_contact_ended();
  e->set_contact_id(m.contact_id);
  e->set_queue(m.queue);
  e->set_ended_by(by);
  Publish(ended, t);
  // mod_callcenter reports no end of the agent's wrap-up time: the wrap-up ends with the call.
  v1::Envelope wrap;
  auto* w = wrap.mutable_wrap_up_ended();
  w->set_contact_id(m.contact_id);
  w->set_queue(m.queue);
  w->set_agent_id(m.agent);
  Publish(wrap, t);
  if (!m.agent.empty()) AgentFree(m.agent, session, t);
}

void Mapper::Finish(Member& m, UnixMs arrival) {
  m.phase = Phase::kFinished;
  m.last_arrival = arrival;
}

Mapper::Agent* Mapper::FindOrAddAgent(const std::string& name) {
  auto it = agents_.find(name);
  if (it == agents_.end()) {
    if (agents_.size() >= options_.max_agents) return nullptr;
    it = agents_.emplace(name, Agent{}).first;
  }
  return &it->second;
}

void Mapper::AgentOnContact(const std::string& name, const std::string& queue,
                            const std::string& session, UnixMs t) {
  Agent* agent = FindOrAddAgent(name);
  if (agent == nullptr) return;
  agent->contact_session = session;
  // The agent serves the queue that offered it the call; a new queue is published at once.
  if (agent->queues.insert(queue).second && agent->reported.published())
    PublishAgent(name, *agent, t);
}

void Mapper::AgentFree(const std::string& name, const std::string& session, UnixMs) {
  const auto it = agents_.find(name);
  if (it != agents_.end() && it->second.contact_session == session) {
    it->second.contact_session.clear();
  }
}

void Mapper::PublishAgent(const std::string& name, Agent& agent, UnixMs t) {
  v1::AgentState state = v1::AGENT_STATE_AVAILABLE;
  std::string reason;
  bool with_contact = false;
  if (Is(agent.status, "Logged Out")) {
    state = v1::AGENT_STATE_LOGGED_OUT;
  } else if (Is(agent.state, "In a queue call")) {
    state = v1::AGENT_STATE_ON_CONTACT;
    with_contact = true;
  } else if (Is(agent.state, "Receiving") || Is(agent.state, "Reserved")) {
    state = v1::AGENT_STATE_RESERVED;
    with_contact = true;
  } else if (Is(agent.status, "On Break")) {
    state = v1::AGENT_STATE_NOT_READY;
    reason = agent.status;
  } else if (Is(agent.state, "Idle")) {
    state = v1::AGENT_STATE_NOT_READY;
    reason = agent.state;
  }
  std::string contact;
  if (with_contact && !agent.contact_session.empty()) {
    const auto m = members_.find(agent.contact_session);
    if (m != members_.end()) contact = m->second.contact_id;
  }
  std::vector<std::string> queues(agent.queues.begin(), agent.queues.end());
  bridges::AgentReport report{state, std::move(reason), std::move(contact), std::move(queues)};
  v1::Envelope env;
  if (!agent.reported.Build(name, report, &env)) return;
  Publish(env, t);
  if (!failed_) agent.reported.Published(std::move(report));
}

void Mapper::Expire(UnixMs now_ms) {
  log_clock_.Set(now_ms);
  published_ = 0;
  failed_ = false;
  for (auto& [session, m] : members_) {
    if (m.phase == Phase::kBreakPending && now_ms - m.pending_since >= options_.decision_hold_ms) {
      v1::Envelope env;
      auto* x = env.mutable_contact_exited();
      x->set_contact_id(m.contact_id);
      x->set_queue(m.queue);
      x->set_reason(v1::EXIT_REASON_UNSPECIFIED);
      Publish(env, m.pending_time);
      ++stats_.breaks_by_deadline;
      Finish(m, now_ms);
    }
  }
  Forget(now_ms);
}

void Mapper::Forget(UnixMs now_ms) {
  stats_.members_expired +=
      bridges::EraseExpired(&members_, now_ms, options_.finished_ttl_ms, options_.member_ttl_ms,
                            [](const Member& m) { return m.phase == Phase::kFinished; });
}

void Mapper::OnConnectionLost(UnixMs now_ms) {
  // Whatever would have decided a pending BREAK_OUT is lost with the connection.
  for (auto& [session, m] : members_) {
    if (m.phase == Phase::kBreakPending) m.pending_since = now_ms - options_.decision_hold_ms;
  }
  Expire(now_ms);
  for (auto& [name, agent] : agents_) agent.reported.Forget();
}

}  // namespace ccmon::freeswitch
