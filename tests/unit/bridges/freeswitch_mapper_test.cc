// Mapping of mod_callcenter events (and the other frames of the event socket) to contract
// events: each CC-Action, the cancel reasons including the ones the documentation omits, the
// BREAK_OUT rule, agent status and state, times and outcomes.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_parser.h"
#include "common/caller_key.h"
#include "common/publisher.h"
#include "tests/testing/envelope_text.h"
#include "tests/testing/esl_frames.h"

namespace ccmon::freeswitch {
namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;       // Arrival clock.
constexpr std::int64_t kEpoch = 1'767'225'600;  // Seconds, for CC-*-Time.

using Fields = std::vector<std::pair<std::string, std::string>>;
using Lines = std::vector<std::string>;

// A callcenter::info event with `fields`, as decoded headers.
Headers Cc(const std::string& action, const Fields& fields) {
  Headers h;
  h.list.push_back({"Event-Name", "CUSTOM"});
  h.list.push_back({"Event-Subclass", "callcenter::info"});
  h.list.push_back({"CC-Action", action});
  for (const auto& [k, v] : fields) h.list.push_back({k, v});
  return h;
}

std::string D(const v1::Envelope& e) {
  switch (e.event_case()) {
    case v1::Envelope::kContactQueued: {
      const auto& m = e.contact_queued();
      return "queued " + m.contact_id() + " " + m.queue() +
             (m.transferred_from_queue().empty() ? "" : " from=" + m.transferred_from_queue());
    }
    case v1::Envelope::kContactRinging:
      return "ringing " + e.contact_ringing().contact_id() + " " + e.contact_ringing().agent_id();
    case v1::Envelope::kContactRingTimeout:
      return "ring_timeout " + e.contact_ring_timeout().agent_id() + " " +
             std::to_string(e.contact_ring_timeout().ring_ms());
    case v1::Envelope::kContactAnswered:
      return "answered " + e.contact_answered().contact_id() + " " +
             e.contact_answered().agent_id();
    case v1::Envelope::kContactTransferred:
      return "transferred " + e.contact_transferred().queue() + " -> " +
             e.contact_transferred().target_queue();
    case v1::Envelope::kAgentStateChanged:
      return testing::AgentStateText(e.agent_state_changed());
    default:
      return testing::ContactEventText(e);
  }
}

class Harness {
 public:
  explicit Harness(MapperOptions options = {})
      : hasher_(CallerKeyHasher::FromKeyHex(std::string(64, 'd')).value()),
        mapper_(&sink_, &hasher_, options) {}

  void Event(const Headers& h, UnixMs arrival = kT0) { mapper_.ConsumeEvent(h, arrival); }
  void Frame(const std::string& bytes, UnixMs arrival = kT0) {
    EslParser parser;
    const auto emit = [&](freeswitch::Frame& f) { mapper_.Consume(f, arrival); };
    parser.Feed(bytes, emit);
    parser.Finish(emit);
  }
  Lines Take() {
    Lines out;
    for (std::size_t i = taken_; i < sink_.messages().size(); ++i) {
      out.push_back(D(sink_.messages()[i].envelope));
    }
    taken_ = sink_.messages().size();
    return out;
  }
  const v1::Envelope& Last() const { return sink_.messages().back().envelope; }
  Mapper& mapper() { return mapper_; }
  std::uint64_t Count(std::string_view o) const { return mapper_.counts().Get(o); }
  const CallerKeyHasher& hasher() const { return hasher_; }

 private:
  CapturingSink sink_{"fs1", 1};
  CallerKeyHasher hasher_;
  Mapper mapper_;
  std::size_t taken_ = 0;
};

Fields Member(const std::string& session = "s-1", const std::string& queue = "support@default") {
  return {{"CC-Queue", queue},
          {"CC-Member-UUID", "m-" + session},
          {"CC-Member-Session-UUID", session},
          {"CC-Member-CID-Name", "Caller One"},
          {"CC-Member-CID-Number", "5145551212"}};
}
Fields With(Fields base, const Fields& extra) {
  base.insert(base.end(), extra.begin(), extra.end());
  return base;
}
Headers Start(const std::string& session = "s-1", const std::string& queue = "support@default") {
  return Cc("member-queue-start", Member(session, queue));
}
Headers Cancel(const std::string& reason, const Fields& extra = {},
               const std::string& session = "s-1") {
  return Cc(
      "member-queue-end",
      With(With(Member(session), {{"CC-Cause", "Cancel"}, {"CC-Cancel-Reason", reason}}), extra));
}
Headers AgentState(const std::string& agent, const std::string& state) {
  return Cc("agent-state-change", {{"CC-Agent", agent}, {"CC-Agent-State", state}});
}
Headers AgentStatus(const std::string& agent, const std::string& status) {
  return Cc("agent-status-change", {{"CC-Agent", agent}, {"CC-Agent-Status", status}});
}

TEST(freeswitch_mapper, AnsweredCallInTheObservedOrder) {
  // member-queue-start → members-count → agent-state-change(Receiving) → agent-offering →
  // bridge-agent-start → members-count → agent-state-change(In a queue call) → bridge-agent-end →
  // member-queue-end(Terminated) → agent-state-change(Waiting) (event-formats.md §3).
  Harness h;
  h.Event(AgentStatus("1000@default", "Available"));
  EXPECT_EQ(h.Take(), (Lines{"agent 1000@default AGENT_STATE_AVAILABLE"}));
  h.Event(Start());
  EXPECT_EQ(h.Take(), (Lines{"queued s-1 support@default"}));
  EXPECT_EQ(h.Last().contact_queued().caller_key(), h.hasher().Hash("5145551212"));
  h.Event(Cc("members-count", {{"CC-Queue", "support@default"}, {"CC-Count", "1"}}));
  h.Event(AgentState("1000@default", "Receiving"));
  h.Event(Cc("agent-offering", With(Member(), {{"CC-Agent", "1000@default"}})));
  EXPECT_EQ(h.Take(), (Lines{"agent 1000@default AGENT_STATE_RESERVED", "ringing s-1 1000@default",
                             "agent 1000@default AGENT_STATE_RESERVED c=s-1 [support@default]"}));
  h.Event(Cc("bridge-agent-start",
             With(Member(), {{"CC-Agent", "1000@default"},
                             {"CC-Agent-Called-Time", std::to_string(kEpoch + 10)},
                             {"CC-Agent-Answered-Time", std::to_string(kEpoch + 19)}})));
  EXPECT_EQ(h.Take(), (Lines{"answered s-1 1000@default"}));
  EXPECT_EQ(h.Last().time_unix_ms(), (kEpoch + 19) * 1000);  // No Event-Date-Timestamp.
  h.Event(AgentState("1000@default", "In a queue call"));
  EXPECT_EQ(h.Take(), (Lines{"agent 1000@default AGENT_STATE_ON_CONTACT c=s-1"}));
  h.Event(Cc("bridge-agent-end", With(Member(), {{"CC-Agent", "1000@default"},
                                                 {"variable_sip_hangup_disposition", "send_bye"},
                                                 {"Event-Date-Timestamp",
                                                  std::to_string((kEpoch + 80) * 1'000'000)}})));
  EXPECT_EQ(h.Take(), (Lines{"ended ENDED_BY_CALLER", "wrapup 1000@default"}));
  EXPECT_EQ(h.Last().time_unix_ms(), (kEpoch + 80) * 1000);
  h.Event(Cc("member-queue-end",
             With(Member(), {{"CC-Cause", "Terminated"}, {"CC-Agent", "1000@default"}})));
  EXPECT_TRUE(h.Take().empty());
  h.Event(AgentState("1000@default", "Waiting"));
  EXPECT_EQ(h.Take(), (Lines{"agent 1000@default AGENT_STATE_AVAILABLE"}));
  EXPECT_EQ(h.Count(outcome::kPublished), 8u);
  EXPECT_EQ(h.Count(outcome::kIgnoredEvent), 1u);
  EXPECT_EQ(h.Count(outcome::kNoChange), 1u);
}

TEST(freeswitch_mapper, EventDateTimestampWinsAndPlaceholderTimesAreIgnored) {
  Headers h = Start();
  EXPECT_EQ(EventTimeMs(h, "CC-Member-Joined-Time", kT0), kT0);
  h.list.push_back({"CC-Member-Joined-Time", "9000"});  // The documentation's placeholder.
  EXPECT_EQ(EventTimeMs(h, "CC-Member-Joined-Time", kT0), kT0);
  h.list.push_back({"CC-Member-Joined-Time", "1767225601"});  // Only the first one counts.
  EXPECT_EQ(EventTimeMs(h, "CC-Member-Joined-Time", kT0), kT0);
  h.list.push_back({"Event-Date-Timestamp", "1767225602123456"});
  EXPECT_EQ(EventTimeMs(h, "CC-Member-Joined-Time", kT0), 1'767'225'602'123);
}

TEST(freeswitch_mapper, CancelReasonsIncludingTheUndocumentedExitWithKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"TIMEOUT", "exited s-1 EXIT_REASON_TIMEOUT"},
      {"NO_AGENT_TIMEOUT", "exited s-1 EXIT_REASON_NO_AGENTS"},
      {"EXIT_WITH_KEY", "exited s-1 EXIT_REASON_KEY_PRESS"},
      {"NONE", "exited s-1 EXIT_REASON_UNSPECIFIED"},
      {"SOMETHING_NEWER", "exited s-1 EXIT_REASON_UNSPECIFIED"},
      {"BREAK_OUT", "abandoned s-1"},
  };
  for (const auto& [reason, expected] : cases) {
    Harness h;
    h.Event(Start());
    h.Take();
    h.Event(Cancel(reason, {{"CC-Member-Leaving-Time", std::to_string(kEpoch + 50)}}));
    EXPECT_EQ(h.Take(), (Lines{expected})) << reason;
    EXPECT_EQ(h.Last().time_unix_ms(), (kEpoch + 50) * 1000) << reason;
  }
}

TEST(freeswitch_mapper, TheDocsSpellingCcCauseReasonIsReadToo) {
  Harness h;
  h.Event(Start());
  h.Take();
  h.Event(Cc("member-queue-end",
             With(Member(), {{"CC-Cause", "Cancel"}, {"CC-Cause-Reason", "TIMEOUT"}})));
  EXPECT_EQ(h.Take(), (Lines{"exited s-1 EXIT_REASON_TIMEOUT"}));
}

TEST(freeswitch_mapper, BreakOutWithTheCallerHungUpIsAnAbandon) {
  Harness h;
  h.Event(Start());
  h.Take();
  h.Event(Cancel("BREAK_OUT", {{"Answer-State", "hangup"}, {"Channel-Call-State", "HANGUP"}}));
  EXPECT_EQ(h.Take(), (Lines{"abandoned s-1"}));
  EXPECT_EQ(h.mapper().stats().abandons, 1u);
}

TEST(freeswitch_mapper, BreakOutWithTheCallerUpThenAnotherQueueIsATransfer) {
  Harness h;
  h.Event(Start());
  h.Take();
  h.Event(Cancel("BREAK_OUT", {{"Answer-State", "answered"}, {"Channel-Call-State", "ACTIVE"}}),
          kT0 + 1'000);
  EXPECT_TRUE(h.Take().empty());
  EXPECT_EQ(h.Count(outcome::kPending), 1u);
  h.Event(Start("s-1", "sales@default"), kT0 + 1'500);
  EXPECT_EQ(h.Take(), (Lines{"transferred support@default -> sales@default",
                             "queued s-1 sales@default from=support@default"}));
  EXPECT_EQ(h.mapper().stats().breaks_transferred, 1u);
}

TEST(freeswitch_mapper, BreakOutWithTheCallerUpAndNothingAfterIsAnExit) {
  MapperOptions options;
  options.decision_hold_ms = 2'000;
  Harness h(options);
  h.Event(Start());
  h.Take();
  h.Event(Cancel("BREAK_OUT", {{"Answer-State", "answered"}}), kT0 + 1'000);
  h.mapper().Expire(kT0 + 2'999);
  EXPECT_TRUE(h.Take().empty());
  h.mapper().Expire(kT0 + 3'000);
  EXPECT_EQ(h.Take(), (Lines{"exited s-1 EXIT_REASON_UNSPECIFIED"}));
  EXPECT_EQ(h.Last().time_unix_ms(), kT0 + 1'000);
  // The same on a lost connection, at once.
  h.Event(Start("s-2"));
  h.Event(Cancel("BREAK_OUT", {{"Answer-State", "answered"}}, "s-2"), kT0 + 5'000);
  h.Take();
  h.mapper().OnConnectionLost(kT0 + 5'001);
  EXPECT_EQ(h.Take(), (Lines{"exited s-2 EXIT_REASON_UNSPECIFIED"}));
}

TEST(freeswitch_mapper, BridgeAgentFailIsARingTimeout) {
  Harness h;
  h.Event(Start());
  h.Take();
  h.Event(Cc("bridge-agent-fail",
             With(Member(), {{"CC-Agent", "1001@default"},
                             {"CC-Hangup-Cause", "NO_ANSWER"},
                             {"CC-Agent-Called-Time", std::to_string(kEpoch)},
                             {"CC-Agent-Aborted-Time", std::to_string(kEpoch + 15)}})));
  EXPECT_EQ(h.Take(), (Lines{"ring_timeout 1001@default 15000"}));
}

TEST(freeswitch_mapper, TerminatedWithoutBridgeStartCarriesTheAnswer) {
  Harness h;
  h.Event(Start());
  h.Take();
  h.Event(Cc("member-queue-end",
             With(Member(), {{"CC-Cause", "Terminated"},
                             {"CC-Agent", "1000@default"},
                             {"CC-Agent-Answered-Time", std::to_string(kEpoch + 9)},
                             {"CC-Member-Leaving-Time", std::to_string(kEpoch + 100)}})));
  EXPECT_EQ(h.Take(), (Lines{"answered s-1 1000@default", "ended ENDED_BY_UNSPECIFIED",
                             "wrapup 1000@default"}));
}

TEST(freeswitch_mapper, AgentStatusAndStateCombine) {
  Harness h;
  h.Event(AgentStatus("a@d", "Available (On Demand)"));
  h.Event(AgentStatus("a@d", "On Break"));
  h.Event(AgentState("a@d", "Idle"));
  h.Event(AgentStatus("a@d", "Available"));
  h.Event(AgentState("a@d", "Waiting"));
  h.Event(AgentStatus("a@d", "Logged Out"));
  EXPECT_EQ(h.Take(),
            (Lines{"agent a@d AGENT_STATE_AVAILABLE", "agent a@d AGENT_STATE_NOT_READY(On Break)",
                   "agent a@d AGENT_STATE_NOT_READY(Idle)", "agent a@d AGENT_STATE_AVAILABLE",
                   "agent a@d AGENT_STATE_LOGGED_OUT"}));
  EXPECT_EQ(h.Count(outcome::kNoChange), 1u);  // Idle while on break: still on break.
  // Published again after a reconnection even if unchanged.
  h.mapper().OnConnectionLost(kT0);
  h.Event(AgentStatus("a@d", "Logged Out"));
  EXPECT_EQ(h.Take(), (Lines{"agent a@d AGENT_STATE_LOGGED_OUT"}));
}

TEST(freeswitch_mapper, EveryFrameEndsInOneOutcome) {
  Harness h;
  const auto event_frame = testing::EslEventFrame;
  h.Frame("Content-Type: auth/request\n\n");
  h.Frame("Content-Type: command/reply\nReply-Text: +OK accepted\n\n");
  h.Frame("Content-Type: text/disconnect-notice\nContent-Length: 3\n\nbye");
  h.Frame("Content-Type: text/event-json\nContent-Length: 2\n\n{}");
  h.Frame("Content-Type: something/else\n\n");
  h.Frame("Reply-Text: no type\n\n");
  h.Frame(event_frame("Event-Name: HEARTBEAT\nCore-UUID: x\n\n"));
  h.Frame(
      event_frame("Event-Name: CUSTOM\nEvent-Subclass: callcenter%3A%3Ainfo\n"
                  "CC-Action: some-future-action\n\n"));
  h.Frame(event_frame("Event-Name: CUSTOM\nEvent-Subclass: callcenter::info\n\n"));
  h.Frame(event_frame("Core-UUID: no-name\n\n"));
  h.Frame(event_frame("Event-Name: CUSTOM\nnot a header line\n\n"));
  h.Frame(
      event_frame("Event-Name: CUSTOM\nEvent-Subclass: callcenter::info\n"
                  "CC-Action: agent-offering\nCC-Agent: a\nCC-Member-Session-UUID: nobody\n\n"));
  h.Frame("Content-Type: x\nbad line\n\n");
  h.Frame("Content-Type: text/event-plain\nContent-Length: 99\n\nshort");
  const auto& c = h.mapper().counts();
  EXPECT_EQ(c.Get(outcome::kProtocol), 2u);
  EXPECT_EQ(c.Get(outcome::kDisconnectNotice), 1u);
  EXPECT_EQ(c.Get(outcome::kUnsupportedFormat), 1u);
  EXPECT_EQ(c.Get(outcome::kUnknownFrame), 1u);
  EXPECT_EQ(c.Get(outcome::kIgnoredEvent), 1u);
  EXPECT_EQ(c.Get(outcome::kUnknownEvent), 1u);
  EXPECT_EQ(c.Get(outcome::kMissingField), 1u);
  EXPECT_EQ(c.Get(outcome::kMalformed), 4u);  // No type, no Event-Name, bad line ×2.
  EXPECT_EQ(c.Get(outcome::kUnknownContact), 1u);
  EXPECT_EQ(c.Get(outcome::kTruncated), 1u);
  EXPECT_EQ(c.Total(), 14u);
  EXPECT_TRUE(h.Take().empty());
}

}  // namespace
}  // namespace ccmon::freeswitch
