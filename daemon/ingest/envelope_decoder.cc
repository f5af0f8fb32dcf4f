#include "daemon/ingest/envelope_decoder.h"

#include <google/protobuf/stubs/logging.h>

#include <mutex>

#include "ccmon/v1/events.pb.h"

namespace ccmon::ingest {

namespace {

using state::RejectReason;

// Topic layout (DESIGN §2): "v1.<tenant>.<name>." where name is a queue, "~agent" or "~hb".
struct TopicParts {
  std::string_view tenant;
  std::string_view name;
};

bool SplitTopic(std::string_view topic, TopicParts* parts) {
  if (topic.size() < 6 || topic.substr(0, 3) != "v1." || topic.back() != '.') return false;
  std::string_view rest = topic.substr(3, topic.size() - 4);
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= rest.size()) return false;
  parts->tenant = rest.substr(0, dot);
  parts->name = rest.substr(dot + 1);
  return parts->name.find('.') == std::string_view::npos;
}

// The topic form of a queue name: bridges map characters outside [A-Za-z0-9_-] to '_'.
bool TopicNameMatches(std::string_view topic_name, std::string_view queue) {
  if (topic_name.size() != queue.size()) return false;
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const char c = queue[i];
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
    if (topic_name[i] != (plain ? c : '_')) return false;
  }
  return true;
}

state::Channel ToChannel(int c) {
  switch (c) {
    case v1::CHANNEL_CHAT:
      return state::Channel::kChat;
    case v1::CHANNEL_EMAIL:
      return state::Channel::kEmail;
    case v1::CHANNEL_CALLBACK:
      return state::Channel::kCallback;
    case v1::CHANNEL_VIDEO:
      return state::Channel::kVideo;
    case v1::CHANNEL_SMS:
      return state::Channel::kSms;
    case v1::CHANNEL_SOCIAL:
      return state::Channel::kSocial;
    case v1::CHANNEL_TASK:
      return state::Channel::kTask;
    default:
      return state::Channel::kVoice;
  }
}

bool ToExitReason(int r, state::ExitReason* out) {
  using E = state::ExitReason;
  switch (r) {
    case v1::EXIT_REASON_UNSPECIFIED:
      *out = E::kOther;
      return true;
    case v1::EXIT_REASON_TIMEOUT:
      *out = E::kTimeout;
      return true;
    case v1::EXIT_REASON_QUEUE_FULL:
      *out = E::kQueueFull;
      return true;
    case v1::EXIT_REASON_NO_AGENTS:
      *out = E::kNoAgents;
      return true;
    case v1::EXIT_REASON_KEY_PRESS:
      *out = E::kKeyPress;
      return true;
    case v1::EXIT_REASON_OVERFLOW:
      *out = E::kOverflow;
      return true;
    case v1::EXIT_REASON_WITHDRAWN:
      *out = E::kWithdrawn;
      return true;
    case v1::EXIT_REASON_CLOSED:
      *out = E::kClosed;
      return true;
    case v1::EXIT_REASON_LOST:
      *out = E::kLost;
      return true;
    default:
      return false;
  }
}

bool ToResolution(int r, state::Resolution* out) {
  switch (r) {
    case v1::RESOLUTION_UNSPECIFIED:
      *out = state::Resolution::kUnspecified;
      return true;
    case v1::RESOLUTION_RESOLVED:
      *out = state::Resolution::kResolved;
      return true;
    case v1::RESOLUTION_NOT_RESOLVED:
      *out = state::Resolution::kNotResolved;
      return true;
    default:
      return false;
  }
}

bool ToAgentState(int s, state::AgentState* out) {
  using A = state::AgentState;
  switch (s) {
    case v1::AGENT_STATE_LOGGED_OUT:
      *out = A::kLoggedOut;
      return true;
    case v1::AGENT_STATE_AVAILABLE:
      *out = A::kAvailable;
      return true;
    case v1::AGENT_STATE_RESERVED:
      *out = A::kReserved;
      return true;
    case v1::AGENT_STATE_ON_CONTACT:
      *out = A::kOnContact;
      return true;
    case v1::AGENT_STATE_AFTER_CONTACT_WORK:
      *out = A::kAfterContactWork;
      return true;
    case v1::AGENT_STATE_NOT_READY:
      *out = A::kNotReady;
      return true;
    default:
      return false;  // Unspecified or from a newer schema.
  }
}

// Resets the fields a previous decode may have set, keeping string capacity.
void Reset(state::Event* e) {
  e->contact_id.clear();
  e->queue.clear();
  e->agent_id.clear();
  e->channel = state::Channel::kVoice;
  e->caller_key.clear();
  e->priority = 0;
  e->segment.clear();
  e->position = 0;
  e->transferred_from_queue.clear();
  e->ring_ms = 0;
  e->exit_reason = state::ExitReason::kOther;
  e->destination.clear();
  e->target_queue.clear();
  e->blind = false;
  e->ended_by = state::EndedBy::kUnspecified;
  e->resolution = state::Resolution::kUnspecified;
  e->disposition.clear();
  e->csat = 0;
  e->agent_state = state::AgentState::kLoggedOut;
  e->reason.clear();
  e->agent_queues.clear();
  e->acd_connection = state::AcdConnection::kUnspecified;
}

}  // namespace

EnvelopeDecoder::EnvelopeDecoder(DecodeLimits limits)
    : limits_(limits), envelope_(std::make_unique<v1::Envelope>()) {
  // libprotobuf logs an ERROR line for every string field with invalid UTF-8 it meets while
  // parsing, so a hostile publisher could flood the daemon's log (found by the envelope fuzzer).
  // Such frames are rejected and counted as undecodable; protobuf's own log is not needed.
  static std::once_flag silenced;
  std::call_once(silenced, [] { google::protobuf::SetLogHandler(nullptr); });
}

EnvelopeDecoder::~EnvelopeDecoder() = default;

bool EnvelopeDecoder::Decode(std::string_view topic, std::string_view payload, DecodedEvent* out,
                             state::RejectReason* reason) {
  auto reject = [reason](RejectReason r) {
    *reason = r;
    return false;
  };
  if (topic.empty() || payload.empty()) return reject(RejectReason::kMalformedFrame);
  if (payload.size() > limits_.max_frame_bytes || topic.size() > limits_.max_string_bytes) {
    return reject(RejectReason::kOversized);
  }
  TopicParts parts;
  if (!SplitTopic(topic, &parts)) return reject(RejectReason::kTopicMismatch);

  v1::Envelope& env = *envelope_;
  env.Clear();
  if (!env.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return reject(RejectReason::kUndecodable);
  }
  if (env.event_case() == v1::Envelope::EVENT_NOT_SET) return reject(RejectReason::kUnknownEvent);
  if (env.source().empty() || env.source_epoch() == 0 || env.seq() == 0) {
    return reject(RejectReason::kMissingField);
  }
  const std::size_t max = limits_.max_string_bytes;
  if (env.source().size() > max || env.tenant().size() > max) {
    return reject(RejectReason::kOversized);
  }

  state::Event& e = out->event;
  Reset(&e);
  e.time_ms = env.time_unix_ms();
  e.source_name.assign(env.source());
  e.tenant.assign(env.tenant());
  out->position.topic.assign(topic);
  out->position.epoch = env.source_epoch();
  out->position.seq = env.seq();
  out->heartbeat_positions.clear();
  out->predecessors_checked = false;

  // Copies a contact event's common fields and checks them against the topic.
  auto contact = [&](const std::string& id, const std::string& queue) {
    if (id.empty() || queue.empty()) return reject(RejectReason::kMissingField);
    if (id.size() > max || queue.size() > max) return reject(RejectReason::kOversized);
    if (!TopicNameMatches(parts.name, queue)) return reject(RejectReason::kTopicMismatch);
    e.contact_id.assign(id);
    e.queue.assign(queue);
    return true;
  };
  auto text = [&](std::string* dst, const std::string& src) {
    if (src.size() > max) return false;
    dst->assign(src);
    return true;
  };

  using T = state::EventType;
  switch (env.event_case()) {
    case v1::Envelope::kContactQueued: {
      const auto& m = env.contact_queued();
      e.type = T::kContactQueued;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (!v1::Channel_IsValid(m.channel())) return reject(RejectReason::kInvalidValue);
      e.channel = ToChannel(m.channel());
      if (!text(&e.caller_key, m.caller_key()) || !text(&e.segment, m.segment()) ||
          !text(&e.transferred_from_queue, m.transferred_from_queue()))
        return reject(RejectReason::kOversized);
      e.priority = m.priority();
      e.position = m.position();
      return true;
    }
    case v1::Envelope::kContactRinging: {
      const auto& m = env.contact_ringing();
      e.type = T::kContactRinging;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (!text(&e.agent_id, m.agent_id())) return reject(RejectReason::kOversized);
      return true;
    }
    case v1::Envelope::kContactRingTimeout: {
      const auto& m = env.contact_ring_timeout();
      e.type = T::kContactRingTimeout;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (!text(&e.agent_id, m.agent_id())) return reject(RejectReason::kOversized);
      e.ring_ms = m.ring_ms();
      return true;
    }
    case v1::Envelope::kContactAnswered: {
      const auto& m = env.contact_answered();
      e.type = T::kContactAnswered;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (!text(&e.agent_id, m.agent_id())) return reject(RejectReason::kOversized);
      return true;
    }
    case v1::Envelope::kContactAbandoned: {
      const auto& m = env.contact_abandoned();
      e.type = T::kContactAbandoned;
      if (!contact(m.contact_id(), m.queue())) return false;
      e.position = m.position();
      return true;
    }
    case v1::Envelope::kContactExited: {
      const auto& m = env.contact_exited();
      e.type = T::kContactExited;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (!ToExitReason(m.reason(), &e.exit_reason)) return reject(RejectReason::kInvalidValue);
      if (!text(&e.destination, m.destination())) return reject(RejectReason::kOversized);
      return true;
    }
    case v1::Envelope::kContactTransferred: {
      const auto& m = env.contact_transferred();
      e.type = T::kContactTransferred;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (!text(&e.target_queue, m.target_queue()) || !text(&e.destination, m.destination()))
        return reject(RejectReason::kOversized);
      e.blind = m.blind();
      return true;
    }
    case v1::Envelope::kContactHeld: {
      e.type = T::kContactHeld;
      return contact(env.contact_held().contact_id(), env.contact_held().queue());
    }
    case v1::Envelope::kContactResumed: {
      e.type = T::kContactResumed;
      return contact(env.contact_resumed().contact_id(), env.contact_resumed().queue());
    }
    case v1::Envelope::kContactEnded: {
      const auto& m = env.contact_ended();
      e.type = T::kContactEnded;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (m.ended_by() < v1::ENDED_BY_UNSPECIFIED || m.ended_by() > v1::ENDED_BY_SYSTEM)
        return reject(RejectReason::kInvalidValue);
      e.ended_by = static_cast<state::EndedBy>(m.ended_by());
      return true;
    }
    case v1::Envelope::kWrapUpEnded: {
      const auto& m = env.wrap_up_ended();
      e.type = T::kWrapUpEnded;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (!text(&e.agent_id, m.agent_id()) || !text(&e.disposition, m.disposition()))
        return reject(RejectReason::kOversized);
      if (!ToResolution(m.resolved(), &e.resolution)) return reject(RejectReason::kInvalidValue);
      return true;
    }
    case v1::Envelope::kCallbackRequested: {
      e.type = T::kCallbackRequested;
      return contact(env.callback_requested().contact_id(), env.callback_requested().queue());
    }
    case v1::Envelope::kAgentStateChanged: {
      const auto& m = env.agent_state_changed();
      e.type = T::kAgentStateChanged;
      if (parts.name != "~agent") return reject(RejectReason::kTopicMismatch);
      if (m.agent_id().empty()) return reject(RejectReason::kMissingField);
      if (!ToAgentState(m.state(), &e.agent_state)) return reject(RejectReason::kInvalidValue);
      if (m.queues_size() > static_cast<int>(limits_.max_agent_queues))
        return reject(RejectReason::kOversized);
      if (!text(&e.agent_id, m.agent_id()) || !text(&e.reason, m.reason()) ||
          !text(&e.contact_id, m.contact_id()))
        return reject(RejectReason::kOversized);
      for (const auto& q : m.queues()) {
        if (q.empty()) return reject(RejectReason::kMissingField);
        if (q.size() > max) return reject(RejectReason::kOversized);
        e.agent_queues.push_back(q);
      }
      return true;
    }
    case v1::Envelope::kSurveyCompleted: {
      const auto& m = env.survey_completed();
      e.type = T::kSurveyCompleted;
      if (!contact(m.contact_id(), m.queue())) return false;
      if (m.csat() > 5) return reject(RejectReason::kInvalidValue);
      if (!ToResolution(m.resolved(), &e.resolution)) return reject(RejectReason::kInvalidValue);
      e.csat = m.csat();
      return true;
    }
    case v1::Envelope::kHeartbeat: {
      const auto& m = env.heartbeat();
      e.type = T::kHeartbeat;
      if (parts.name != "~hb") return reject(RejectReason::kTopicMismatch);
      e.heartbeat_interval_ms = m.interval_ms() == 0 ? 1000 : m.interval_ms();
      for (const auto& p : m.positions()) {
        if (p.topic().size() > max) return reject(RejectReason::kOversized);
        if (p.topic().empty() || p.last_seq() == 0) continue;  // Nothing published there.
        out->heartbeat_positions.emplace_back(p.topic(), p.last_seq());
      }
      switch (m.acd_connection()) {
        case v1::ACD_CONNECTION_UP:
          e.acd_connection = state::AcdConnection::kUp;
          break;
        case v1::ACD_CONNECTION_DOWN:
          e.acd_connection = state::AcdConnection::kDown;
          break;
        default:
          e.acd_connection = state::AcdConnection::kUnspecified;
      }
      return true;
    }
    case v1::Envelope::EVENT_NOT_SET:
      break;
  }
  return reject(RejectReason::kUnknownEvent);
}

}  // namespace ccmon::ingest
