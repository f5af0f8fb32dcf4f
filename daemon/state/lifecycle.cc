#include "daemon/state/lifecycle.h"

#include <algorithm>

namespace ccmon::state {

namespace {

std::int64_t NonNegative(std::int64_t v) { return v < 0 ? 0 : v; }

}  // namespace

Lifecycle::Lifecycle(Model* model, FactSink* sink, LifecycleOptions options)
    : model_(model), sink_(sink), options_(options) {}

Lifecycle::PerSource& Lifecycle::Source(SourceId s) {
  if (s >= per_source_.size()) per_source_.resize(s + 1);
  return per_source_[s];
}

void Lifecycle::Apply(const Event& e) {
  ++model_->ingest.events_applied[static_cast<int>(e.type)];
  if (e.type != EventType::kHeartbeat) ++model_->sources.at(e.source).events_applied;
  AdvanceSource(e.source, e.time_ms);
  switch (e.type) {
    case EventType::kAgentStateChanged:
      ApplyAgentEvent(e);
      break;
    case EventType::kHeartbeat:
      ApplyHeartbeat(e);
      break;
    case EventType::kSurveyCompleted: {
      // Surveys usually arrive after the contact is gone: they need no live contact.
      Fact f;
      f.type = FactType::kSurveyCompleted;
      f.time_ms = e.time_ms;
      f.queue = model_->queues.Resolve(e.queue);
      f.source = e.source;
      f.csat = static_cast<std::uint8_t>(e.csat);
      f.resolution = e.resolution;
      f.contact_id = e.contact_id;
      Emit(f);
      break;
    }
    default:
      ApplyContactEvent(e);
  }
}

void Lifecycle::AdvanceSource(SourceId s, UnixMs now) {
  SourceInfo& info = model_->sources.at(s);
  if (now > info.event_clock_ms) info.event_clock_ms = now;
  const UnixMs clock = info.event_clock_ms;
  FireDeadlines(s, clock);
  PerSource& ps = Source(s);
  if (ps.last_sweep_ms == 0) ps.last_sweep_ms = clock;
  if (clock - ps.last_sweep_ms >= options_.sweep_interval_ms) {
    ps.last_sweep_ms = clock;
    Sweep(s, clock);
    ExpirePending(s, clock);
  }
}

Fact Lifecycle::BaseFact(FactType type, const Contact& c, UnixMs t) const {
  Fact f;
  f.type = type;
  f.time_ms = t;
  f.queue = c.queue;
  f.source = c.source;
  f.channel = c.channel;
  f.enqueue_ms = c.enqueue_ms;
  f.priority = c.priority;
  f.transferred_in = c.transferred_in;
  f.agent = c.agent;
  f.breached_mask = c.breached_mask;
  f.contact_id = c.id;
  f.caller_key = c.caller_key;
  f.segment = c.segment;
  return f;
}

void Lifecycle::ApplyContactEvent(const Event& e) {
  if (e.type == EventType::kContactQueued) {
    OnQueued(e, model_->contacts.Find(e.source, e.contact_id));
    return;
  }
  const ContactSlot slot = model_->contacts.Find(e.source, e.contact_id);
  if (slot == kNoSlot) {
    // Perhaps its ContactQueued is late (reordered, or recovered by replay): hold it back.
    Hold(nullptr, e);
    return;
  }
  Contact& c = model_->contacts.at(slot);
  c.last_event_ms = std::max(c.last_event_ms, e.time_ms);
  if (!e.queue.empty() && c.phase != ContactPhase::kTransferring &&
      model_->queues.Find(e.queue) != c.queue) {
    // The contact's own record wins; the event's queue field is only a cross-check.
    Anomaly(Anomaly::kQueueMismatch);
  }
  const UnixMs t = e.time_ms;
  const bool waiting = c.phase == ContactPhase::kWaiting;
  const bool connected = c.phase == ContactPhase::kTalking || c.phase == ContactPhase::kHeld;

  switch (e.type) {
    case EventType::kContactRinging:
    case EventType::kContactRingTimeout: {
      if (!waiting) {
        Anomaly(Anomaly::kImpossibleTransition);
        return;
      }
      const bool ringing = e.type == EventType::kContactRinging;
      c.ringing = ringing;
      Fact f = BaseFact(ringing ? FactType::kRinging : FactType::kRingTimeout, c, t);
      f.agent = e.agent_id.empty() ? kNoAgent : model_->agents.Resolve(e.source, e.agent_id);
      f.ring_ms = e.ring_ms;
      Emit(f);
      return;
    }
    case EventType::kContactAnswered:
      if (waiting) {
        c.agent = e.agent_id.empty() ? kNoAgent : model_->agents.Resolve(e.source, e.agent_id);
        c.answer_ms = t;
        c.ringing = false;
        EmitWaitOutcome(FactType::kAnswered, slot, t, ExitReason::kOther, kNoQueue);
        c.phase = ContactPhase::kTalking;
      } else {
        Anomaly(connected || c.phase == ContactPhase::kWrapUp ? Anomaly::kDuplicateEvent
                                                              : Anomaly::kImpossibleTransition);
      }
      return;
    case EventType::kContactAbandoned:
    case EventType::kContactExited:
    case EventType::kCallbackRequested: {
      if (!waiting) {
        Anomaly(Anomaly::kImpossibleTransition);
        return;
      }
      const bool abandoned = e.type == EventType::kContactAbandoned;
      const ExitReason reason =
          e.type == EventType::kCallbackRequested ? ExitReason::kCallback : e.exit_reason;
      EmitWaitOutcome(abandoned ? FactType::kAbandoned : FactType::kExited, slot, t, reason,
                      kNoQueue);
      model_->contacts.Remove(slot);
      return;
    }
    case EventType::kContactTransferred: {
      const QueueId target =
          e.target_queue.empty() ? kNoQueue : model_->queues.Resolve(e.target_queue);
      if (waiting) {
        EmitWaitOutcome(FactType::kTransferredOut, slot, t, ExitReason::kOther, target);
      } else if (connected) {
        EndLeg(slot, t, EndedBy::kUnspecified);
        Fact f = BaseFact(FactType::kTransferredOut, c, t);
        f.before_answer = false;
        f.target_queue = target;
        Emit(f);
      } else {
        Anomaly(Anomaly::kImpossibleTransition);
        return;
      }
      if (target != kNoQueue) {
        c.phase = ContactPhase::kTransferring;
        c.ended_ms = t;
      } else if (waiting) {
        model_->contacts.Remove(slot);
      }
      // A contact transferred after answer to an outside destination stays in wrap-up (set by
      // EndLeg) so the agent's WrapUpEnded can still be placed.
      return;
    }
    case EventType::kContactHeld:
      if (c.phase == ContactPhase::kTalking) {
        c.phase = ContactPhase::kHeld;
        c.hold_start_ms = t;
        ++c.hold_count;
        Emit(BaseFact(FactType::kHeld, c, t));
      } else {
        Anomaly(c.phase == ContactPhase::kHeld ? Anomaly::kDuplicateEvent
                                               : Anomaly::kImpossibleTransition);
      }
      return;
    case EventType::kContactResumed:
      if (c.phase == ContactPhase::kHeld) {
        c.hold_ms += NonNegative(t - c.hold_start_ms);
        c.phase = ContactPhase::kTalking;
        Emit(BaseFact(FactType::kResumed, c, t));
      } else {
        Anomaly(c.phase == ContactPhase::kTalking ? Anomaly::kDuplicateEvent
                                                  : Anomaly::kImpossibleTransition);
      }
      return;
    case EventType::kContactEnded:
      if (connected) {
        EndLeg(slot, t, e.ended_by);
      } else if (waiting) {
        // An end without an answer: the platform missed the abandon or exit. Close it as an
        // exit for "other" so the outcome invariant holds, and count the anomaly.
        Anomaly(Anomaly::kEndedWhileWaiting);
        EmitWaitOutcome(FactType::kExited, slot, t, ExitReason::kOther, kNoQueue);
        model_->contacts.Remove(slot);
      } else if (c.phase == ContactPhase::kTransferring) {
        // The caller hung up during the transfer; its flow-out was already counted.
        model_->contacts.Remove(slot);
      } else {
        Anomaly(Anomaly::kDuplicateEvent);
      }
      return;
    case EventType::kWrapUpEnded: {
      if (connected) {
        // No ContactEnded came first; the wrap-up end closes the conversation too.
        Anomaly(Anomaly::kImpossibleTransition);
        EndLeg(slot, t, EndedBy::kUnspecified);
      } else if (c.phase != ContactPhase::kWrapUp) {
        Anomaly(Anomaly::kImpossibleTransition);
        return;
      }
      Fact f = BaseFact(FactType::kWrapUpEnded, c, t);
      if (!e.agent_id.empty()) f.agent = model_->agents.Resolve(e.source, e.agent_id);
      f.talk_ms = c.talk_ms;
      f.hold_ms = c.hold_ms;
      f.hold_count = c.hold_count;
      f.acw_ms = NonNegative(t - c.ended_ms);
      f.handle_ms = f.talk_ms + f.hold_ms + f.acw_ms;
      f.resolution = e.resolution;
      Emit(f);
      model_->contacts.Remove(slot);
      return;
    }
    default:
      return;
  }
}

void Lifecycle::OnQueued(const Event& e, ContactSlot slot) {
  const QueueId q = model_->queues.Resolve(e.queue);
  const UnixMs t = e.time_ms;
  if (slot == kNoSlot) {
    if (model_->contacts.size() >= options_.max_contacts) {
      ++model_->ingest.rejected[static_cast<int>(RejectReason::kContactCap)];
      return;
    }
    slot = model_->contacts.Insert(e.source, e.contact_id);
    Contact& c = model_->contacts.at(slot);
    c.channel = e.channel;
    c.priority = e.priority;
    c.caller_key = e.caller_key;
    c.segment = e.segment;
    c.last_event_ms = t;
    Offer(slot, q, t, !e.transferred_from_queue.empty());
    // Events that arrived before this one are applied now, in time order.
    auto it = pending_.find(PendingKey{e.source, e.contact_id});
    if (it != pending_.end()) {
      std::vector<Event> held = std::move(it->second);
      pending_.erase(it);
      pending_total_ -= held.size();
      std::stable_sort(held.begin(), held.end(),
                       [](const Event& a, const Event& b) { return a.time_ms < b.time_ms; });
      for (const Event& h : held) ApplyContactEvent(h);
    }
    return;
  }
  Contact& c = model_->contacts.at(slot);
  c.last_event_ms = std::max(c.last_event_ms, t);
  switch (c.phase) {
    case ContactPhase::kTransferring:
      Offer(slot, q, t, true);
      return;
    case ContactPhase::kWaiting:
      if (c.queue == q) {
        Anomaly(Anomaly::kDuplicateEvent);
        return;
      }
      // Queued elsewhere while waiting here: a flow-out the bridge did not announce.
      Anomaly(Anomaly::kImplicitTransfer);
      EmitWaitOutcome(FactType::kTransferredOut, slot, t, ExitReason::kOther, q);
      Offer(slot, q, t, true);
      return;
    case ContactPhase::kTalking:
    case ContactPhase::kHeld:
    case ContactPhase::kWrapUp: {
      // Queued again after a conversation without a transfer event: treat as a transfer after
      // answer (Asterisk re-queues through the dialplan this way).
      Anomaly(Anomaly::kImplicitTransfer);
      if (c.phase != ContactPhase::kWrapUp) EndLeg(slot, t, EndedBy::kUnspecified);
      Fact f = BaseFact(FactType::kTransferredOut, c, t);
      f.target_queue = q;
      Emit(f);
      Offer(slot, q, t, true);
      return;
    }
  }
}

void Lifecycle::Offer(ContactSlot slot, QueueId queue, UnixMs t, bool transferred_in) {
  Contact& c = model_->contacts.at(slot);
  ++c.generation;  // Deadlines of an earlier stay no longer apply.
  c.queue = queue;
  c.phase = ContactPhase::kWaiting;
  c.enqueue_ms = t;
  c.answer_ms = 0;
  c.ended_ms = 0;
  c.breached_mask = 0;
  c.ringing = false;
  c.agent = kNoAgent;
  c.hold_ms = 0;
  c.hold_count = 0;
  c.talk_ms = 0;
  c.transferred_in = transferred_in;
  model_->contacts.AddWaiting(slot);
  Emit(BaseFact(FactType::kOffered, c, t));
  ScheduleNextDeadline(slot);
  // A contact queued in the past may already be beyond a threshold.
  FireDeadlines(c.source, model_->sources.at(c.source).event_clock_ms);
}

void Lifecycle::ScheduleNextDeadline(ContactSlot slot) {
  const Contact& c = model_->contacts.at(slot);
  const auto& thresholds = model_->queues.Settings(c.queue).sl_thresholds_ms;
  for (std::size_t i = 0; i < thresholds.size() && i < 32; ++i) {
    if ((c.breached_mask & (1u << i)) == 0) {
      Source(c.source).deadlines.push(
          Deadline{c.enqueue_ms + thresholds[i], slot, c.generation, static_cast<std::uint8_t>(i)});
      return;
    }
  }
}

void Lifecycle::FireDeadlines(SourceId s, UnixMs now) {
  DeadlineHeap& heap = Source(s).deadlines;
  // A contact breaches T when its wait exceeds T: an answer at exactly enqueue + T is within.
  while (!heap.empty() && heap.top().at < now) {
    const Deadline d = heap.top();
    heap.pop();
    if (!model_->contacts.live(d.slot)) continue;
    Contact& c = model_->contacts.at(d.slot);
    if (c.generation != d.generation || c.phase != ContactPhase::kWaiting) continue;
    c.breached_mask |= 1u << d.threshold_index;
    Fact f = BaseFact(FactType::kSlBreached, c, d.at);
    f.threshold_index = d.threshold_index;
    f.wait_ms = d.at - c.enqueue_ms;
    Emit(f);
    ScheduleNextDeadline(d.slot);
  }
}

void Lifecycle::EmitWaitOutcome(FactType type, ContactSlot slot, UnixMs t, ExitReason reason,
                                QueueId target_queue) {
  Contact& c = model_->contacts.at(slot);
  model_->contacts.RemoveWaiting(slot);
  Fact f = BaseFact(type, c, t);
  f.wait_ms = NonNegative(t - c.enqueue_ms);
  f.exit_reason = reason;
  f.before_answer = true;
  f.target_queue = target_queue;
  f.short_abandon = type == FactType::kAbandoned &&
                    f.wait_ms <= model_->queues.Settings(c.queue).short_abandon_ms;
  Emit(f);
}

void Lifecycle::EndLeg(ContactSlot slot, UnixMs t, EndedBy by) {
  Contact& c = model_->contacts.at(slot);
  if (c.phase == ContactPhase::kHeld) c.hold_ms += NonNegative(t - c.hold_start_ms);
  c.talk_ms = NonNegative(t - c.answer_ms - c.hold_ms);
  Fact f = BaseFact(FactType::kConversationEnded, c, t);
  f.talk_ms = c.talk_ms;
  f.hold_ms = c.hold_ms;
  f.hold_count = c.hold_count;
  f.ended_by = by;
  Emit(f);
  c.phase = ContactPhase::kWrapUp;
  c.ended_ms = t;
}

void Lifecycle::Hold(std::vector<Event>* /*unused*/, const Event& e) {
  if (pending_total_ >= options_.max_pending) {
    Anomaly(Anomaly::kPendingOverflow);
    return;
  }
  pending_[PendingKey{e.source, e.contact_id}].push_back(e);
  ++pending_total_;
}

void Lifecycle::ExpirePending(SourceId s, UnixMs now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->first.source != s) {
      ++it;
      continue;
    }
    auto& events = it->second;
    const auto before = events.size();
    std::erase_if(events,
                  [&](const Event& ev) { return now - ev.time_ms > options_.pending_ttl_ms; });
    const auto expired = before - events.size();
    model_->ingest.anomalies[static_cast<int>(Anomaly::kUnknownContact)] += expired;
    pending_total_ -= expired;
    it = events.empty() ? pending_.erase(it) : std::next(it);
  }
}

void Lifecycle::Sweep(SourceId s, UnixMs now) {
  std::vector<ContactSlot> stale;
  model_->contacts.ForEachSlot([&](ContactSlot slot) {
    const Contact& c = model_->contacts.at(slot);
    if (c.source != s) return;
    const bool old = now - c.last_event_ms > options_.max_contact_age_ms;
    const bool wrap_timeout =
        c.phase == ContactPhase::kWrapUp && now - c.ended_ms > options_.wrap_up_timeout_ms;
    // A transfer into a queue this daemon does not see (another shard's) never arrives here.
    const bool transfer_gone =
        c.phase == ContactPhase::kTransferring && now - c.ended_ms > options_.pending_ttl_ms;
    if (old || wrap_timeout || transfer_gone) stale.push_back(slot);
  });
  for (ContactSlot slot : stale) {
    Contact& c = model_->contacts.at(slot);
    if (c.phase == ContactPhase::kTransferring) {
      // Its outcome here was counted at the transfer.
    } else if (c.phase == ContactPhase::kWrapUp &&
               now - c.last_event_ms <= options_.max_contact_age_ms) {
      Anomaly(Anomaly::kWrapUpUnreported);
    } else {
      const bool was_waiting = c.phase == ContactPhase::kWaiting;
      model_->contacts.RemoveWaiting(slot);
      Fact f = BaseFact(FactType::kEvicted, c, now);
      f.was_waiting = was_waiting;
      f.wait_ms = was_waiting ? NonNegative(now - c.enqueue_ms) : 0;
      Emit(f);
      ++model_->ingest.contacts_evicted;
    }
    model_->contacts.Remove(slot);
  }
}

void Lifecycle::ApplyAgentEvent(const Event& e) {
  const AgentId id = model_->agents.Resolve(e.source, e.agent_id);
  if (id == kNoAgent) {
    ++model_->ingest.rejected[static_cast<int>(RejectReason::kAgentCap)];
    return;
  }
  std::vector<QueueId> queues;
  const std::vector<QueueId>* queues_ptr = nullptr;
  if (!e.agent_queues.empty()) {
    queues.reserve(e.agent_queues.size());
    for (const auto& name : e.agent_queues) {
      const QueueId q = model_->queues.Resolve(name);
      if (std::find(queues.begin(), queues.end(), q) == queues.end()) queues.push_back(q);
    }
    queues_ptr = &queues;
  }
  const auto tr = model_->agents.SetState(id, e.agent_state, e.time_ms, e.reason, queues_ptr);
  Fact f;
  f.type = FactType::kAgentStateChanged;
  f.time_ms = e.time_ms;
  f.source = e.source;
  f.agent = id;
  f.from_state = tr.from;
  f.to_state = e.agent_state;
  f.state_duration_ms = tr.duration_ms;
  Emit(f);
}

void Lifecycle::ApplyHeartbeat(const Event& e) {
  SourceInfo& info = model_->sources.at(e.source);
  const bool was_down = info.acd == AcdConnection::kDown;
  info.acd = e.acd_connection;
  info.heartbeat_interval_ms = e.heartbeat_interval_ms == 0 ? 1000 : e.heartbeat_interval_ms;
  if (e.acd_connection == AcdConnection::kDown && !was_down) LogOutAgentsOf(e.source, e.time_ms);
}

void Lifecycle::LogOutAgentsOf(SourceId source, UnixMs t) {
  for (AgentId id = 0; id < model_->agents.size(); ++id) {
    const Agent& a = model_->agents.at(id);
    if (a.source != source || a.state == AgentState::kLoggedOut) continue;
    const auto tr =
        model_->agents.SetState(id, AgentState::kLoggedOut, t, "acd_connection_lost", nullptr);
    Fact f;
    f.type = FactType::kAgentStateChanged;
    f.time_ms = t;
    f.source = source;
    f.agent = id;
    f.from_state = tr.from;
    f.to_state = AgentState::kLoggedOut;
    f.state_duration_ms = tr.duration_ms;
    Emit(f);
  }
}

}  // namespace ccmon::state
