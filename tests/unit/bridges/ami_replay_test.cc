// Replays of the real AMI captures in ../shared/data/asterisk-ami through the Framer and the
// Mapper, with the exact outcome of every input worked out from the files (comments below), in
// one read and in reads of every size from 1 to 97 bytes. Nothing may end unexplained: every
// outcome present is listed, and the totals add up. The captures are not in the repository; the
// tests skip without them. A small fixture of our own always runs.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "bridges/asterisk_ami/ami_framer.h"
#include "bridges/asterisk_ami/ami_mapper.h"
#include "common/caller_key.h"
#include "common/publisher.h"
#include "tests/testing/envelope_text.h"
#include "tests/testing/shared_data.h"
#include "tests/testing/stream_replay.h"

namespace ccmon::ami {
namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

using Counts = std::map<std::string, std::uint64_t>;
using Lines = std::vector<std::string>;

std::string Render(const v1::Envelope& e) {
  switch (e.event_case()) {
    case v1::Envelope::kContactRinging:
      return "ringing " + e.contact_ringing().agent_id();
    case v1::Envelope::kContactAnswered:
      return "answered " + e.contact_answered().agent_id();
    case v1::Envelope::kAgentStateChanged:
      return testing::AgentStateText(e.agent_state_changed());
    default:
      return testing::ContactEventText(e);
  }
}

using Replay = testing::MappedReplay;

// Feeds `bytes` in reads of `chunk` bytes (0 = one read), then ends the stream.
Replay RunReplay(const std::string& bytes, std::size_t chunk = 0) {
  CapturingSink sink("replay", 1);
  const CallerKeyHasher hasher = CallerKeyHasher::FromKeyHex(std::string(64, 'b')).value();
  Mapper mapper(&sink, &hasher);
  return testing::ReplayStream<Framer>(bytes, chunk, mapper, sink, kT0, Render);
}

std::uint64_t Total(const Counts& c) {
  std::uint64_t n = 0;
  for (const auto& [k, v] : c) n += v;
  return n;
}

// Replays the file in one read and in many read sizes; every replay gives `expected`.
Replay ExpectReplay(const std::string& file, const Counts& expected) {
  const std::string bytes = testing::ReadFileBytes(testing::SharedDataFile("asterisk-ami/" + file));
  const Replay whole = RunReplay(bytes);
  EXPECT_EQ(whole.counts, expected) << file;
  for (std::size_t chunk = 1; chunk < 98; chunk += 3) {
    const Replay split = RunReplay(bytes, chunk);
    EXPECT_EQ(split.counts, expected) << file << " in reads of " << chunk;
    EXPECT_EQ(split.envelopes, whole.envelopes) << file << " in reads of " << chunk;
  }
  return whole;
}

TEST(ami_replay, ViStepRUCaptureOfOneAnsweredCall) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-ami/ViStepRU-callme__RECYCLE_log_setVar.js.txt");
  // 221 AMI events (each after a "<-- Examining AMI event: -->" debug line), 157 console lines,
  // and a DumpChan dump whose "Info:" and "Variables:" headings look like headers (2 blocks that
  // are not AMI messages: malformed). Of the events:
  //   published 5: QueueMemberStatus (SIP/777 available in Q1), QueueCallerJoin, AgentCalled,
  //                AgentConnect, AgentComplete;
  //   pending   1: QueueCallerLeave (no abandon before it), decided by the AgentConnect after it;
  //   no_change 7: 3 QueueMemberStatus (ringing and in use during the call, idle after it: the
  //                agent's state follows the call), the caller's HangupRequest (while talking),
  //                SoftHangupRequest and Hangup (after AgentComplete), and its VarSet
  //                QUEUESTATUS=CONTINUE (after the call);
  //   ignored 208: 99 other VarSet, 63 Newexten, 9 DeviceStateChange, 5 RTCPReceived, 4 RTCPSent,
  //                4 Newstate, 4 ExtensionStatus, 2 PeerStatus, 2 Newchannel, 2 NewConnectedLine,
  //                2 BridgeEnter, 2 BridgeLeave, BridgeCreate, BridgeDestroy, DialBegin, DialEnd,
  //                MusicOnHoldStart, MusicOnHoldStop, DTMFBegin, DTMFEnd (before the caller
  //                queued), and the agent channel's SoftHangupRequest and Hangup.
  const Replay r =
      ExpectReplay("ViStepRU-callme__RECYCLE_log_setVar.js.txt", {{"garbage_line", 221 + 157},
                                                                  {"malformed", 2},
                                                                  {"published", 5},
                                                                  {"pending", 1},
                                                                  {"no_change", 7},
                                                                  {"ignored_event", 208}});
  EXPECT_EQ(Total(r.counts), 601u);
  EXPECT_EQ(
      r.envelopes,
      (Lines{"agent SIP/777 AGENT_STATE_AVAILABLE [Q1]", "queued 1514295827.372 Q1",
             "ringing SIP/777", "agent SIP/777 AGENT_STATE_RESERVED c=1514295827.372",
             "answered SIP/777", "agent SIP/777 AGENT_STATE_ON_CONTACT c=1514295827.372",
             "ended ENDED_BY_CALLER", "wrapup SIP/777", "agent SIP/777 AGENT_STATE_AVAILABLE"}));
  const CallerKeyHasher hasher = CallerKeyHasher::FromKeyHex(std::string(64, 'b')).value();
  EXPECT_EQ(r.messages[1].envelope.contact_queued().caller_key(), hasher.Hash("123"));
  EXPECT_EQ(r.messages[1].envelope.contact_queued().position(), 1u);
  // Numbering per topic without gaps: 4 agent events, 5 contact events in queue Q1.
  EXPECT_EQ(r.messages.back().topic, "v1.default.~agent.");
  EXPECT_EQ(r.messages.back().envelope.seq(), 4u);
  EXPECT_EQ(r.messages[7].topic, "v1.default.Q1.");
  EXPECT_EQ(r.messages[7].envelope.seq(), 5u);
}

TEST(ami_replay, PanoramiskAgentLoggedInWithCaptureGaps) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-ami/panoramisk__tests_fixtures__agent_loggued_in.yaml");
  // Asterisk 11 (XiVO) capture of both directions: 8 "Action: Ping" requests and their 8
  // responses; two "[N bytes missing in capture file]" markers, each glued to the next event
  // (AGIExec, Newexten), right after a blank line, so no message is cut. 147 events:
  //   published 3: QueueMemberStatus of Agent/401 (Local/id-1, idle: available), QueueMemberAdded
  //                of Agent/402 (Local/id-3, device in use while it dials the login code:
  //                not_ready(in_use)), QueueMemberStatus of Agent/402 idle (available);
  //   no_change 1: the same QueueMemberStatus of Agent/402 again;
  //   ignored 143: 63 AGIExec, 40 VarSet, 24 Newexten, 5 CEL, 4 ExtensionStatus, 2 PeerStatus,
  //                UserEvent (whose headers include the echoed "Action: UserEvent"),
  //                SoftHangupRequest, RTCPReceived, Newchannel, ChannelUpdate.
  const Replay r =
      ExpectReplay("panoramisk__tests_fixtures__agent_loggued_in.yaml", {{"action", 8},
                                                                         {"response", 8},
                                                                         {"capture_gap", 2},
                                                                         {"published", 3},
                                                                         {"no_change", 1},
                                                                         {"ignored_event", 143}});
  EXPECT_EQ(r.envelopes,
            (Lines{"agent Local/id-1@agentcallback AGENT_STATE_AVAILABLE [general_queue]",
                   "agent Local/id-3@agentcallback AGENT_STATE_NOT_READY(in_use) [general_queue]",
                   "agent Local/id-3@agentcallback AGENT_STATE_AVAILABLE"}));
}

TEST(ami_replay, PanoramiskAgentNotInPause) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-ami/panoramisk__tests_fixtures__agent_not_in_pause.yaml");
  // 61 events; the last one (Event: Registry) lacks its closing blank line: truncated.
  //   published 4: QueueMemberStatus of Agent/999 paused (not_ready), QueueMemberPaused Paused: 0
  //                while its device is in use dialling the unpause code (not_ready(in_use)),
  //                QueueMemberStatus idle (available), QueueMemberStatus in a second queue (the
  //                queue list grows);
  //   no_change 2: the paused QueueMemberStatus repeated twice;
  //   ignored 54: 17 VarSet, 14 Newexten, 8 AGIExec, 5 CEL, 4 ExtensionStatus, 2 Newstate,
  //               SoftHangupRequest, Hangup and Newchannel of a channel that is not a queue
  //               caller, ChannelUpdate.
  const Replay r =
      ExpectReplay("panoramisk__tests_fixtures__agent_not_in_pause.yaml",
                   {{"published", 4}, {"no_change", 2}, {"ignored_event", 54}, {"truncated", 1}});
  EXPECT_EQ(r.envelopes,
            (Lines{"agent Local/id-12@agentcallback AGENT_STATE_NOT_READY [maisonvoyance-tous]",
                   "agent Local/id-12@agentcallback AGENT_STATE_NOT_READY(in_use)",
                   "agent Local/id-12@agentcallback AGENT_STATE_AVAILABLE",
                   "agent Local/id-12@agentcallback AGENT_STATE_AVAILABLE "
                   "[maisonvoyance-tous,xxxxxxxxxxxx-tous]"}));
}

TEST(ami_replay, PanoramiskQueueStatusReply) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-ami/panoramisk__tests_fixtures__queue_status.yaml");
  // The reply to another client's QueueStatus: the Response, QueueParams (ignored), six
  // QueueMember (each agent's first state: published), QueueStatusComplete (another client's
  // ActionID: ignored). Agent/999 has an unavailable device (Status 5): logged out.
  const Replay r = ExpectReplay("panoramisk__tests_fixtures__queue_status.yaml",
                                {{"response", 1}, {"published", 6}, {"ignored_event", 2}});
  ASSERT_EQ(r.envelopes.size(), 6u);
  EXPECT_EQ(r.envelopes[0],
            "agent Local/id-9@agentcallback AGENT_STATE_AVAILABLE [xxxxxxxxxxxxxxxx-tous]");
  EXPECT_EQ(r.envelopes[5],
            "agent Local/id-12@agentcallback AGENT_STATE_LOGGED_OUT [xxxxxxxxxxxxxxxx-tous]");
}

TEST(ami_replay, PanoramiskQueueAddReply) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-ami/panoramisk__tests_fixtures__queue_add.yaml");
  const Replay r = ExpectReplay("panoramisk__tests_fixtures__queue_add.yaml", {{"response", 1}});
  EXPECT_TRUE(r.envelopes.empty());
}

// Our own capture-like fixture (always runs): Asterisk 13 style with debug markers and console
// lines, one answered call, one abandon, one timeout, one exit with a key, a capture gap and a
// cut end.
std::string OwnFixture() {
  std::string s;
  const auto ev = [&](const std::string& body) {
    s += "<-- Examining AMI event: -->\nEvent: " + body + "\n\n";
  };
  s += "  == Manager 'ccmon' logged on from 127.0.0.1\n";
  ev("QueueMemberStatus\nQueue: q\nInterface: PJSIP/a\nStatus: 1\nPaused: 0");
  ev("QueueCallerJoin\nUniqueid: 1\nQueue: q\nCallerIDNum: 5550001\nPosition: 1");
  ev("QueueCallerJoin\nUniqueid: 2\nQueue: q\nCallerIDNum: 5550002\nPosition: 2");
  ev("QueueCallerJoin\nUniqueid: 3\nQueue: q\nCallerIDNum: 5550003\nPosition: 3");
  ev("QueueCallerJoin\nUniqueid: 4\nQueue: q\nCallerIDNum: 5550004\nPosition: 4");
  s += "    -- Called PJSIP/a\n";
  ev("AgentCalled\nUniqueid: 1\nQueue: q\nInterface: PJSIP/a");
  ev("QueueCallerLeave\nUniqueid: 1\nQueue: q\nCount: 3");
  ev("AgentConnect\nUniqueid: 1\nQueue: q\nInterface: PJSIP/a\nHoldTime: 4");
  ev("HangupRequest\nUniqueid: 2\nChannel: SIP/t-2");
  ev("QueueCallerAbandon\nUniqueid: 2\nQueue: q\nPosition: 1");
  ev("QueueCallerLeave\nUniqueid: 2\nQueue: q");
  ev("Hangup\nUniqueid: 2");
  ev("QueueCallerAbandon\nUniqueid: 3\nQueue: q\nPosition: 1");
  ev("QueueCallerLeave\nUniqueid: 3\nQueue: q");
  ev("VarSet\nUniqueid: 3\nVariable: QUEUESTATUS\nValue: TIMEOUT");
  ev("DTMFEnd\nUniqueid: 4\nDigit: 5\nDirection: Received");
  ev("QueueCallerLeave\nUniqueid: 4\nQueue: q");
  ev("Newexten\nUniqueid: 4\nExten: 5");
  s += "[40 bytes missing in capture file]\n";
  ev("AgentComplete\nUniqueid: 1\nQueue: q\nInterface: PJSIP/a\nReason: agent");
  s += "Event: QueueCallerJoin\nUniqueid: 5\n";  // Cut.
  return s;
}

TEST(ami_replay, OwnFixtureWithEveryOutcome) {
  const std::string bytes = OwnFixture();
  const Replay whole = RunReplay(bytes);
  // 19 events: published 10 (member, 4 joins, AgentCalled, AgentConnect, Abandon of 2 after its
  // HangupRequest, QUEUESTATUS of 3, AgentComplete); pending 3 (Leave of 1, Abandon of 3, Leave
  // of 4); no_change 5 (HangupRequest of 2, Leaves of 2 and 3, Hangup of 2, DTMFEnd of 4);
  // ignored 1 (Newexten). 19 debug markers + 2 console lines; the gap; the cut join.
  const Counts expected{{"garbage_line", 21}, {"published", 10},  {"pending", 3},  {"no_change", 5},
                        {"ignored_event", 1}, {"capture_gap", 1}, {"truncated", 1}};
  EXPECT_EQ(whole.counts, expected);
  for (std::size_t chunk = 1; chunk < 40; ++chunk) {
    EXPECT_EQ(RunReplay(bytes, chunk).counts, expected) << "reads of " << chunk;
  }
  // Caller 4 left without an abandon after pressing a key: decided at the end (Expire).
  EXPECT_EQ(
      whole.envelopes,
      (Lines{"agent PJSIP/a AGENT_STATE_AVAILABLE [q]", "queued 1 q", "queued 2 q", "queued 3 q",
             "queued 4 q", "ringing PJSIP/a", "agent PJSIP/a AGENT_STATE_RESERVED c=1",
             "answered PJSIP/a", "agent PJSIP/a AGENT_STATE_ON_CONTACT c=1", "abandoned 2",
             "exited 3 EXIT_REASON_TIMEOUT", "ended ENDED_BY_AGENT", "wrapup PJSIP/a",
             "agent PJSIP/a AGENT_STATE_AVAILABLE", "exited 4 EXIT_REASON_KEY_PRESS"}));
}

}  // namespace
}  // namespace ccmon::ami
