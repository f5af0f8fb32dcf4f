#include "bridges/asterisk_queue_log/queue_log_mapper.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace ccmon::asterisk_queue_log {
namespace {

// What a verb means to the mapper (docs/bridges/asterisk-queue-log.md, "Verbs").
enum class Verb {
  kEnterQueue,
  kRingNoAnswer,
  kConnect,
  kCompleteCaller,
  kCompleteAgent,
  kAbandon,
  kExitWithTimeout,
  kExitEmpty,
  kExitWithKey,
  kWithdraw,
  kDropped,  // AGENTDUMP, SYSCOMPAT: the call ends unanswered by the platform.
  kTransfer,
  kBlindTransfer,
  kAttendedTransfer,
  kJoinEmpty,  // Refused before entering (Wazo/dialplan verbs).
  kFull,
  kClosed,
  kDivert,
  kQueueStart,
  kAddMember,
  kRemoveMember,
  kPause,
  kUnpause,
  kPauseAll,
  kUnpauseAll,
  kAgentLogin,
  kAgentLogoff,
  kIgnored,
  kUnknown,
};

Verb Classify(std::string_view v) {
  struct Entry {
    std::string_view name;
    Verb verb;
  };
  static constexpr Entry kVerbs[] = {
      {"ENTERQUEUE", Verb::kEnterQueue},
      {"RINGNOANSWER", Verb::kRingNoAnswer},
      {"CONNECT", Verb::kConnect},
      {"COMPLETECALLER", Verb::kCompleteCaller},
      {"COMPLETEAGENT", Verb::kCompleteAgent},
      {"ABANDON", Verb::kAbandon},
      {"EXITWITHTIMEOUT", Verb::kExitWithTimeout},
      {"EXITEMPTY", Verb::kExitEmpty},
      {"EXITWITHKEY", Verb::kExitWithKey},
      {"WITHDRAW", Verb::kWithdraw},
      {"AGENTDUMP", Verb::kDropped},
      {"SYSCOMPAT", Verb::kDropped},
      {"TRANSFER", Verb::kTransfer},
      {"BLINDTRANSFER", Verb::kBlindTransfer},
      {"ATTENDEDTRANSFER", Verb::kAttendedTransfer},
      {"JOINEMPTY", Verb::kJoinEmpty},
      {"JOINUNAVAIL", Verb::kJoinEmpty},
      {"FULL", Verb::kFull},
      {"CLOSED", Verb::kClosed},
      {"DIVERT_CA_RATIO", Verb::kDivert},
      {"DIVERT_HOLDTIME", Verb::kDivert},
      {"QUEUESTART", Verb::kQueueStart},
      {"ADDMEMBER", Verb::kAddMember},
      {"REMOVEMEMBER", Verb::kRemoveMember},
      {"PAUSE", Verb::kPause},
      {"UNPAUSE", Verb::kUnpause},
      {"PAUSEALL", Verb::kPauseAll},
      {"UNPAUSEALL", Verb::kUnpauseAll},
      {"AGENTLOGIN", Verb::kAgentLogin},
      {"AGENTCALLBACKLOGIN", Verb::kAgentLogin},
      {"AGENTLOGOFF", Verb::kAgentLogoff},
      {"AGENTCALLBACKLOGOFF", Verb::kAgentLogoff},
      // Known, nothing for the contract: configuration reloads, ring cancelled by the caller's
      // hang-up (the ABANDON that follows carries the outcome), member settings, outbound calls
      // (Asterisk's QueueUpdate OUTCALL, PBXware's OUT* rows), FreePBX's DID and QueueMetrics'
      // INFO annotations.
      {"CONFIGRELOAD", Verb::kIgnored},
      {"RINGCANCELED", Verb::kIgnored},
      {"PENALTY", Verb::kIgnored},
      {"RINGINUSE", Verb::kIgnored},
      {"OUTCALL", Verb::kIgnored},
      {"OUTDIAL", Verb::kIgnored},
      {"OUTANSWER", Verb::kIgnored},
      {"OUTCANCEL", Verb::kIgnored},
      {"OUTCHANUNAVAIL", Verb::kIgnored},
      {"OUTCONGESTION", Verb::kIgnored},
      {"OUTBUSY", Verb::kIgnored},
      {"OUTNOANSWER", Verb::kIgnored},
      {"OUTTRANSFER", Verb::kIgnored},
      {"DID", Verb::kIgnored},
      {"INFO", Verb::kIgnored},
  };
  // Verbs are upper case by convention; the QueueLog() dialplan application writes any case.
  char upper[32];
  if (v.size() > sizeof(upper)) return Verb::kUnknown;
  for (std::size_t i = 0; i < v.size(); ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(v[i])));
  }
  const std::string_view name(upper, v.size());
  for (const Entry& e : kVerbs) {
    if (e.name == name) return e.verb;
  }
  return Verb::kUnknown;
}

// NONE (or nothing) in the callid, queue and agent columns means "not applicable".
bool IsNone(std::string_view s) { return s.empty() || s == "NONE"; }

// The parameters from data(first) on, joined again with '|' (free text that may itself have
// held a '|', such as a pause reason: Asterisk does not escape it).
std::string JoinData(const QueueLogRecord& r, std::size_t first, std::string_view sep = "|") {
  std::string out;
  for (std::size_t i = first; i <= r.data.size(); ++i) {
    if (i > first) out += sep;
    out += r.data[i - 1];
  }
  // Trailing separators of empty parameters say nothing.
  while (!out.empty() && out.back() == sep.back()) out.pop_back();
  return out;
}

std::uint32_t CountOr0(std::string_view text) { return ParseCount(text).value_or(0); }

// --- State text (README.md in this folder) ---

// Percent-encodes the bytes that would break the line/field/list structure; "" becomes "-".
std::string Encode(std::string_view s) {
  if (s.empty()) return "-";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '%' || c == ',' || (c == '-' && s.size() == 1)) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

bool Decode(std::string_view s, std::string* out) {
  out->clear();
  if (s == "-") return true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      *out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || p != s.data() + i + 3) return false;
    *out += static_cast<char>(v);
    i += 2;
  }
  return true;
}

template <typename Range>
std::string EncodeList(const Range& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ',';
    out += Encode(item);
  }
  return out.empty() ? "-" : out;
}

bool DecodeList(std::string_view s, std::vector<std::string>* out) {
  out->clear();
  if (s == "-") return true;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    std::string item;
    if (!Decode(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start), &item)) {
      return false;
    }
    out->push_back(std::move(item));
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

bool DecodeInt(std::string_view s, std::int64_t* out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool DecodeBool(std::string_view s, bool* out) {
  if (s != "0" && s != "1") return false;
  *out = s == "1";
  return true;
}

std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start <= line.size()) {
    const std::size_t space = line.find(' ', start);
    fields.push_back(
        line.substr(start, space == std::string_view::npos ? line.npos : space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return fields;
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPublished:
      return "published";
    case Outcome::kAgentUnchanged:
      return "agent_unchanged";
    case Outcome::kRestartNoCalls:
      return "restart_no_calls";
    case Outcome::kUnmatchedCall:
      return "unmatched_call";
    case Outcome::kDuplicateEnter:
      return "duplicate_enter";
    case Outcome::kIgnoredVerb:
      return "ignored_verb";
    case Outcome::kUnknownVerb:
      return "unknown_verb";
    case Outcome::kMalformed:
      return "malformed";
  }
  return "malformed";
}

QueueLogMapper::QueueLogMapper(EnvelopeSink* sink, const CallerKeyHasher* hasher,
                               MapperOptions options)
    : sink_(sink), hasher_(hasher), options_(options) {}

Status QueueLogMapper::Emit(v1::Envelope& env, UnixMs t) {
  env.set_time_unix_ms(t);
  Status s = sink_->Publish(env);
  if (s.ok()) ++stats_.events;
  return s;
}

Result<Outcome> QueueLogMapper::Map(const QueueLogRecord& r) {
  Sweep(r.time_ms);
  switch (Classify(r.verb)) {
    case Verb::kIgnored:
      return Outcome::kIgnoredVerb;
    case Verb::kUnknown:
      return Outcome::kUnknownVerb;
    case Verb::kQueueStart:
      return MapQueueStart(r);
    case Verb::kAddMember:
    case Verb::kRemoveMember:
    case Verb::kPause:
    case Verb::kUnpause:
    case Verb::kPauseAll:
    case Verb::kUnpauseAll:
    case Verb::kAgentLogin:
    case Verb::kAgentLogoff:
      return MapAgentLine(r);
    case Verb::kJoinEmpty:
      return MapRefused(r, v1::EXIT_REASON_NO_AGENTS);
    case Verb::kFull:
      return MapRefused(r, v1::EXIT_REASON_QUEUE_FULL);
    case Verb::kClosed:
      return MapRefused(r, v1::EXIT_REASON_CLOSED);
    case Verb::kDivert:
      return MapRefused(r, v1::EXIT_REASON_OVERFLOW);
    default:
      return MapCallLine(r);
  }
}

Result<Outcome> QueueLogMapper::MapCallLine(const QueueLogRecord& r) {
  if (IsNone(r.callid)) return Outcome::kMalformed;
  const Verb verb = Classify(r.verb);
  const UnixMs t = r.time_ms;

  if (verb == Verb::kEnterQueue) {
    if (IsNone(r.queue)) return Outcome::kMalformed;
    std::string from;
    if (auto it = calls_.find(r.callid); it != calls_.end()) {
      if (!it->second.answered && it->second.queue == r.queue) {
        it->second.last_ms = t;
        return Outcome::kDuplicateEnter;
      }
      // Entered again without a line that closed the earlier stay: the lifecycle treats the
      // new ContactQueued as an implicit transfer (and counts it as an anomaly).
      from = it->second.queue;
      const Call earlier = std::move(it->second);
      calls_.erase(it);
      if (earlier.answered) {
        if (auto a = agents_.find(earlier.agent);
            a != agents_.end() && a->second.contact == r.callid) {
          a->second.contact.clear();
          bool published = false;
          if (Status s = PublishAgent(a->first, a->second, t, &published); !s.ok()) return s;
        }
      }
    } else if (auto tr = transfers_.find(r.callid); tr != transfers_.end()) {
      from = tr->second.queue;
      transfers_.erase(tr);
    }
    v1::Envelope env;
    auto* m = env.mutable_contact_queued();
    m->set_contact_id(r.callid);
    m->set_queue(r.queue);
    m->set_channel(v1::CHANNEL_VOICE);
    // data2 is the caller ID number in every version (data1, the URL, is almost always empty).
    m->set_caller_key(hasher_->Hash(r.Data(2)));
    m->set_position(CountOr0(r.Data(3)));  // origposition, from 1.8 on.
    m->set_transferred_from_queue(from);
    calls_[r.callid] = Call{r.queue, t, t, false, ""};
    if (Status s = Emit(env, t); !s.ok()) return s;
    return Outcome::kPublished;
  }

  auto it = calls_.find(r.callid);
  if (it == calls_.end()) return Outcome::kUnmatchedCall;
  Call& call = it->second;
  call.last_ms = t;
  const std::string agent = IsNone(r.agent) ? std::string() : r.agent;
  v1::Envelope env;

  // Ends the call here: publishes `env`, then the end of the conversation if it was answered.
  const auto close = [&]() -> Status {
    const Call ended = std::move(call);
    const std::string callid = it->first;
    calls_.erase(it);
    if (Status s = Emit(env, t); !s.ok()) return s;
    return ended.answered ? EndConversation(callid, ended, t) : Status::Ok();
  };

  switch (verb) {
    case Verb::kRingNoAnswer: {
      auto* m = env.mutable_contact_ring_timeout();
      m->set_contact_id(r.callid);
      m->set_queue(call.queue);
      m->set_agent_id(agent);
      m->set_ring_ms(CountOr0(r.Data(1)));  // Milliseconds, unlike every other duration.
      const std::string queue = call.queue;
      if (Status s = Emit(env, t); !s.ok()) return s;
      if (!agent.empty()) {
        // A member the queue rang serves that queue (static members never get ADDMEMBER).
        Agent& a = agents_[agent];
        a.logged_in = true;
        a.queues.insert(queue);
        bool published = false;
        if (Status s = PublishAgent(agent, a, t, &published); !s.ok()) return s;
      }
      return Outcome::kPublished;
    }
    case Verb::kConnect: {
      auto* m = env.mutable_contact_answered();
      m->set_contact_id(r.callid);
      m->set_queue(call.queue);
      m->set_agent_id(agent);
      call.answered = true;
      call.agent = agent;
      const std::string queue = call.queue;
      if (Status s = Emit(env, t); !s.ok()) return s;
      if (!agent.empty()) {
        Agent& a = agents_[agent];
        a.logged_in = true;
        a.queues.insert(queue);
        a.contact = r.callid;
        bool published = false;
        if (Status s = PublishAgent(agent, a, t, &published); !s.ok()) return s;
      }
      return Outcome::kPublished;
    }
    case Verb::kCompleteCaller:
    case Verb::kCompleteAgent: {
      auto* m = env.mutable_contact_ended();
      m->set_contact_id(r.callid);
      m->set_queue(call.queue);
      m->set_ended_by(verb == Verb::kCompleteCaller ? v1::ENDED_BY_CALLER : v1::ENDED_BY_AGENT);
      if (Status s = close(); !s.ok()) return s;
      return Outcome::kPublished;
    }
    case Verb::kAbandon: {
      auto* m = env.mutable_contact_abandoned();
      m->set_contact_id(r.callid);
      m->set_queue(call.queue);
      m->set_position(CountOr0(r.Data(1)));
      if (Status s = close(); !s.ok()) return s;
      return Outcome::kPublished;
    }
    case Verb::kExitWithTimeout:
    case Verb::kExitEmpty:
    case Verb::kExitWithKey:
    case Verb::kWithdraw:
    case Verb::kDropped: {
      auto* m = env.mutable_contact_exited();
      m->set_contact_id(r.callid);
      m->set_queue(call.queue);
      v1::ExitReason reason = v1::EXIT_REASON_UNSPECIFIED;
      if (verb == Verb::kExitWithTimeout) reason = v1::EXIT_REASON_TIMEOUT;
      if (verb == Verb::kExitEmpty) reason = v1::EXIT_REASON_NO_AGENTS;
      if (verb == Verb::kExitWithKey) reason = v1::EXIT_REASON_KEY_PRESS;
      if (verb == Verb::kWithdraw) reason = v1::EXIT_REASON_WITHDRAWN;
      m->set_reason(reason);
      if (Status s = close(); !s.ok()) return s;
      return Outcome::kPublished;
    }
    case Verb::kTransfer:
    case Verb::kBlindTransfer:
    case Verb::kAttendedTransfer: {
      auto* m = env.mutable_contact_transferred();
      m->set_contact_id(r.callid);
      m->set_queue(call.queue);
      std::string destination;
      if (verb == Verb::kAttendedTransfer) {
        // method|target…|holdtime|calltime|origposition: the target is one field (a bridge id
        // or an application) or two (LINK: two channel names); read the timings from the right.
        if (r.data.size() >= 5) {
          for (std::size_t i = 2; i + 3 <= r.data.size(); ++i) {
            if (!destination.empty() && !r.data[i - 1].empty()) destination += ',';
            destination += r.data[i - 1];
          }
        }
      } else {
        destination = std::string(r.Data(1));
        if (!r.Data(1).empty() && !r.Data(2).empty()) destination += "@" + std::string(r.Data(2));
      }
      m->set_destination(destination);
      m->set_blind(verb != Verb::kAttendedTransfer);
      transfers_[r.callid] = Transfer{call.queue, t};
      if (Status s = close(); !s.ok()) return s;
      return Outcome::kPublished;
    }
    default:
      return Outcome::kUnknownVerb;  // Not reached: every call verb is handled above.
  }
}

Result<Outcome> QueueLogMapper::MapRefused(const QueueLogRecord& r, v1::ExitReason reason) {
  if (IsNone(r.callid) || IsNone(r.queue)) return Outcome::kMalformed;
  const UnixMs t = r.time_ms;
  auto it = calls_.find(r.callid);
  std::string from;
  if (it != calls_.end()) {
    if (!it->second.answered && it->second.queue == r.queue) {
      // The dialplan logged the refusal of a call that had entered: it leaves now.
      calls_.erase(it);
      v1::Envelope env;
      auto* m = env.mutable_contact_exited();
      m->set_contact_id(r.callid);
      m->set_queue(r.queue);
      m->set_reason(reason);
      if (Status s = Emit(env, t); !s.ok()) return s;
      return Outcome::kPublished;
    }
    from = it->second.queue;
    const Call earlier = std::move(it->second);
    calls_.erase(it);
    if (earlier.answered) {
      if (auto a = agents_.find(earlier.agent);
          a != agents_.end() && a->second.contact == r.callid) {
        a->second.contact.clear();
        bool published = false;
        if (Status s = PublishAgent(a->first, a->second, t, &published); !s.ok()) return s;
      }
    }
  } else if (auto tr = transfers_.find(r.callid); tr != transfers_.end()) {
    from = tr->second.queue;
    transfers_.erase(tr);
  }
  // The call never entered the queue, so no ENTERQUEUE was written: it is offered and turned
  // away at the same instant, so that offered = answered + abandoned + exited still holds.
  v1::Envelope queued;
  auto* q = queued.mutable_contact_queued();
  q->set_contact_id(r.callid);
  q->set_queue(r.queue);
  q->set_channel(v1::CHANNEL_VOICE);
  q->set_transferred_from_queue(from);
  if (Status s = Emit(queued, t); !s.ok()) return s;
  v1::Envelope exited;
  auto* m = exited.mutable_contact_exited();
  m->set_contact_id(r.callid);
  m->set_queue(r.queue);
  m->set_reason(reason);
  if (Status s = Emit(exited, t); !s.ok()) return s;
  return Outcome::kPublished;
}

Result<Outcome> QueueLogMapper::MapQueueStart(const QueueLogRecord& r) {
  // Asterisk (re)started: calls in progress lost their closing lines. Close them now, oldest
  // first, as lost (waiting) or ended by nobody known (talking).
  const UnixMs t = r.time_ms;
  std::vector<std::pair<std::string, Call>> open(calls_.begin(), calls_.end());
  calls_.clear();
  transfers_.clear();
  std::stable_sort(open.begin(), open.end(), [](const auto& a, const auto& b) {
    return a.second.enter_ms < b.second.enter_ms;
  });
  const std::uint64_t events_before = stats_.events;
  for (const auto& [callid, call] : open) {
    v1::Envelope env;
    if (call.answered) {
      auto* m = env.mutable_contact_ended();
      m->set_contact_id(callid);
      m->set_queue(call.queue);
      m->set_ended_by(v1::ENDED_BY_UNSPECIFIED);
      if (Status s = Emit(env, t); !s.ok()) return s;
      if (Status s = EndConversation(callid, call, t); !s.ok()) return s;
      ++stats_.calls_lost_talking;
    } else {
      auto* m = env.mutable_contact_exited();
      m->set_contact_id(callid);
      m->set_queue(call.queue);
      m->set_reason(v1::EXIT_REASON_LOST);
      if (Status s = Emit(env, t); !s.ok()) return s;
      ++stats_.calls_lost_waiting;
    }
  }
  // An agent still shown on a call whose end was lost is free after a restart too.
  for (auto& [name, agent] : agents_) {
    if (agent.contact.empty()) continue;
    agent.contact.clear();
    bool published = false;
    if (Status s = PublishAgent(name, agent, t, &published); !s.ok()) return s;
  }
  return stats_.events > events_before ? Outcome::kPublished : Outcome::kRestartNoCalls;
}

Result<Outcome> QueueLogMapper::MapAgentLine(const QueueLogRecord& r) {
  if (IsNone(r.agent)) return Outcome::kMalformed;
  const Verb verb = Classify(r.verb);
  const std::string queue = IsNone(r.queue) ? std::string() : r.queue;
  if ((verb == Verb::kAddMember || verb == Verb::kRemoveMember) && queue.empty()) {
    return Outcome::kMalformed;
  }
  const bool known = agents_.count(r.agent) > 0;
  Agent& a = agents_[r.agent];
  switch (verb) {
    case Verb::kAddMember: {
      a.logged_in = true;
      a.queues.insert(queue);
      // data1 = "PAUSED" when added paused (Asterisk 11+).
      std::string flag(r.Data(1));
      std::transform(flag.begin(), flag.end(), flag.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (flag == "PAUSED") {
        a.paused_queues.insert(queue);
      } else {
        a.paused_queues.erase(queue);
      }
      break;
    }
    case Verb::kRemoveMember:
      a.queues.erase(queue);
      a.paused_queues.erase(queue);
      if (a.queues.empty()) a.logged_in = false;
      break;
    case Verb::kPause:
    case Verb::kPauseAll:
      // Only a member can be paused: an agent first seen here is logged in.
      if (!known) a.logged_in = true;
      a.pause_reason = JoinData(r, 1);
      if (verb == Verb::kPauseAll || queue.empty()) {
        a.paused_all = true;
      } else {
        a.queues.insert(queue);
        a.paused_queues.insert(queue);
      }
      break;
    case Verb::kUnpause:
      if (!known) a.logged_in = true;
      if (queue.empty()) {
        a.paused_all = false;
        a.paused_queues.clear();
      } else {
        if (a.paused_all) {
          // PAUSEALL paused every queue: unpausing one leaves the others paused.
          a.paused_all = false;
          a.paused_queues = a.queues;
        }
        a.queues.insert(queue);
        a.paused_queues.erase(queue);
      }
      break;
    case Verb::kUnpauseAll:
      if (!known) a.logged_in = true;
      a.paused_all = false;
      a.paused_queues.clear();
      break;
    case Verb::kAgentLogin:
      a.logged_in = true;
      break;
    case Verb::kAgentLogoff:
      a.logged_in = false;
      break;
    default:
      break;
  }
  bool published = false;
  if (Status s = PublishAgent(r.agent, a, r.time_ms, &published); !s.ok()) return s;
  return published ? Outcome::kPublished : Outcome::kAgentUnchanged;
}

Status QueueLogMapper::PublishAgent(const std::string& name, Agent& agent, UnixMs t,
                                    bool* published) {
  *published = false;
  // Paused in every queue it serves (or by PAUSEALL): not ready. Paused in some queues only,
  // the agent still takes calls from the others, so it counts as available.
  const bool paused =
      agent.paused_all ||
      (!agent.paused_queues.empty() &&
       std::all_of(agent.queues.begin(), agent.queues.end(),
                   [&](const std::string& q) { return agent.paused_queues.count(q) > 0; }));
  AgentView view;
  if (!agent.contact.empty()) {
    view.state = v1::AGENT_STATE_ON_CONTACT;
    view.contact = agent.contact;
  } else if (!agent.logged_in) {
    view.state = v1::AGENT_STATE_LOGGED_OUT;
  } else if (paused) {
    view.state = v1::AGENT_STATE_NOT_READY;
    view.reason = agent.pause_reason;
  } else {
    view.state = v1::AGENT_STATE_AVAILABLE;
  }
  // A logged-out agent's memberships are not news; they are sent again at the next login.
  if (view.state != v1::AGENT_STATE_LOGGED_OUT) {
    view.queues.assign(agent.queues.begin(), agent.queues.end());
  }
  if (agent.published && view == agent.last) return Status::Ok();
  v1::Envelope env;
  auto* m = env.mutable_agent_state_changed();
  m->set_agent_id(name);
  m->set_state(view.state);
  m->set_reason(view.reason);
  for (const std::string& q : view.queues) m->add_queues(q);
  m->set_contact_id(view.contact);
  if (Status s = Emit(env, t); !s.ok()) return s;
  agent.published = true;
  agent.last = std::move(view);
  *published = true;
  return Status::Ok();
}

Status QueueLogMapper::EndConversation(const std::string& callid, const Call& call, UnixMs t) {
  // queue_log has no after-contact-work line (Asterisk's wrapuptime only delays the next call),
  // so wrap-up ends with the conversation: handle time = talk time.
  v1::Envelope env;
  auto* m = env.mutable_wrap_up_ended();
  m->set_contact_id(callid);
  m->set_queue(call.queue);
  m->set_agent_id(call.agent);
  if (Status s = Emit(env, t); !s.ok()) return s;
  auto a = agents_.find(call.agent);
  if (a == agents_.end() || a->second.contact != callid) return Status::Ok();
  a->second.contact.clear();
  bool published = false;
  return PublishAgent(a->first, a->second, t, &published);
}

void QueueLogMapper::Sweep(UnixMs now) {
  constexpr std::int64_t kSweepEveryMs = 60'000;
  if (now - last_sweep_ms_ < kSweepEveryMs && last_sweep_ms_ != 0) return;
  last_sweep_ms_ = now;
  for (auto it = calls_.begin(); it != calls_.end();) {
    if (now - it->second.last_ms > options_.forget_call_after_ms) {
      ++stats_.calls_forgotten;
      // Its agent is no longer known to be on it; the next line about the agent says more.
      if (auto a = agents_.find(it->second.agent);
          a != agents_.end() && a->second.contact == it->first) {
        a->second.contact.clear();
      }
      it = calls_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(transfers_, [&](const auto& entry) {
    return now - entry.second.time_ms > options_.remember_transfer_ms;
  });
}

std::string QueueLogMapper::SaveState() const {
  std::string out;
  out += "sweep " + std::to_string(last_sweep_ms_) + "\n";
  for (const auto& [callid, c] : calls_) {
    out += "call " + Encode(callid) + " " + Encode(c.queue) + " " + std::to_string(c.enter_ms) +
           " " + std::to_string(c.last_ms) + " " + (c.answered ? "1" : "0") + " " +
           Encode(c.agent) + "\n";
  }
  for (const auto& [callid, tr] : transfers_) {
    out += "transfer " + Encode(callid) + " " + Encode(tr.queue) + " " +
           std::to_string(tr.time_ms) + "\n";
  }
  for (const auto& [name, a] : agents_) {
    out += "agent " + Encode(name) + " " + (a.logged_in ? "1" : "0") + " " +
           (a.paused_all ? "1" : "0") + " " + Encode(a.pause_reason) + " " + Encode(a.contact) +
           " " + EncodeList(a.queues) + " " + EncodeList(a.paused_queues) + " " +
           (a.published ? "1" : "0") + " " + std::to_string(static_cast<int>(a.last.state)) + " " +
           Encode(a.last.reason) + " " + EncodeList(a.last.queues) + " " + Encode(a.last.contact) +
           "\n";
  }
  return out;
}

Status QueueLogMapper::RestoreState(std::string_view text) {
  std::map<std::string, Call> calls;
  std::map<std::string, Transfer> transfers;
  std::map<std::string, Agent> agents;
  std::int64_t last_sweep = 0;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    const std::vector<std::string_view> f = SplitSpaces(line);
    const auto bad = [&] {
      return Status::InvalidArgument("state line " + std::to_string(line_number) + " (" +
                                     std::string(f[0].substr(0, 16)) + "): not understood");
    };
    if (f[0] == "sweep") {
      if (f.size() != 2 || !DecodeInt(f[1], &last_sweep)) return bad();
    } else if (f[0] == "call") {
      std::string callid;
      Call c;
      if (f.size() != 7 || !Decode(f[1], &callid) || !Decode(f[2], &c.queue) ||
          !DecodeInt(f[3], &c.enter_ms) || !DecodeInt(f[4], &c.last_ms) ||
          !DecodeBool(f[5], &c.answered) || !Decode(f[6], &c.agent) || callid.empty() ||
          c.queue.empty()) {
        return bad();
      }
      calls[callid] = std::move(c);
    } else if (f[0] == "transfer") {
      std::string callid;
      Transfer tr;
      if (f.size() != 4 || !Decode(f[1], &callid) || !Decode(f[2], &tr.queue) ||
          !DecodeInt(f[3], &tr.time_ms) || callid.empty() || tr.queue.empty()) {
        return bad();
      }
      transfers[callid] = std::move(tr);
    } else if (f[0] == "agent") {
      std::string name;
      Agent a;
      std::vector<std::string> queues, paused;
      std::int64_t state = 0;
      if (f.size() != 13 || !Decode(f[1], &name) || !DecodeBool(f[2], &a.logged_in) ||
          !DecodeBool(f[3], &a.paused_all) || !Decode(f[4], &a.pause_reason) ||
          !Decode(f[5], &a.contact) || !DecodeList(f[6], &queues) || !DecodeList(f[7], &paused) ||
          !DecodeBool(f[8], &a.published) || !DecodeInt(f[9], &state) ||
          !v1::AgentState_IsValid(static_cast<int>(state)) || !Decode(f[10], &a.last.reason) ||
          !DecodeList(f[11], &a.last.queues) || !Decode(f[12], &a.last.contact) || name.empty()) {
        return bad();
      }
      a.queues.insert(queues.begin(), queues.end());
      a.paused_queues.insert(paused.begin(), paused.end());
      a.last.state = static_cast<v1::AgentState>(state);
      agents[name] = std::move(a);
    } else {
      return bad();
    }
  }
  calls_ = std::move(calls);
  transfers_ = std::move(transfers);
  agents_ = std::move(agents);
  last_sweep_ms_ = last_sweep;
  return Status::Ok();
}

}  // namespace ccmon::asterisk_queue_log
