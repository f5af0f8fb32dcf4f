#include "bridges/asterisk_ami/ami_mapper.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <utility>

namespace ccmon::ami {
namespace {

// What an AMI event name means to the Mapper.
enum class Kind {
  kJoin,
  kLeave,
  kAbandon,
  kHangup,  // Hangup, HangupRequest, SoftHangupRequest.
  kVarSet,
  kDtmf,
  kAgentCalled,
  kAgentRingNoAnswer,
  kAgentDump,
  kAgentConnect,
  kAgentComplete,
  kMember,  // QueueMemberStatus/Added/Pause/Paused and the QueueMember reply.
  kMemberRemoved,
  kQueueEntry,
  kQueueStatusComplete,
  kIgnored,
};

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Event names the bridge maps, and those it knows and does not need (the rest are counted as
// unknown_event, a hint that a newer Asterisk sends something worth a look).
const std::unordered_map<std::string, Kind>& EventKinds() {
  static const auto* kinds = [] {
    auto* m = new std::unordered_map<std::string, Kind>{
        {"queuecallerjoin", Kind::kJoin},
        {"join", Kind::kJoin},
        {"queuecallerleave", Kind::kLeave},
        {"leave", Kind::kLeave},
        {"queuecallerabandon", Kind::kAbandon},
        {"hangup", Kind::kHangup},
        {"hanguprequest", Kind::kHangup},
        {"softhanguprequest", Kind::kHangup},
        {"varset", Kind::kVarSet},
        {"dtmfend", Kind::kDtmf},
        {"dtmf", Kind::kDtmf},
        {"agentcalled", Kind::kAgentCalled},
        {"agentringnoanswer", Kind::kAgentRingNoAnswer},
        {"agentdump", Kind::kAgentDump},
        {"agentconnect", Kind::kAgentConnect},
        {"agentcomplete", Kind::kAgentComplete},
        {"queuememberstatus", Kind::kMember},
        {"queuememberadded", Kind::kMember},
        {"queuememberpause", Kind::kMember},
        {"queuememberpaused", Kind::kMember},
        {"queuemember", Kind::kMember},
        {"queuememberremoved", Kind::kMemberRemoved},
        {"queueentry", Kind::kQueueEntry},
        {"queuestatuscomplete", Kind::kQueueStatusComplete},
    };
    for (const char* name :
         {// Queue and agent events with nothing for the contract.
          "queueparams", "queuememberpenalty", "queuememberringinuse", "queuesummary",
          "queuesummarycomplete", "agentlogin", "agentlogoff", "agents", "agentscomplete",
          // Channels, bridges and dialplan.
          "newchannel", "newstate", "newexten", "newcallerid", "newconnectedline", "newaccountcode",
          "rename", "masquerade", "dialbegin", "dialend", "dialstate", "dial", "bridgecreate",
          "bridgeenter", "bridgeleave", "bridgedestroy", "bridgemerge", "bridgeinfochannel",
          "bridgeinfocomplete", "bridge", "link", "unlink", "localbridge", "localoptimizationbegin",
          "localoptimizationend", "blindtransfer", "attendedtransfer", "transfer",
          "musiconholdstart", "musiconholdstop", "musiconhold", "hold", "unhold", "dtmfbegin",
          "hanguphandlerrun", "hanguphandlerpop", "hanguphandlerpush", "channelupdate", "userevent",
          "agiexec", "asyncagistart", "asyncagiexec", "asyncagiend", "cel", "cdr",
          "originateresponse", "pickup", "chanspystart", "chanspystop", "mixmonitorstart",
          "mixmonitorstop", "monitorstart", "monitorstop", "parkedcall", "unparkedcall",
          "parkedcallgiveup", "parkedcalltimeout", "parkedcallswap", "meetmejoin", "meetmeleave",
          "meetmeend", "confbridgejoin", "confbridgeleave", "confbridgestart", "confbridgeend",
          "confbridgetalking", "coreshowchannel", "coreshowchannelscomplete", "status",
          "statuscomplete", "varsetcomplete",
          // Devices, peers, media and the system.
          "devicestatechange", "extensionstatus", "presencestatus", "peerstatus", "contactstatus",
          "registry", "rtcpsent", "rtcpreceived", "fullybooted", "shutdown", "reload",
          "loadaverage", "alarm", "alarmclear", "spanalarm", "spanalarmclear", "dndstate",
          "messagewaiting", "voicemailuserentry", "voicemailuserentrycomplete", "successfulauth",
          "challengesent", "invalidaccountid", "invalidpassword", "failedacl", "requestbadformat",
          "challengeresponsefailed", "unexpectedaddress", "sessiontimeout", "aoc-d", "aoc-e",
          "aoc-s"}) {
      m->emplace(name, Kind::kIgnored);
    }
    return m;
  }();
  return *kinds;
}

std::uint32_t ParseUint(std::string_view s) {
  std::uint32_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() ? v : 0;
}

int ParseInt(std::string_view s, int fallback) {
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() ? v : fallback;
}

bool IsTrue(std::string_view s) {
  return s == "1" || EqualsIgnoreCase(s, "yes") || EqualsIgnoreCase(s, "true");
}

// The member's interface: 12+ "Interface", pre-12 member events "Location", pre-12
// AgentConnect/Complete/RingNoAnswer/Dump "Member", pre-12 AgentCalled "AgentCalled".
std::string_view MemberInterface(const Message& m) {
  for (std::string_view key : {"Interface", "Location", "Member", "AgentCalled"}) {
    const std::string* v = m.Find(key);
    if (v != nullptr && !v->empty()) return *v;
  }
  return {};
}

// QUEUESTATUS (set by Queue() when the caller goes on in the dialplan) → exit reason.
std::optional<v1::ExitReason> ExitReasonForQueueStatus(std::string_view status) {
  if (EqualsIgnoreCase(status, "TIMEOUT")) return v1::EXIT_REASON_TIMEOUT;
  if (EqualsIgnoreCase(status, "FULL")) return v1::EXIT_REASON_QUEUE_FULL;
  if (EqualsIgnoreCase(status, "JOINEMPTY") || EqualsIgnoreCase(status, "LEAVEEMPTY") ||
      EqualsIgnoreCase(status, "JOINUNAVAIL") || EqualsIgnoreCase(status, "LEAVEUNAVAIL")) {
    return v1::EXIT_REASON_NO_AGENTS;
  }
  if (EqualsIgnoreCase(status, "WITHDRAW")) return v1::EXIT_REASON_WITHDRAWN;
  // CONTINUE: the caller was answered and the agent hung up first ('c' option): not a wait
  // outcome, decided by AgentConnect/AgentComplete.
  if (EqualsIgnoreCase(status, "CONTINUE")) return std::nullopt;
  return v1::EXIT_REASON_UNSPECIFIED;
}

}  // namespace

std::optional<UnixMs> ParseAmiTimestamp(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view secs = text.substr(0, dot);
  if (secs.empty() || secs.size() > 11) return std::nullopt;
  std::int64_t s = 0;
  auto r = std::from_chars(secs.data(), secs.data() + secs.size(), s);
  if (r.ec != std::errc() || r.ptr != secs.data() + secs.size() || s < 0) return std::nullopt;
  std::int64_t ms = 0;
  if (dot != std::string_view::npos) {
    const std::string_view frac = text.substr(dot + 1);
    int scale = 100;
    for (char c : frac) {
      if (c < '0' || c > '9') return std::nullopt;
      if (scale > 0) {
        ms += (c - '0') * scale;
        scale /= 10;
      }
    }
  }
  return s * 1000 + ms;
}

Mapper::Mapper(EnvelopeSink* sink, const CallerKeyHasher* hasher, MapperOptions options)
    : sink_(sink), hasher_(hasher), options_(options) {}

void Mapper::Consume(Item& item, UnixMs arrival_ms) {
  log_clock_.Set(arrival_ms);
  effect_ = Effect{};
  std::string_view result;
  switch (item.kind) {
    case ItemKind::kMessage:
      result = MapMessage(item.message, arrival_ms);
      break;
    case ItemKind::kBanner:
      result = outcome::kBanner;
      break;
    case ItemKind::kGarbageLine:
      result = outcome::kGarbageLine;
      break;
    case ItemKind::kCaptureGap:
      result = outcome::kCaptureGap;
      break;
    case ItemKind::kTruncated:
      result = outcome::kTruncated;
      break;
    case ItemKind::kOversized:
      result = outcome::kOversized;
      break;
  }
  if (effect_.failed) result = outcome::kPublishFailed;
  counts_.Add(result);
}

std::string_view Mapper::MapMessage(const Message& m, UnixMs arrival_ms) {
  const std::string_view first = m.FirstKey();
  if (EqualsIgnoreCase(first, "Event")) return MapEvent(m, m.headers.front().value, arrival_ms);
  if (EqualsIgnoreCase(first, "Response")) return outcome::kResponse;
  // Requests only appear in captures that recorded both directions.
  if (EqualsIgnoreCase(first, "Action")) return outcome::kAction;
  return outcome::kMalformed;
}

std::string_view Mapper::MapEvent(const Message& m, std::string_view name, UnixMs arrival) {
  const auto& kinds = EventKinds();
  const auto it = kinds.find(LowerCopy(name));
  if (it == kinds.end()) return outcome::kUnknownEvent;
  const UnixMs t = ParseAmiTimestamp(m.Get("Timestamp")).value_or(arrival);
  switch (it->second) {
    case Kind::kJoin:
      return OnJoin(m, t, arrival, false);
    case Kind::kQueueEntry:
      return OnJoin(m, t, arrival, true);
    case Kind::kLeave:
      return OnLeave(m, t, arrival);
    case Kind::kAbandon:
      return OnAbandon(m, t, arrival);
    case Kind::kHangup:
      return OnHangupEvidence(m, name, t, arrival);
    case Kind::kVarSet:
      return OnVarSet(m, t, arrival);
    case Kind::kDtmf:
      return OnDtmf(m, arrival);
    case Kind::kAgentCalled:
      return OnAgentCalled(m, t, arrival);
    case Kind::kAgentRingNoAnswer:
      return OnAgentRingEnd(m, false, t, arrival);
    case Kind::kAgentDump:
      return OnAgentRingEnd(m, true, t, arrival);
    case Kind::kAgentConnect:
      return OnAgentConnect(m, t, arrival);
    case Kind::kAgentComplete:
      return OnAgentComplete(m, t, arrival);
    case Kind::kMember:
    case Kind::kMemberRemoved:
      return OnMember(m, it->second == Kind::kMemberRemoved, t, arrival);
    case Kind::kQueueStatusComplete:
      return OnQueueStatusComplete(m, t);
    case Kind::kIgnored:
      return outcome::kIgnoredEvent;
  }
  return outcome::kIgnoredEvent;
}

std::string_view Mapper::PublishedOrNoChange() const {
  return effect_.published > 0 ? outcome::kPublished : outcome::kNoChange;
}

std::string_view Mapper::PublishedOrNoChange(bool known_call) const {
  if (effect_.published > 0 || known_call) return PublishedOrNoChange();
  return outcome::kUnknownContact;
}

void Mapper::Publish(v1::Envelope& env, UnixMs t) {
  env.set_time_unix_ms(t);
  const Status s = sink_->Publish(env);
  if (s.ok()) {
    ++effect_.published;
    ++stats_.envelopes;
    return;
  }
  effect_.failed = true;
  std::uint64_t suppressed = 0;
  if (publish_errors_.Allow(&suppressed)) {
    spdlog::warn("asterisk-ami: publishing failed: {} ({} similar messages suppressed)",
                 s.message(), suppressed);
  }
}

std::string_view Mapper::OnJoin(const Message& m, UnixMs t, UnixMs arrival,
                                bool from_queue_status) {
  const std::string uniqueid(m.Get("Uniqueid"));
  const std::string queue(m.Get("Queue"));
  if (uniqueid.empty() || queue.empty()) return outcome::kMissingField;

  if (from_queue_status) {
    if (!queue_status_action_.empty() && m.Get("ActionID") == queue_status_action_) {
      queue_status_seen_.insert(uniqueid);
    }
    const auto it = calls_.find(uniqueid);
    if (it != calls_.end() && it->second.phase != Phase::kFinished) return outcome::kNoChange;
    // A caller already waiting when the bridge logged in: it entered `Wait` seconds ago.
    t = arrival - static_cast<UnixMs>(ParseUint(m.Get("Wait"))) * 1000;
  }

  std::string from_queue;
  auto it = calls_.find(uniqueid);
  if (it != calls_.end()) {
    Call& old = it->second;
    switch (old.phase) {
      case Phase::kWaiting:
        if (old.queue == queue) return outcome::kNoChange;  // The same join twice.
        from_queue = old.queue;
        break;
      case Phase::kAbandonPending:
      case Phase::kLeftPending: {
        // Queue() ended without a hang-up and the dialplan put the caller in another queue.
        v1::Envelope env;
        auto* e = env.mutable_contact_exited();
        e->set_contact_id(old.contact_id);
        e->set_queue(old.queue);
        e->set_reason(v1::EXIT_REASON_OVERFLOW);
        e->set_destination(queue);
        Publish(env, old.pending_time);
        StopRinging(old, "", old.pending_time, arrival);
        from_queue = old.queue;
        break;
      }
      case Phase::kTalking:
        from_queue = old.queue;  // Queued again after an answer without AgentComplete.
        break;
      case Phase::kFinished:
        break;
    }
  }
  if (from_queue.empty()) {
    const auto tr = transferred_from_.find(uniqueid);
    if (tr != transferred_from_.end()) {
      from_queue = tr->second;
      transferred_from_.erase(tr);
    }
  }
  if (it == calls_.end()) {
    if (calls_.size() >= options_.max_calls) ForgetFinished(arrival + options_.finished_ttl_ms);
    if (calls_.size() >= options_.max_calls) return outcome::kOversized;
    it = calls_.emplace(uniqueid, Call{}).first;
  }
  Call& call = it->second;
  call = Call{};
  call.uniqueid = uniqueid;
  call.contact_id = uniqueid;
  call.queue = queue;
  call.phase = Phase::kWaiting;
  call.last_arrival = arrival;

  v1::Envelope env;
  auto* q = env.mutable_contact_queued();
  q->set_contact_id(call.contact_id);
  q->set_queue(queue);
  q->set_channel(v1::CHANNEL_VOICE);
  const std::string* number = m.Find("CallerIDNum");
  if (number == nullptr) number = m.Find("CallerID");  // Asterisk 1.4.
  if (number != nullptr) q->set_caller_key(hasher_->Hash(*number));
  q->set_position(ParseUint(m.Get("Position")));
  q->set_priority(ParseInt(m.Get("Priority"), 0));
  q->set_transferred_from_queue(from_queue);
  Publish(env, t);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnLeave(const Message& m, UnixMs t, UnixMs arrival) {
  const auto it = calls_.find(std::string(m.Get("Uniqueid")));
  if (it == calls_.end()) return outcome::kUnknownContact;
  Call& call = it->second;
  call.last_arrival = arrival;
  if (call.phase != Phase::kWaiting) return outcome::kNoChange;
  // No QueueCallerAbandon came first: an answer (AgentConnect follows at once) or an exit
  // that Asterisk does not count as abandoned (exit key).
  call.phase = Phase::kLeftPending;
  call.pending_time = t;
  call.pending_since = arrival;
  return outcome::kPending;
}

std::string_view Mapper::OnAbandon(const Message& m, UnixMs t, UnixMs arrival) {
  const auto it = calls_.find(std::string(m.Get("Uniqueid")));
  if (it == calls_.end()) return outcome::kUnknownContact;
  Call& call = it->second;
  call.last_arrival = arrival;
  if (call.phase != Phase::kWaiting && call.phase != Phase::kLeftPending) {
    return outcome::kNoChange;
  }
  call.position = ParseUint(m.Get("Position"));
  if (call.hangup_seen) {
    ++stats_.abandons_by_hangup;
    Abandon(call, t, arrival);
    return PublishedOrNoChange();
  }
  call.phase = Phase::kAbandonPending;
  call.pending_time = t;
  call.pending_since = arrival;
  return outcome::kPending;
}

std::string_view Mapper::OnHangupEvidence(const Message& m, std::string_view name, UnixMs t,
                                          UnixMs arrival) {
  const auto it = calls_.find(std::string(m.Get("Uniqueid")));
  if (it == calls_.end()) return outcome::kIgnoredEvent;
  Call& call = it->second;
  call.last_arrival = arrival;
  switch (call.phase) {
    case Phase::kWaiting:
      call.hangup_seen = true;
      if (EqualsIgnoreCase(name, "Hangup")) {
        // The channel is gone while still waiting (its QueueCallerAbandon was not received).
        ++stats_.abandons_by_hangup;
        Abandon(call, t, arrival);
        return PublishedOrNoChange();
      }
      return outcome::kNoChange;
    case Phase::kAbandonPending:
      ++stats_.abandons_by_hangup;
      Abandon(call, call.pending_time, arrival);
      return PublishedOrNoChange();
    case Phase::kLeftPending:
      // Left without an abandon and without an answer, then hung up: an exit (the answer that
      // follows every QueueCallerLeave of an answered call did not come).
      Exit(call, call.dtmf_seen ? v1::EXIT_REASON_KEY_PRESS : v1::EXIT_REASON_UNSPECIFIED,
           call.pending_time, arrival);
      return PublishedOrNoChange();
    case Phase::kTalking:
    case Phase::kFinished:
      return outcome::kNoChange;
  }
  return outcome::kNoChange;
}

std::string_view Mapper::OnVarSet(const Message& m, UnixMs, UnixMs arrival) {
  if (!EqualsIgnoreCase(m.Get("Variable"), "QUEUESTATUS")) return outcome::kIgnoredEvent;
  const auto it = calls_.find(std::string(m.Get("Uniqueid")));
  // A caller refused at the door (JOINEMPTY, FULL) never joined: nothing to close.
  if (it == calls_.end()) return outcome::kIgnoredEvent;
  Call& call = it->second;
  call.last_arrival = arrival;
  if (call.phase != Phase::kAbandonPending && call.phase != Phase::kLeftPending) {
    return outcome::kNoChange;
  }
  const std::optional<v1::ExitReason> reason = ExitReasonForQueueStatus(m.Get("Value"));
  if (!reason) return outcome::kNoChange;
  ++stats_.exits_by_queue_status;
  Exit(call, *reason, call.pending_time, arrival);
  return PublishedOrNoChange();
}

std::string_view Mapper::OnDtmf(const Message& m, UnixMs arrival) {
  const auto it = calls_.find(std::string(m.Get("Uniqueid")));
  if (it == calls_.end()) return outcome::kIgnoredEvent;
  Call& call = it->second;
  call.last_arrival = arrival;
  // Only digits the caller sent count (Direction: Received; pre-12 events have no direction).
  const std::string* direction = m.Find("Direction");
  if (call.phase == Phase::kWaiting &&
      (direction == nullptr || EqualsIgnoreCase(*direction, "Received"))) {
    call.dtmf_seen = true;
  }
  return outcome::kNoChange;
}

std::string_view Mapper::OnAgentCalled(const Message& m, UnixMs t, UnixMs arrival) {
  const std::string interface(MemberInterface(m));
  if (interface.empty()) return outcome::kMissingField;
  const std::string uniqueid(m.Get("Uniqueid"));
  const std::string queue(m.Get("Queue"));
  Agent* agent = FindOrAddAgent(interface, arrival);
  if (agent == nullptr) return outcome::kOversized;
  if (!queue.empty()) agent->queues.emplace(queue, Membership{});  // Learnt from the call.

  const auto it = calls_.find(uniqueid);
  const bool known = it != calls_.end();
  if (known) {
    Call& call = it->second;
    call.last_arrival = arrival;
    if (call.phase == Phase::kAbandonPending) {
      // Asterisk counted something as abandoned (an agent dump) but still rings for the caller:
      // the caller is still queued.
      call.phase = Phase::kWaiting;
    }
    if (call.phase == Phase::kWaiting || call.phase == Phase::kLeftPending) {
      v1::Envelope env;
      auto* r = env.mutable_contact_ringing();
      r->set_contact_id(call.contact_id);
      r->set_queue(call.queue);
      r->set_agent_id(interface);
      Publish(env, t);
      if (std::find(call.ringing_agents.begin(), call.ringing_agents.end(), interface) ==
          call.ringing_agents.end()) {
        call.ringing_agents.push_back(interface);
      }
      agent->call = AgentCall::kRinging;
      agent->call_uniqueid = uniqueid;
    }
  }
  PublishAgent(interface, *agent, t);
  return PublishedOrNoChange(known);
}

std::string_view Mapper::OnAgentRingEnd(const Message& m, bool dump, UnixMs t, UnixMs arrival) {
  const std::string interface(MemberInterface(m));
  if (interface.empty()) return outcome::kMissingField;
  const std::string uniqueid(m.Get("Uniqueid"));
  Agent* agent = FindOrAddAgent(interface, arrival);
  if (agent == nullptr) return outcome::kOversized;

  const auto it = calls_.find(uniqueid);
  const bool known = it != calls_.end();
  if (known) {
    Call& call = it->second;
    call.last_arrival = arrival;
    if (dump && call.phase == Phase::kAbandonPending) {
      // app_queue records an agent dump as abandoned (record_abandoned); the caller is not the one
      // who left.
      call.phase = Phase::kWaiting;
    }
    if (call.phase == Phase::kWaiting || call.phase == Phase::kLeftPending ||
        call.phase == Phase::kAbandonPending) {
      v1::Envelope env;
      auto* r = env.mutable_contact_ring_timeout();
      r->set_contact_id(call.contact_id);
      r->set_queue(call.queue);
      r->set_agent_id(interface);
      // RingTime is in milliseconds here (pre-12 spells it Ringtime); AgentDump has none.
      if (!dump) r->set_ring_ms(ParseUint(m.Get("RingTime")));
      Publish(env, t);
    }
    call.ringing_agents.erase(
        std::remove(call.ringing_agents.begin(), call.ringing_agents.end(), interface),
        call.ringing_agents.end());
  }
  if (agent->call == AgentCall::kRinging && agent->call_uniqueid == uniqueid) {
    agent->call = AgentCall::kNone;
    agent->call_uniqueid.clear();
  }
  PublishAgent(interface, *agent, t);
  return PublishedOrNoChange(known);
}

std::string_view Mapper::OnAgentConnect(const Message& m, UnixMs t, UnixMs arrival) {
  const std::string interface(MemberInterface(m));
  if (interface.empty()) return outcome::kMissingField;
  const std::string uniqueid(m.Get("Uniqueid"));
  Agent* agent = FindOrAddAgent(interface, arrival);
  if (agent == nullptr) return outcome::kOversized;
  const std::string queue(m.Get("Queue"));
  if (!queue.empty()) agent->queues.emplace(queue, Membership{});

  const auto it = calls_.find(uniqueid);
  const bool known = it != calls_.end();
  if (known) {
    Call& call = it->second;
    call.last_arrival = arrival;
    if (call.phase == Phase::kWaiting || call.phase == Phase::kLeftPending ||
        call.phase == Phase::kAbandonPending) {
      v1::Envelope env;
      auto* a = env.mutable_contact_answered();
      a->set_contact_id(call.contact_id);
      a->set_queue(call.queue);
      a->set_agent_id(interface);
      Publish(env, t);
      call.phase = Phase::kTalking;
      call.agent = interface;
      StopRinging(call, interface, t, arrival);
    }
  }
  agent->call = AgentCall::kTalking;
  agent->call_uniqueid = uniqueid;
  PublishAgent(interface, *agent, t);
  return PublishedOrNoChange(known);
}

std::string_view Mapper::OnAgentComplete(const Message& m, UnixMs t, UnixMs arrival) {
  const std::string interface(MemberInterface(m));
  if (interface.empty()) return outcome::kMissingField;
  const std::string uniqueid(m.Get("Uniqueid"));
  Agent* agent = FindOrAddAgent(interface, arrival);
  if (agent == nullptr) return outcome::kOversized;

  const auto it = calls_.find(uniqueid);
  const bool known = it != calls_.end();
  if (known && it->second.phase == Phase::kTalking) {
    Call& call = it->second;
    const std::string_view reason = m.Get("Reason");
    if (EqualsIgnoreCase(reason, "transfer")) {
      v1::Envelope env;
      auto* tr = env.mutable_contact_transferred();
      tr->set_contact_id(call.contact_id);
      tr->set_queue(call.queue);
      Publish(env, t);
      // A join of the same channel that follows is the transfer's arrival in another queue.
      if (transferred_from_.size() >= options_.max_calls && !transferred_order_.empty()) {
        transferred_from_.erase(transferred_order_.front());
        transferred_order_.pop_front();
      }
      if (transferred_from_.insert_or_assign(uniqueid, call.queue).second) {
        transferred_order_.push_back(uniqueid);
      }
    } else {
      v1::Envelope env;
      auto* e = env.mutable_contact_ended();
      e->set_contact_id(call.contact_id);
      e->set_queue(call.queue);
      e->set_ended_by(EqualsIgnoreCase(reason, "caller")  ? v1::ENDED_BY_CALLER
                      : EqualsIgnoreCase(reason, "agent") ? v1::ENDED_BY_AGENT
                                                          : v1::ENDED_BY_UNSPECIFIED);
      Publish(env, t);
    }
    // Asterisk reports no after-contact work: the wrap-up ends with the call.
    v1::Envelope wrap;
    auto* w = wrap.mutable_wrap_up_ended();
    w->set_contact_id(call.contact_id);
    w->set_queue(call.queue);
    w->set_agent_id(interface);
    Publish(wrap, t);
    Finish(call, arrival);
  }
  if (agent->call_uniqueid == uniqueid) {
    agent->call = AgentCall::kNone;
    agent->call_uniqueid.clear();
  }
  // The device state still says in use; the next QueueMemberStatus corrects it if the agent is
  // on another call.
  if (agent->device_status == 2 || agent->device_status == 3 || agent->device_status == 7 ||
      agent->device_status == 8) {
    agent->device_status = 1;
  }
  PublishAgent(interface, *agent, t);
  return PublishedOrNoChange(known);
}

std::string_view Mapper::OnMember(const Message& m, bool removed, UnixMs t, UnixMs arrival) {
  const std::string interface(MemberInterface(m));
  const std::string queue(m.Get("Queue"));
  if (interface.empty() || queue.empty()) return outcome::kMissingField;
  Agent* agent = FindOrAddAgent(interface, arrival);
  if (agent == nullptr) return outcome::kOversized;
  if (removed) {
    agent->queues.erase(queue);
  } else {
    Membership& membership = agent->queues[queue];
    if (const std::string* paused = m.Find("Paused"); paused != nullptr) {
      membership.paused = IsTrue(*paused);
      const std::string* reason = m.Find("PausedReason");
      if (reason == nullptr) reason = m.Find("Reason");  // QueueMemberPaused (pre-12), 12–13.
      membership.reason = membership.paused && reason != nullptr ? *reason : "";
    }
    if (const std::string* status = m.Find("Status"); status != nullptr) {
      agent->device_status = ParseInt(*status, agent->device_status);
    }
    // The reply to the bridge's own QueueStatus after a login says whether the member is still
    // in the call the bridge knew of (InCall in 12+, an idle device before): a call that ended
    // while the bridge was away is closed now instead of staying open until it is evicted.
    const bool own_status_reply = EqualsIgnoreCase(m.Get("Event"), "QueueMember") &&
                                  !queue_status_action_.empty() &&
                                  m.Get("ActionID") == queue_status_action_;
    if (own_status_reply && agent->call != AgentCall::kNone) {
      const std::string* in_call = m.Find("InCall");
      const bool still_in_call = in_call != nullptr ? IsTrue(*in_call) : agent->device_status != 1;
      if (!still_in_call) EndCallGoneWhileAway(interface, *agent, t, arrival);
    }
  }
  PublishAgent(interface, *agent, t);
  return PublishedOrNoChange();
}

void Mapper::EndCallGoneWhileAway(const std::string& interface, Agent& agent, UnixMs t,
                                  UnixMs arrival) {
  const auto it = calls_.find(agent.call_uniqueid);
  if (agent.call == AgentCall::kTalking && it != calls_.end() &&
      it->second.phase == Phase::kTalking && it->second.agent == interface) {
    Call& call = it->second;
    v1::Envelope ended;
    auto* e = ended.mutable_contact_ended();
    e->set_contact_id(call.contact_id);
    e->set_queue(call.queue);
    Publish(ended, t);
    v1::Envelope wrap;
    auto* w = wrap.mutable_wrap_up_ended();
    w->set_contact_id(call.contact_id);
    w->set_queue(call.queue);
    w->set_agent_id(interface);
    Publish(wrap, t);
    Finish(call, arrival);
    ++stats_.calls_ended_reconciled;
  }
  agent.call = AgentCall::kNone;
  agent.call_uniqueid.clear();
}

std::string_view Mapper::OnQueueStatusComplete(const Message& m, UnixMs t) {
  if (queue_status_action_.empty() || m.Get("ActionID") != queue_status_action_) {
    return outcome::kIgnoredEvent;
  }
  queue_status_action_.clear();
  for (auto& [uniqueid, call] : calls_) {
    if (call.phase != Phase::kWaiting || queue_status_seen_.count(uniqueid) > 0) continue;
    // Waiting before the connection was lost, gone now: it left while the bridge was away.
    ++stats_.exits_reconciled;
    Exit(call, v1::EXIT_REASON_UNSPECIFIED, t, call.last_arrival);
  }
  queue_status_seen_.clear();
  return PublishedOrNoChange();
}

void Mapper::BeginQueueStatus(std::string action_id) {
  queue_status_action_ = std::move(action_id);
  queue_status_seen_.clear();
}

void Mapper::Abandon(Call& call, UnixMs t, UnixMs arrival) {
  v1::Envelope env;
  auto* a = env.mutable_contact_abandoned();
  a->set_contact_id(call.contact_id);
  a->set_queue(call.queue);
  a->set_position(call.position);
  Publish(env, t);
  StopRinging(call, "", t, arrival);
  Finish(call, arrival);
}

void Mapper::Exit(Call& call, v1::ExitReason reason, UnixMs t, UnixMs arrival) {
  v1::Envelope env;
  auto* e = env.mutable_contact_exited();
  e->set_contact_id(call.contact_id);
  e->set_queue(call.queue);
  e->set_reason(reason);
  Publish(env, t);
  StopRinging(call, "", t, arrival);
  Finish(call, arrival);
}

void Mapper::Finish(Call& call, UnixMs arrival) {
  call.phase = Phase::kFinished;
  call.ringing_agents.clear();
  call.last_arrival = arrival;
}

void Mapper::DecideByDefault(Call& call, UnixMs arrival) {
  if (call.phase == Phase::kAbandonPending) {
    if (call.hangup_seen) {
      ++stats_.abandons_by_hangup;
      Abandon(call, call.pending_time, arrival);
    } else {
      ++stats_.exits_by_deadline;
      Exit(call, v1::EXIT_REASON_UNSPECIFIED, call.pending_time, arrival);
    }
  } else if (call.phase == Phase::kLeftPending) {
    ++stats_.exits_by_deadline;
    Exit(call, call.dtmf_seen ? v1::EXIT_REASON_KEY_PRESS : v1::EXIT_REASON_UNSPECIFIED,
         call.pending_time, arrival);
  }
}

void Mapper::StopRinging(Call& call, const std::string& except, UnixMs t, UnixMs arrival) {
  const std::vector<std::string> ringing = std::move(call.ringing_agents);
  call.ringing_agents.clear();
  for (const std::string& interface : ringing) {
    if (interface == except) continue;
    const auto a = agents_.find(interface);
    if (a == agents_.end()) continue;
    Agent& agent = a->second;
    if (agent.call == AgentCall::kRinging && agent.call_uniqueid == call.uniqueid) {
      agent.call = AgentCall::kNone;
      agent.call_uniqueid.clear();
      agent.last_arrival = arrival;
      PublishAgent(interface, agent, t);
    }
  }
}

Mapper::Agent* Mapper::FindOrAddAgent(const std::string& interface, UnixMs arrival) {
  auto it = agents_.find(interface);
  if (it == agents_.end()) {
    if (agents_.size() >= options_.max_agents) return nullptr;
    it = agents_.emplace(interface, Agent{}).first;
  }
  it->second.last_arrival = arrival;
  return &it->second;
}

v1::AgentState Mapper::DerivedState(const Agent& agent, std::string* reason) const {
  reason->clear();
  if (agent.queues.empty()) return v1::AGENT_STATE_LOGGED_OUT;
  if (agent.call == AgentCall::kTalking) return v1::AGENT_STATE_ON_CONTACT;
  if (agent.call == AgentCall::kRinging) return v1::AGENT_STATE_RESERVED;
  // Device states (AST_DEVICE_*): 4 INVALID and 5 UNAVAILABLE mean the agent cannot be reached.
  if (agent.device_status == 4 || agent.device_status == 5) return v1::AGENT_STATE_LOGGED_OUT;
  const bool all_paused = std::all_of(agent.queues.begin(), agent.queues.end(),
                                      [](const auto& q) { return q.second.paused; });
  if (all_paused) {
    for (const auto& [queue, membership] : agent.queues) {
      if (!membership.reason.empty()) {
        *reason = membership.reason;
        break;
      }
    }
    return v1::AGENT_STATE_NOT_READY;
  }
  switch (agent.device_status) {
    case 2:  // INUSE
    case 7:  // RINGINUSE
    case 8:  // ONHOLD
      // On a call that is not a queue call of this bridge (AgentConnect would say so): app_queue
      // does not offer it queue calls (unless ringinuse), so it is not available.
      *reason = "in_use";
      return v1::AGENT_STATE_NOT_READY;
    case 3:  // BUSY
      *reason = "busy";
      return v1::AGENT_STATE_NOT_READY;
    default:
      // 0 UNKNOWN (app_queue rings such members), 1 NOT_INUSE, 6 RINGING (an offer alone does
      // not change availability: a queue offer comes with AgentCalled), not reported.
      return v1::AGENT_STATE_AVAILABLE;
  }
}

void Mapper::PublishAgent(const std::string& interface, Agent& agent, UnixMs t) {
  std::string reason;
  const v1::AgentState state = DerivedState(agent, &reason);
  std::string contact;
  if (agent.call != AgentCall::kNone) {
    const auto c = calls_.find(agent.call_uniqueid);
    if (c != calls_.end()) contact = c->second.contact_id;
  }
  std::vector<std::string> queues;
  queues.reserve(agent.queues.size());
  for (const auto& [queue, membership] : agent.queues) queues.push_back(queue);
  bridges::AgentReport report{state, std::move(reason), std::move(contact), std::move(queues)};
  v1::Envelope env;
  if (!agent.reported.Build(interface, report, &env)) return;
  Publish(env, t);
  if (!effect_.failed) agent.reported.Published(std::move(report));
}

void Mapper::Expire(UnixMs now_ms) {
  log_clock_.Set(now_ms);
  effect_ = Effect{};
  DecidePending(now_ms - options_.decision_hold_ms, now_ms);
  ForgetFinished(now_ms);
}

void Mapper::DecidePending(UnixMs pending_before, UnixMs now_ms) {
  // In the order the pending events arrived, so the decisions are published in time order.
  std::vector<Call*> due;
  for (auto& [uniqueid, call] : calls_) {
    if ((call.phase == Phase::kAbandonPending || call.phase == Phase::kLeftPending) &&
        call.pending_since <= pending_before) {
      due.push_back(&call);
    }
  }
  std::sort(due.begin(), due.end(), [](const Call* a, const Call* b) {
    return a->pending_since != b->pending_since ? a->pending_since < b->pending_since
           : a->pending_time != b->pending_time ? a->pending_time < b->pending_time
                                                : a->uniqueid < b->uniqueid;
  });
  for (Call* call : due) DecideByDefault(*call, now_ms);
}

void Mapper::ForgetFinished(UnixMs now_ms) {
  stats_.calls_expired +=
      bridges::EraseExpired(&calls_, now_ms, options_.finished_ttl_ms, options_.call_ttl_ms,
                            [](const Call& call) { return call.phase == Phase::kFinished; });
}

void Mapper::OnConnectionLost(UnixMs now_ms) {
  log_clock_.Set(now_ms);
  effect_ = Effect{};
  DecidePending(now_ms, now_ms);
  // The daemon logs this source's agents out on DOWN: publish every agent again after the login.
  for (auto& [interface, agent] : agents_) agent.reported.Forget();
  queue_status_action_.clear();
  queue_status_seen_.clear();
}

}  // namespace ccmon::ami
