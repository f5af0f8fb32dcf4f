// Mapping of AMI events to contract events, per event and Asterisk version, and the rule that
// tells a caller's abandon from a timeout or an empty-queue exit (both reported by Asterisk as
// QueueCallerAbandon).
#include "bridges/asterisk_ami/ami_mapper.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "bridges/asterisk_ami/ami_framer.h"
#include "common/caller_key.h"
#include "common/publisher.h"

namespace ccmon::ami {
namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z, the arrival clock.

using Fields = std::vector<std::pair<std::string, std::string>>;
using Lines = std::vector<std::string>;

// One AMI event as Asterisk writes it.
std::string Ev(const std::string& name, const Fields& fields) {
  std::string out = "Event: " + name + "\r\nPrivilege: agent,all\r\n";
  for (const auto& [k, v] : fields) out += k + ": " + v + "\r\n";
  return out + "\r\n";
}

CallerKeyHasher TestHasher() { return CallerKeyHasher::FromKeyHex(std::string(64, 'a')).value(); }

std::string ExitName(v1::ExitReason r) {
  switch (r) {
    case v1::EXIT_REASON_TIMEOUT:
      return "timeout";
    case v1::EXIT_REASON_NO_AGENTS:
      return "no_agents";
    case v1::EXIT_REASON_KEY_PRESS:
      return "key_press";
    case v1::EXIT_REASON_OVERFLOW:
      return "overflow";
    case v1::EXIT_REASON_WITHDRAWN:
      return "withdrawn";
    case v1::EXIT_REASON_QUEUE_FULL:
      return "queue_full";
    default:
      return "unspecified";
  }
}

std::string StateName(v1::AgentState s) {
  switch (s) {
    case v1::AGENT_STATE_LOGGED_OUT:
      return "logged_out";
    case v1::AGENT_STATE_AVAILABLE:
      return "available";
    case v1::AGENT_STATE_RESERVED:
      return "reserved";
    case v1::AGENT_STATE_ON_CONTACT:
      return "on_contact";
    case v1::AGENT_STATE_AFTER_CONTACT_WORK:
      return "acw";
    case v1::AGENT_STATE_NOT_READY:
      return "not_ready";
    default:
      return "?";
  }
}

// A compact, comparable rendering of one envelope.
std::string D(const v1::Envelope& e) {
  switch (e.event_case()) {
    case v1::Envelope::kContactQueued: {
      const auto& m = e.contact_queued();
      std::string s = "queued " + m.contact_id() + " " + m.queue();
      if (m.position() != 0) s += " pos=" + std::to_string(m.position());
      if (!m.transferred_from_queue().empty()) s += " from=" + m.transferred_from_queue();
      return s;
    }
    case v1::Envelope::kContactRinging:
      return "ringing " + e.contact_ringing().contact_id() + " " + e.contact_ringing().agent_id();
    case v1::Envelope::kContactRingTimeout:
      return "ring_timeout " + e.contact_ring_timeout().contact_id() + " " +
             e.contact_ring_timeout().agent_id() + " " +
             std::to_string(e.contact_ring_timeout().ring_ms());
    case v1::Envelope::kContactAnswered:
      return "answered " + e.contact_answered().contact_id() + " " +
             e.contact_answered().agent_id();
    case v1::Envelope::kContactAbandoned:
      return "abandoned " + e.contact_abandoned().contact_id() +
             " pos=" + std::to_string(e.contact_abandoned().position());
    case v1::Envelope::kContactExited: {
      const auto& m = e.contact_exited();
      return "exited " + m.contact_id() + " " + ExitName(m.reason()) +
             (m.destination().empty() ? "" : " to=" + m.destination());
    }
    case v1::Envelope::kContactTransferred:
      return "transferred " + e.contact_transferred().contact_id() + " " +
             e.contact_transferred().queue();
    case v1::Envelope::kContactEnded: {
      const auto by = e.contact_ended().ended_by();
      return "ended " + e.contact_ended().contact_id() + " " +
             (by == v1::ENDED_BY_CALLER  ? "caller"
              : by == v1::ENDED_BY_AGENT ? "agent"
                                         : "unspecified");
    }
    case v1::Envelope::kWrapUpEnded:
      return "wrapup " + e.wrap_up_ended().contact_id() + " " + e.wrap_up_ended().agent_id();
    case v1::Envelope::kAgentStateChanged: {
      const auto& a = e.agent_state_changed();
      std::string s = "agent " + a.agent_id() + " " + StateName(a.state());
      if (!a.reason().empty()) s += "(" + a.reason() + ")";
      if (!a.contact_id().empty()) s += " c=" + a.contact_id();
      if (a.queues_size() > 0) {
        s += " [";
        for (int i = 0; i < a.queues_size(); ++i) s += (i > 0 ? "," : "") + a.queues(i);
        s += "]";
      }
      return s;
    }
    default:
      return "other";
  }
}

// Framer + Mapper into a CapturingSink, with the arrival clock given per feed.
class Harness {
 public:
  explicit Harness(MapperOptions options = {})
      : hasher_(TestHasher()), mapper_(&sink_, &hasher_, options) {}

  void Feed(const std::string& text, UnixMs arrival = kT0) {
    framer_.Feed(text, [&](Item& item) { mapper_.Consume(item, arrival); });
  }
  void Finish(UnixMs arrival = kT0) {
    framer_.Finish([&](Item& item) { mapper_.Consume(item, arrival); });
  }
  // Renderings of the envelopes published since the last call.
  Lines Take() {
    Lines out;
    for (std::size_t i = taken_; i < sink_.messages().size(); ++i) {
      out.push_back(D(sink_.messages()[i].envelope));
    }
    taken_ = sink_.messages().size();
    return out;
  }
  const v1::Envelope& Last() const { return sink_.messages().back().envelope; }
  const std::vector<CapturingSink::Message>& all() const { return sink_.messages(); }
  Mapper& mapper() { return mapper_; }
  std::uint64_t Count(std::string_view outcome) const { return mapper_.counts().Get(outcome); }
  const CallerKeyHasher& hasher() const { return hasher_; }

 private:
  CapturingSink sink_{"ast1", 1};
  CallerKeyHasher hasher_;
  Mapper mapper_;
  Framer framer_;
  std::size_t taken_ = 0;
};

// Asterisk 12+ events of one caller, Uniqueid 100.1 in queue "sales".
std::string Join12(const std::string& id = "100.1", const std::string& queue = "sales",
                   const std::string& number = "+1 555 010 2030") {
  return Ev("QueueCallerJoin", {{"Channel", "SIP/trunk-0001"},
                                {"CallerIDNum", number},
                                {"CallerIDName", "Caller One"},
                                {"Uniqueid", id},
                                {"Linkedid", id},
                                {"Queue", queue},
                                {"Position", "2"},
                                {"Count", "2"}});
}
std::string Abandon12(const std::string& id = "100.1", const std::string& position = "1") {
  return Ev("QueueCallerAbandon", {{"Uniqueid", id},
                                   {"Queue", "sales"},
                                   {"Position", position},
                                   {"OriginalPosition", "2"},
                                   {"HoldTime", "31"}});
}
std::string Leave12(const std::string& id = "100.1") {
  return Ev("QueueCallerLeave",
            {{"Uniqueid", id}, {"Queue", "sales"}, {"Position", "1"}, {"Count", "0"}});
}
std::string Channel(const std::string& event, const std::string& id = "100.1") {
  return Ev(event, {{"Channel", "SIP/trunk-0001"}, {"Uniqueid", id}, {"Cause", "16"}});
}
std::string QueueStatus(const std::string& value, const std::string& id = "100.1") {
  return Ev("VarSet", {{"Channel", "SIP/trunk-0001"},
                       {"Uniqueid", id},
                       {"Variable", "QUEUESTATUS"},
                       {"Value", value}});
}
std::string Member12(const std::string& event, const std::string& queue, const std::string& status,
                     const std::string& paused, const std::string& reason = "") {
  return Ev(event, {{"Queue", queue},
                    {"MemberName", "Alice"},
                    {"Interface", "PJSIP/alice"},
                    {"StateInterface", "PJSIP/alice"},
                    {"Membership", "dynamic"},
                    {"Status", status},
                    {"Paused", paused},
                    {"PausedReason", reason}});
}
std::string AgentEv12(const std::string& event, const std::string& interface,
                      const Fields& extra = {}, const std::string& id = "100.1") {
  Fields f{{"Uniqueid", id},          {"Linkedid", id},   {"DestChannel", interface + "-00a"},
           {"DestUniqueid", "100.9"}, {"Queue", "sales"}, {"MemberName", interface},
           {"Interface", interface}};
  f.insert(f.end(), extra.begin(), extra.end());
  return Ev(event, f);
}

TEST(ami_mapper, JoinPublishesContactQueuedWithTheHashedCaller) {
  Harness h;
  h.Feed(Join12());
  EXPECT_EQ(h.Take(), (Lines{"queued 100.1 sales pos=2"}));
  const auto& q = h.Last().contact_queued();
  EXPECT_EQ(q.caller_key(), h.hasher().Hash("+15550102030"));
  EXPECT_EQ(q.caller_key().size(), 32u);
  EXPECT_EQ(q.channel(), v1::CHANNEL_VOICE);
  EXPECT_EQ(h.Last().time_unix_ms(), kT0);
  EXPECT_EQ(h.Count(outcome::kPublished), 1u);
  // The same join twice changes nothing.
  h.Feed(Join12());
  EXPECT_TRUE(h.Take().empty());
  EXPECT_EQ(h.Count(outcome::kNoChange), 1u);
}

TEST(ami_mapper, AnonymousCallersHaveNoCallerKey) {
  Harness h;
  h.Feed(Join12("100.1", "sales", "<unknown>"));
  EXPECT_EQ(h.Last().contact_queued().caller_key(), "");
}

TEST(ami_mapper, TimestampHeaderGivesTheEventTime) {
  Harness h;
  h.Feed(
      "Event: QueueCallerJoin\r\nTimestamp: 1409169929.412068\r\nUniqueid: 1.1\r\n"
      "Queue: q\r\n\r\n");
  EXPECT_EQ(h.Last().time_unix_ms(), 1'409'169'929'412);
  EXPECT_EQ(ParseAmiTimestamp("1409169929.4"), 1'409'169'929'400);
  EXPECT_EQ(ParseAmiTimestamp("1409169929"), 1'409'169'929'000);
  EXPECT_FALSE(ParseAmiTimestamp(""));
  EXPECT_FALSE(ParseAmiTimestamp("-5.1"));
  EXPECT_FALSE(ParseAmiTimestamp("12a.5"));
  EXPECT_FALSE(ParseAmiTimestamp("1.5x"));
}

TEST(ami_mapper, AnsweredCallOfAsterisk12) {
  // The order of the ViStepRU capture: Leave comes before AgentConnect.
  Harness h;
  h.Feed(Member12("QueueMemberStatus", "sales", "1", "0"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice available [sales]"}));
  h.Feed(Join12());
  h.Feed(AgentEv12("AgentCalled", "PJSIP/alice"));
  EXPECT_EQ(h.Take(), (Lines{"queued 100.1 sales pos=2", "ringing 100.1 PJSIP/alice",
                             "agent PJSIP/alice reserved c=100.1"}));
  // The device rings and goes in use: the agent's state follows the call, not the device.
  h.Feed(Member12("QueueMemberStatus", "sales", "6", "0"));
  h.Feed(Member12("QueueMemberStatus", "sales", "2", "0"));
  EXPECT_TRUE(h.Take().empty());
  h.Feed(Leave12(), kT0 + 9'000);
  EXPECT_TRUE(h.Take().empty());
  EXPECT_EQ(h.Count(outcome::kPending), 1u);
  h.Feed(AgentEv12("AgentConnect", "PJSIP/alice", {{"HoldTime", "9"}, {"RingTime", "9"}}),
         kT0 + 9'010);
  EXPECT_EQ(h.Take(),
            (Lines{"answered 100.1 PJSIP/alice", "agent PJSIP/alice on_contact c=100.1"}));
  h.Feed(AgentEv12("AgentComplete", "PJSIP/alice",
                   {{"HoldTime", "9"}, {"TalkTime", "3"}, {"Reason", "caller"}}),
         kT0 + 12'000);
  EXPECT_EQ(h.Take(), (Lines{"ended 100.1 caller", "wrapup 100.1 PJSIP/alice",
                             "agent PJSIP/alice available"}));
  // Trailing events of the finished call change nothing.
  h.Feed(Channel("Hangup"));
  h.Feed(Member12("QueueMemberStatus", "sales", "1", "0"));
  EXPECT_TRUE(h.Take().empty());
  EXPECT_EQ(h.mapper().counts().Total(), 10u);
  EXPECT_EQ(h.Count(outcome::kNoChange), 4u);
}

TEST(ami_mapper, AnsweredCallOfAsterisk11) {
  // Pre-12 names and headers: Join/Leave, AgentCalled's interface in "AgentCalled", "Member" in
  // AgentConnect/AgentComplete, "Location" in member events, no Linkedid.
  Harness h;
  h.Feed(Ev("QueueMemberStatus", {{"Queue", "support"},
                                  {"Location", "Local/id-3@agentcallback"},
                                  {"MemberName", "Agent/402"},
                                  {"Status", "1"},
                                  {"Paused", "0"}}));
  h.Feed(Ev("Join", {{"Channel", "SIP/x-1"},
                     {"CallerIDNum", "5550199"},
                     {"Queue", "support"},
                     {"Position", "1"},
                     {"Count", "1"},
                     {"Uniqueid", "1413823936.3729"}}));
  h.Feed(Ev("AgentCalled", {{"Queue", "support"},
                            {"AgentCalled", "Local/id-3@agentcallback"},
                            {"AgentName", "Agent/402"},
                            {"ChannelCalling", "SIP/x-1"},
                            {"Uniqueid", "1413823936.3729"}}));
  h.Feed(Ev("Leave", {{"Channel", "SIP/x-1"},
                      {"Queue", "support"},
                      {"Count", "0"},
                      {"Position", "1"},
                      {"Uniqueid", "1413823936.3729"}}));
  h.Feed(Ev("AgentConnect", {{"Queue", "support"},
                             {"Uniqueid", "1413823936.3729"},
                             {"Member", "Local/id-3@agentcallback"},
                             {"MemberName", "Agent/402"},
                             {"HoldTime", "4"},
                             {"RingTime", "3"}}));
  h.Feed(Ev("AgentComplete", {{"Queue", "support"},
                              {"Uniqueid", "1413823936.3729"},
                              {"Member", "Local/id-3@agentcallback"},
                              {"Reason", "agent"}}));
  EXPECT_EQ(h.Take(),
            (Lines{"agent Local/id-3@agentcallback available [support]",
                   "queued 1413823936.3729 support pos=1",
                   "ringing 1413823936.3729 Local/id-3@agentcallback",
                   "agent Local/id-3@agentcallback reserved c=1413823936.3729",
                   "answered 1413823936.3729 Local/id-3@agentcallback",
                   "agent Local/id-3@agentcallback on_contact c=1413823936.3729",
                   "ended 1413823936.3729 agent", "wrapup 1413823936.3729 Local/id-3@agentcallback",
                   "agent Local/id-3@agentcallback available"}));
}

TEST(ami_mapper, Asterisk14JoinWithCallerIdHeader) {
  Harness h;
  h.Feed(Ev("Join", {{"CallerID", "5550100"}, {"Queue", "q"}, {"Uniqueid", "1.5"}}));
  EXPECT_EQ(h.Last().contact_queued().caller_key(), h.hasher().Hash("5550100"));
}

// --- The abandon rule ------------------------------------------------------------------------

TEST(ami_mapper, HangupRequestBeforeQueueCallerAbandonIsAnAbandon) {
  // A caller who hangs up: the channel driver queues the hang-up (HangupRequest) before Queue()
  // notices and records the abandon.
  Harness h;
  h.Feed(Join12());
  h.Take();
  h.Feed(Channel("HangupRequest"), kT0 + 30'000);
  h.Feed(Abandon12(), kT0 + 30'001);
  EXPECT_EQ(h.Take(), (Lines{"abandoned 100.1 pos=1"}));
  EXPECT_EQ(h.Last().time_unix_ms(), kT0 + 30'001);
  // Leave and Hangup follow; they change nothing.
  h.Feed(Leave12());
  h.Feed(Channel("Hangup"));
  EXPECT_TRUE(h.Take().empty());
  EXPECT_EQ(h.mapper().stats().abandons_by_hangup, 1u);
}

TEST(ami_mapper, HangupAfterQueueCallerAbandonIsAnAbandonAtTheAbandonTime) {
  Harness h;
  h.Feed(Join12());
  h.Take();
  h.Feed(Abandon12("100.1", "3"), kT0 + 30'000);
  h.Feed(Leave12(), kT0 + 30'001);
  EXPECT_TRUE(h.Take().empty());
  EXPECT_EQ(h.Count(outcome::kPending), 1u);
  h.Feed(Channel("Hangup"), kT0 + 30'050);
  EXPECT_EQ(h.Take(), (Lines{"abandoned 100.1 pos=3"}));
  EXPECT_EQ(h.Last().time_unix_ms(), kT0 + 30'000);
}

TEST(ami_mapper, SoftHangupRequestAfterQueueCallerAbandonIsAnAbandon) {
  Harness h;
  h.Feed(Join12());
  h.Feed(Abandon12());
  h.Take();
  h.Feed(Channel("SoftHangupRequest"));
  EXPECT_EQ(h.Take(), (Lines{"abandoned 100.1 pos=1"}));
}

TEST(ami_mapper, QueueStatusTimeoutMakesQueueCallerAbandonAnExitForTimeout) {
  // Queue() timed out: QueueCallerAbandon, QueueCallerLeave, then QUEUESTATUS=TIMEOUT as the
  // caller goes on in the dialplan. A hang-up later (voicemail done) changes nothing.
  Harness h;
  h.Feed(Join12());
  h.Take();
  h.Feed(Abandon12(), kT0 + 60'000);
  h.Feed(Leave12(), kT0 + 60'000);
  h.Feed(QueueStatus("TIMEOUT"), kT0 + 60'001);
  EXPECT_EQ(h.Take(), (Lines{"exited 100.1 timeout"}));
  EXPECT_EQ(h.Last().time_unix_ms(), kT0 + 60'000);
  h.Feed(Channel("Hangup"), kT0 + 90'000);
  EXPECT_TRUE(h.Take().empty());
  EXPECT_EQ(h.mapper().stats().exits_by_queue_status, 1u);
  EXPECT_EQ(h.mapper().stats().abandons_by_hangup, 0u);
}

TEST(ami_mapper, EmptyQueueAndWithdrawExitsAreNotAbandons) {
  const std::pair<const char*, const char*> cases[] = {{"LEAVEEMPTY", "no_agents"},
                                                       {"LEAVEUNAVAIL", "no_agents"},
                                                       {"WITHDRAW", "withdrawn"},
                                                       {"SOMETHINGNEW", "unspecified"}};
  for (const auto& [status, expected] : cases) {
    Harness h;
    h.Feed(Join12());
    h.Feed(Abandon12());
    h.Feed(Leave12());
    h.Take();
    h.Feed(QueueStatus(status));
    EXPECT_EQ(h.Take(), (Lines{std::string("exited 100.1 ") + expected})) << status;
  }
}

TEST(ami_mapper, UndecidedQueueCallerAbandonBecomesAnExitAfterTheHold) {
  // Nothing says the caller hung up: it is never counted as an abandon.
  MapperOptions options;
  options.decision_hold_ms = 2'000;
  Harness h(options);
  h.Feed(Join12());
  h.Take();
  h.Feed(Abandon12(), kT0 + 10'000);
  h.Feed(Leave12(), kT0 + 10'000);
  h.mapper().Expire(kT0 + 11'999);
  EXPECT_TRUE(h.Take().empty());
  h.mapper().Expire(kT0 + 12'000);
  EXPECT_EQ(h.Take(), (Lines{"exited 100.1 unspecified"}));
  EXPECT_EQ(h.Last().time_unix_ms(), kT0 + 10'000);
  EXPECT_EQ(h.mapper().stats().exits_by_deadline, 1u);
  // A late hang-up does not turn it into an abandon.
  h.Feed(Channel("Hangup"), kT0 + 13'000);
  EXPECT_TRUE(h.Take().empty());
}

TEST(ami_mapper, QueueCallerAbandonThenAnotherQueueIsAnOverflow) {
  // Timeout, and the dialplan sends the caller to another queue.
  Harness h;
  h.Feed(Join12());
  h.Feed(Abandon12(), kT0 + 20'000);
  h.Feed(Leave12(), kT0 + 20'000);
  h.Take();
  h.Feed(Join12("100.1", "overflow"), kT0 + 20'500);
  EXPECT_EQ(h.Take(),
            (Lines{"exited 100.1 overflow to=overflow", "queued 100.1 overflow pos=2 from=sales"}));
}

TEST(ami_mapper, LostConnectionDecidesPendingCalls) {
  Harness h;
  h.Feed(Join12("1.1"));
  h.Feed(Join12("1.2"));
  h.Feed(Channel("HangupRequest", "1.2"));
  h.Take();
  h.Feed(Abandon12("1.1"));
  h.Feed(Leave12("1.2"));  // 1.2 hung up before; its Leave without an abandon is pending.
  EXPECT_TRUE(h.Take().empty());
  h.mapper().OnConnectionLost(kT0 + 100);
  EXPECT_EQ(h.Take(), (Lines{"exited 1.1 unspecified", "exited 1.2 unspecified"}));
}

TEST(ami_mapper, AgentDumpRecordedAsAbandonKeepsTheCallerWaiting) {
  // app_queue records an agent dump with record_abandoned: QueueCallerAbandon, then AgentDump.
  Harness h;
  h.Feed(Join12());
  h.Feed(AgentEv12("AgentCalled", "PJSIP/bob"));
  h.Take();
  h.Feed(Abandon12());
  h.Feed(AgentEv12("AgentDump", "PJSIP/bob"));
  EXPECT_EQ(h.Take(), (Lines{"ring_timeout 100.1 PJSIP/bob 0", "agent PJSIP/bob available"}));
  h.mapper().Expire(kT0 + 60'000);
  EXPECT_TRUE(h.Take().empty());  // Not pending any more: still waiting.
  h.Feed(AgentEv12("AgentConnect", "PJSIP/carol"));
  EXPECT_EQ(h.Take(),
            (Lines{"answered 100.1 PJSIP/carol", "agent PJSIP/carol on_contact c=100.1 [sales]"}));
}

TEST(ami_mapper, LeaveWithoutAbandonNorAnswerIsAnExit) {
  // Exit with a key: no QueueCallerAbandon (record_abandoned is not called for EXITWITHKEY).
  {
    Harness h;
    h.Feed(Join12());
    h.Feed(Ev("DTMFEnd", {{"Uniqueid", "100.1"}, {"Digit", "1"}, {"Direction", "Received"}}));
    h.Feed(Leave12(), kT0 + 5'000);
    h.Take();
    h.mapper().Expire(kT0 + 7'000);
    EXPECT_EQ(h.Take(), (Lines{"exited 100.1 key_press"}));
    EXPECT_EQ(h.Last().time_unix_ms(), kT0 + 5'000);
  }
  {
    // Digits sent to the caller (Direction: Sent) are not the caller's.
    Harness h;
    h.Feed(Join12());
    h.Feed(Ev("DTMFEnd", {{"Uniqueid", "100.1"}, {"Digit", "1"}, {"Direction", "Sent"}}));
    h.Feed(Leave12());
    h.Feed(Channel("Hangup"));
    EXPECT_EQ(h.Take().back(), "exited 100.1 unspecified");
  }
}

// --- Agents ----------------------------------------------------------------------------------

TEST(ami_mapper, RingNoAnswerIsARingTimeoutInMilliseconds) {
  Harness h;
  h.Feed(Join12());
  h.Feed(AgentEv12("AgentCalled", "PJSIP/alice"));
  h.Take();
  h.Feed(AgentEv12("AgentRingNoAnswer", "PJSIP/alice", {{"RingTime", "15000"}}));
  EXPECT_EQ(h.Take(),
            (Lines{"ring_timeout 100.1 PJSIP/alice 15000", "agent PJSIP/alice available"}));
  // Pre-12 spells it Ringtime and names the interface Member.
  h.Feed(AgentEv12("AgentCalled", "PJSIP/alice"));
  h.Take();
  h.Feed(Ev("AgentRingNoAnswer", {{"Queue", "sales"},
                                  {"Uniqueid", "100.1"},
                                  {"Member", "PJSIP/alice"},
                                  {"Ringtime", "2500"}}));
  EXPECT_EQ(h.Take().front(), "ring_timeout 100.1 PJSIP/alice 2500");
}

TEST(ami_mapper, AnswerOnRingAllFreesTheOtherRungAgents) {
  Harness h;
  h.Feed(Join12());
  h.Feed(AgentEv12("AgentCalled", "PJSIP/a"));
  h.Feed(AgentEv12("AgentCalled", "PJSIP/b"));
  h.Take();
  h.Feed(AgentEv12("AgentConnect", "PJSIP/a"));
  EXPECT_EQ(h.Take(), (Lines{"answered 100.1 PJSIP/a", "agent PJSIP/b available",
                             "agent PJSIP/a on_contact c=100.1"}));
}

TEST(ami_mapper, TransferByTheAgentAndArrivalInAnotherQueue) {
  Harness h;
  h.Feed(Join12());
  h.Feed(AgentEv12("AgentConnect", "PJSIP/a"));
  h.Take();
  h.Feed(AgentEv12("AgentComplete", "PJSIP/a", {{"Reason", "transfer"}}));
  EXPECT_EQ(h.Take(),
            (Lines{"transferred 100.1 sales", "wrapup 100.1 PJSIP/a", "agent PJSIP/a available"}));
  h.Feed(Join12("100.1", "billing"));
  EXPECT_EQ(h.Take(), (Lines{"queued 100.1 billing pos=2 from=sales"}));
}

TEST(ami_mapper, MemberStatusPauseAndRemoval) {
  Harness h;
  h.Feed(Member12("QueueMemberAdded", "sales", "1", "0"));
  h.Feed(Member12("QueueMemberAdded", "support", "1", "0"));
  h.Feed(Member12("QueueMemberPause", "sales", "1", "1", "lunch"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice available [sales]",
                             "agent PJSIP/alice available [sales,support]"}));
  // Paused in one queue of two: still available for the other.
  h.Feed(Member12("QueueMemberPause", "support", "1", "1", "lunch"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice not_ready(lunch)"}));
  // 12–13 spell the reason "Reason" in QueueMemberPause; pre-12 QueueMemberPaused too.
  h.Feed(Ev(
      "QueueMemberPaused",
      {{"Queue", "sales"}, {"Location", "PJSIP/alice"}, {"Paused", "1"}, {"Reason", "training"}}));
  h.Feed(Ev("QueueMemberPaused", {{"Queue", "support"},
                                  {"Location", "PJSIP/alice"},
                                  {"Paused", "1"},
                                  {"Reason", "training"}}));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice not_ready(training)"}));
  h.Feed(Member12("QueueMemberPause", "sales", "1", "0"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice available"}));
  // On a call that is not a queue call: not available; a busy device likewise.
  h.Feed(Member12("QueueMemberStatus", "sales", "2", "0"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice not_ready(in_use)"}));
  h.Feed(Member12("QueueMemberStatus", "sales", "3", "0"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice not_ready(busy)"}));
  // An unreachable device: logged out.
  h.Feed(Member12("QueueMemberStatus", "sales", "5", "0"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice logged_out"}));
  h.Feed(Member12("QueueMemberStatus", "sales", "1", "0"));
  h.Feed(Ev("QueueMemberRemoved", {{"Queue", "sales"}, {"Interface", "PJSIP/alice"}}));
  // Left with support only, where the agent is still paused.
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice available",
                             "agent PJSIP/alice not_ready(training) [support]"}));
  h.Feed(Ev("QueueMemberRemoved", {{"Queue", "support"}, {"Interface", "PJSIP/alice"}}));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice logged_out"}));
}

TEST(ami_mapper, AgentsArePublishedAgainAfterAReconnection) {
  Harness h;
  h.Feed(Member12("QueueMemberStatus", "sales", "1", "0"));
  h.Take();
  h.mapper().OnConnectionLost(kT0);
  h.Feed(Member12("QueueMemberStatus", "sales", "1", "0"));
  EXPECT_EQ(h.Take(), (Lines{"agent PJSIP/alice available [sales]"}));
}

// --- QueueStatus at login --------------------------------------------------------------------

TEST(ami_mapper, QueueStatusAddsWaitingCallersAndClosesThoseGoneWhileAway) {
  Harness h;
  h.Feed(Join12("1.1"));  // Waiting before the connection was lost.
  h.Feed(Join12("1.2"));
  h.Take();
  h.mapper().OnConnectionLost(kT0 + 1'000);
  h.mapper().BeginQueueStatus("ccmon-9");
  const UnixMs now = kT0 + 60'000;
  h.Feed("Response: Success\r\nActionID: ccmon-9\r\nMessage: Queue status will follow\r\n\r\n",
         now);
  h.Feed(Ev("QueueEntry", {{"Queue", "sales"},
                           {"Position", "1"},
                           {"Uniqueid", "1.2"},
                           {"CallerIDNum", "5550101"},
                           {"Wait", "70"},
                           {"ActionID", "ccmon-9"}}),
         now);
  h.Feed(Ev("QueueEntry", {{"Queue", "sales"},
                           {"Position", "2"},
                           {"Uniqueid", "1.3"},
                           {"CallerIDNum", "5550102"},
                           {"Wait", "12"},
                           {"Priority", "3"},
                           {"ActionID", "ccmon-9"}}),
         now);
  EXPECT_EQ(h.Take(), (Lines{"queued 1.3 sales pos=2"}));
  EXPECT_EQ(h.Last().time_unix_ms(), now - 12'000);
  EXPECT_EQ(h.Last().contact_queued().priority(), 3);
  // Another client's QueueStatusComplete is not ours.
  h.Feed(Ev("QueueStatusComplete", {{"ActionID", "other"}}), now);
  EXPECT_TRUE(h.Take().empty());
  h.Feed(Ev("QueueStatusComplete", {{"ActionID", "ccmon-9"}}), now);
  EXPECT_EQ(h.Take(), (Lines{"exited 1.1 unspecified"}));
  EXPECT_EQ(h.mapper().stats().exits_reconciled, 1u);
}

TEST(ami_mapper, QueueStatusEndsACallThatEndedWhileAway) {
  Harness h;
  h.Feed(Join12("1.1"));
  h.Feed(AgentEv12("AgentConnect", "PJSIP/a", {}, "1.1"));
  h.Feed(Join12("1.2"));
  h.Feed(AgentEv12("AgentConnect", "PJSIP/b", {}, "1.2"));
  h.Take();
  h.mapper().OnConnectionLost(kT0 + 1'000);
  h.mapper().BeginQueueStatus("ccmon-3");
  const UnixMs now = kT0 + 90'000;
  // PJSIP/a is free again (its AgentComplete was lost); PJSIP/b still talks to 1.2.
  h.Feed(Ev("QueueMember", {{"Queue", "sales"},
                            {"Name", "A"},
                            {"Location", "PJSIP/a"},
                            {"InCall", "0"},
                            {"Status", "1"},
                            {"Paused", "0"},
                            {"ActionID", "ccmon-3"}}),
         now);
  h.Feed(Ev("QueueMember", {{"Queue", "sales"},
                            {"Name", "B"},
                            {"Location", "PJSIP/b"},
                            {"InCall", "1"},
                            {"Status", "2"},
                            {"Paused", "0"},
                            {"ActionID", "ccmon-3"}}),
         now);
  EXPECT_EQ(h.Take(),
            (Lines{"ended 1.1 unspecified", "wrapup 1.1 PJSIP/a", "agent PJSIP/a available [sales]",
                   "agent PJSIP/b on_contact c=1.2 [sales]"}));
  EXPECT_EQ(h.mapper().stats().calls_ended_reconciled, 1u);
  // The same reply to another client changes no call.
  h.Feed(Ev("QueueMember", {{"Queue", "sales"},
                            {"Location", "PJSIP/b"},
                            {"InCall", "0"},
                            {"Status", "1"},
                            {"ActionID", "someone-else"}}),
         now);
  EXPECT_TRUE(h.Take().empty());
}

// --- Outcomes --------------------------------------------------------------------------------

TEST(ami_mapper, EveryInputEndsInExactlyOneNamedOutcome) {
  Harness h;
  h.Feed("Asterisk Call Manager/5.0.1\r\n");
  h.Feed("Response: Success\r\nActionID: x\r\n\r\n");
  h.Feed("Action: Ping\r\nActionID: y\r\n\r\n");
  h.Feed("Info:\r\nName=foo\r\n");  // A non-message block, then a garbage line.
  h.Feed(Ev("Newexten", {{"Uniqueid", "1"}}));
  h.Feed(Ev("FutureEventOfAsterisk42", {{"Uniqueid", "1"}}));
  h.Feed(Ev("QueueCallerJoin", {{"Queue", "sales"}}));                  // No Uniqueid.
  h.Feed(Ev("AgentConnect", {{"Queue", "sales"}, {"Uniqueid", "5"}}));  // No interface.
  h.Feed(Leave12("never.joined"));
  h.Feed("[10 bytes missing in capture file]\n");
  h.Feed("Event: Cut\r\nUniqueid: 3\r\n");
  h.Finish();
  const auto& c = h.mapper().counts();
  EXPECT_EQ(c.Get(outcome::kBanner), 1u);
  EXPECT_EQ(c.Get(outcome::kResponse), 1u);
  EXPECT_EQ(c.Get(outcome::kAction), 1u);
  EXPECT_EQ(c.Get(outcome::kMalformed), 1u);
  EXPECT_EQ(c.Get(outcome::kGarbageLine), 1u);
  EXPECT_EQ(c.Get(outcome::kIgnoredEvent), 1u);
  EXPECT_EQ(c.Get(outcome::kUnknownEvent), 1u);
  EXPECT_EQ(c.Get(outcome::kMissingField), 2u);
  EXPECT_EQ(c.Get(outcome::kUnknownContact), 1u);
  EXPECT_EQ(c.Get(outcome::kCaptureGap), 1u);
  EXPECT_EQ(c.Get(outcome::kTruncated), 1u);
  EXPECT_EQ(c.Total(), 12u);
  EXPECT_TRUE(h.all().empty());
}

// A sink whose transport fails: the item is counted as publish_failed and nothing is lost from
// the numbering (a failed publish uses no seq).
class FailingSink final : public EnvelopeSink {
 public:
  Status Publish(v1::Envelope&) override { return Status::Unavailable("down"); }
};

TEST(ami_mapper, PublishFailuresAreCounted) {
  FailingSink sink;
  const CallerKeyHasher hasher = TestHasher();
  Mapper mapper(&sink, &hasher);
  Framer framer;
  framer.Feed(Join12(), [&](Item& item) { mapper.Consume(item, kT0); });
  EXPECT_EQ(mapper.counts().Get(outcome::kPublishFailed), 1u);
}

}  // namespace
}  // namespace ccmon::ami
