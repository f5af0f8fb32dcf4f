// Framing of the AMI byte stream: messages, the banner, garbage and debug lines, capture-gap
// markers, truncation, oversized input, and the same items whatever the split of the stream.
#include "bridges/asterisk_ami/ami_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ccmon::ami {
namespace {

// An item reduced to something comparable: "M:Event=QueueCallerJoin,Queue=q1", "G", "B:5.0.1"…
std::string Describe(const Item& item) {
  switch (item.kind) {
    case ItemKind::kMessage: {
      std::string out = "M:";
      for (std::size_t i = 0; i < item.message.headers.size(); ++i) {
        if (i > 0) out += ',';
        out += item.message.headers[i].key + "=" + item.message.headers[i].value;
      }
      return out;
    }
    case ItemKind::kBanner:
      return "B:" + item.text;
    case ItemKind::kGarbageLine:
      return "G";
    case ItemKind::kCaptureGap:
      return "Gap:" + std::to_string(item.missing_bytes);
    case ItemKind::kTruncated:
      return "T";
    case ItemKind::kOversized:
      return "O";
  }
  return "?";
}

std::vector<std::string> FrameAll(Framer& framer, const std::vector<std::string>& chunks,
                                  bool finish = true) {
  std::vector<std::string> out;
  const auto emit = [&](Item& item) { out.push_back(Describe(item)); };
  for (const std::string& c : chunks) framer.Feed(c, emit);
  if (finish) framer.Finish(emit);
  return out;
}

std::vector<std::string> FrameAll(const std::string& text, FramerLimits limits = {}) {
  Framer framer(limits);
  return FrameAll(framer, {text});
}

using Items = std::vector<std::string>;

TEST(ami_framer, CrLfMessagesEndAtTheEmptyLine) {
  EXPECT_EQ(FrameAll("Asterisk Call Manager/5.0.1\r\n"
                     "Response: Success\r\nMessage: Authentication accepted\r\n\r\n"
                     "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"),
            (Items{"B:5.0.1", "M:Response=Success,Message=Authentication accepted",
                   "M:Event=FullyBooted,Privilege=system,all,Status=Fully Booted"}));
}

TEST(ami_framer, LfOnlyBlankOnlyLinesAndEmptyValues) {
  // The panoramisk captures start with a line holding one space; values may be empty or hold ':'.
  EXPECT_EQ(FrameAll(" \nEvent: Newexten\nAccountCode: \nAppData: a:b c\nInfo:\n  \n"),
            (Items{"M:Event=Newexten,AccountCode=,AppData=a:b c,Info="}));
}

TEST(ami_framer, HeaderKeysAreFoundIgnoringCase) {
  Framer framer;
  Message m;
  framer.Feed("Event: QueueCallerJoin\r\nUNIQUEID: 1.2\r\nqueue: q1\r\n\r\n",
              [&](Item& item) { m = item.message; });
  EXPECT_EQ(m.Get("Uniqueid"), "1.2");
  EXPECT_EQ(m.Get("Queue"), "q1");
  EXPECT_TRUE(m.Has("event"));
  EXPECT_EQ(m.Find("Position"), nullptr);
  EXPECT_EQ(m.Get("Position"), "");
  EXPECT_EQ(m.FirstKey(), "Event");
}

TEST(ami_framer, DebugAndConsoleLinesAreGarbageBetweenMessages) {
  // As in the ViStepRU capture: a debug marker right before the event, console output after it.
  EXPECT_EQ(
      FrameAll("<-- Examining AMI event: -->\n"
               "Event: Newchannel\nUniqueid: 1.1\n\n\n"
               "    -- Executing [888999@incoming:1] Gosub(\"SIP/x\", \"a:b\") in new stack\n"
               "[Dec 26 14:43:50] NOTICE[9404]: chan_sip.c:24592 peer reachable\n"
               "<-- Examining AMI event: -->\n"
               "Event: VarSet\nVariable: X\n\n"),
      (Items{"G", "M:Event=Newchannel,Uniqueid=1.1", "G", "G", "G", "M:Event=VarSet,Variable=X"}));
}

TEST(ami_framer, ANonHeaderLineEndsTheMessageBeingRead) {
  // DumpChan output in the ViStepRU capture: "Info:" looks like a header, its lines do not.
  EXPECT_EQ(FrameAll("Dumping Info For Channel: SIP/777-000000bc:\n"
                     "Info:\nName=               SIP/777-000000bc\n"
                     "SIPCALLID=2ba2@10.100.111.249:5060\n"
                     "Event: Newexten\nUniqueid: 1.3\n\n"),
            (Items{"G", "M:Info=", "G", "G", "M:Event=Newexten,Uniqueid=1.3"}));
}

TEST(ami_framer, CaptureGapMarkerIsCountedAndTheRestIsReadAsALine) {
  // As in panoramisk agent_loggued_in.yaml: after a blank line, the marker glued to "Event:".
  EXPECT_EQ(FrameAll("Event: A\nX: 1\n\n[218 bytes missing in capture file]Event: Newexten\n"
                     "Uniqueid: 9\n\n"),
            (Items{"M:Event=A,X=1", "Gap:218", "M:Event=Newexten,Uniqueid=9"}));
}

TEST(ami_framer, CaptureGapInsideAMessageTruncatesIt) {
  EXPECT_EQ(FrameAll("Event: A\nX: 1\n[5 bytes missing in capture file]Uniqueid: 2\n\n"
                     "[7 bytes missing in capture file][8 bytes missing in capture file]\n"),
            (Items{"T", "Gap:5", "M:Uniqueid=2", "Gap:7", "Gap:8"}));
}

TEST(ami_framer, BracketLinesThatAreNotGapMarkersAreGarbage) {
  EXPECT_EQ(FrameAll("[12 bytes missing]\n[x bytes missing in capture file]\n"), (Items{"G", "G"}));
}

TEST(ami_framer, StreamEndingInsideAMessageOrLineIsTruncated) {
  EXPECT_EQ(FrameAll("Event: A\n\nEvent: B\nUniqueid: 1\n"), (Items{"M:Event=A", "T"}));
  EXPECT_EQ(FrameAll("Event: A\n\nEvent: B\nUniq"), (Items{"M:Event=A", "T"}));
  EXPECT_EQ(FrameAll("Event: A\n\n"), (Items{"M:Event=A"}));
  EXPECT_EQ(FrameAll(""), (Items{}));
}

TEST(ami_framer, FinishLeavesTheFramerReadyForANewStream) {
  Framer framer;
  EXPECT_EQ(FrameAll(framer, {"Event: A\nX: 1"}), (Items{"T"}));
  EXPECT_EQ(FrameAll(framer, {"Event: B\n\n"}), (Items{"M:Event=B"}));
  framer.Feed("Event: C\n", [](Item&) {});
  framer.Reset();
  EXPECT_EQ(FrameAll(framer, {"Event: D\n\n"}), (Items{"M:Event=D"}));
}

TEST(ami_framer, OversizedLinesAndMessagesAreDroppedWithTheirMessage) {
  FramerLimits limits;
  limits.max_line_bytes = 32;
  limits.max_message_bytes = 64;
  limits.max_headers = 3;
  const std::string long_value(100, 'x');
  // A long line drops its message; the lines after it up to the blank line belong to it.
  EXPECT_EQ(FrameAll("Event: A\nValue: " + long_value + "\nUniqueid: 1\n\nEvent: B\n\n", limits),
            (Items{"O", "M:Event=B"}));
  // Too many headers.
  EXPECT_EQ(FrameAll("Event: A\nB: 1\nC: 2\nD: 3\nE: 4\n\nEvent: F\n\n", limits),
            (Items{"O", "M:Event=F"}));
  // Too many bytes in one message.
  EXPECT_EQ(FrameAll("Event: A\nB: 0123456789012345678901\nC: 0123456789012345678901\n"
                     "D: 01234567890123456789\n\nEvent: F\n\n",
                     limits),
            (Items{"O", "M:Event=F"}));
  // A long line split over several reads is still one oversized item.
  Framer framer(limits);
  EXPECT_EQ(FrameAll(framer, {std::string(20, 'y'), std::string(20, 'y'), std::string(50, 'y'),
                              "\nEvent: G\n\n"}),
            (Items{"O", "M:Event=G"}));
}

// A stream with every kind of item, as a live socket or a capture could deliver it.
std::string MixedStream() {
  return "Asterisk Call Manager/2.10.3\r\n"
         "Response: Success\r\nActionID: ccmon-1\r\nMessage: Authentication accepted\r\n\r\n"
         "<-- Examining AMI event: -->\n"
         "Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nUniqueid: 1514295827.372\r\n"
         "Queue: Q1\r\nPosition: 1\r\n\r\n"
         "    -- Started music on hold, class 'default'\n"
         " \n"
         "[12 bytes missing in capture file]Event: Leave\nUniqueid: 7\n\n"
         "Event: AgentConnect\nQueue: Q1\nHoldTime: 9\n"
         "[3 bytes missing in capture file]\n"
         "Event: Hangup\r\nCause-txt: Normal Clearing\r\n\r\n"
         "Event: Cut";
}

TEST(ami_framer, EverySplitOfTheStreamGivesTheSameItems) {
  const std::string stream = MixedStream();
  Framer whole;
  const Items expected = FrameAll(whole, {stream});
  ASSERT_EQ(
      expected,
      (Items{"B:2.10.3", "M:Response=Success,ActionID=ccmon-1,Message=Authentication accepted", "G",
             "M:Event=QueueCallerJoin,Privilege=agent,all,Uniqueid=1514295827.372,Queue=Q1,"
             "Position=1",
             "G", "Gap:12", "M:Event=Leave,Uniqueid=7", "T", "Gap:3",
             "M:Event=Hangup,Cause-txt=Normal Clearing", "T"}));
  // Two reads, split at every byte position (including a CR/LF pair cut in half).
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    Framer framer;
    EXPECT_EQ(FrameAll(framer, {stream.substr(0, cut), stream.substr(cut)}), expected)
        << "split at " << cut;
  }
  // One byte per read.
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  Framer framer;
  EXPECT_EQ(FrameAll(framer, bytes), expected);
  // Three reads at every pair of positions (coarse grid to keep it fast).
  for (std::size_t a = 0; a <= stream.size(); a += 7) {
    for (std::size_t b = a; b <= stream.size(); b += 5) {
      Framer f;
      EXPECT_EQ(FrameAll(f, {stream.substr(0, a), stream.substr(a, b - a), stream.substr(b)}),
                expected)
          << "split at " << a << " and " << b;
    }
  }
}

}  // namespace
}  // namespace ccmon::ami
