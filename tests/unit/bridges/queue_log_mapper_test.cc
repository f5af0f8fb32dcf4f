// QueueLogMapper on hand-written queue_log lines: every verb, the parameter layouts of each
// Asterisk version, QUEUESTART, agents, outcomes, and the saved state.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/bridges/queue_log_testing.h"

namespace ccmon::asterisk_queue_log {
namespace {

using testing::LineMapper;
using testing::TestHasher;
using Events = std::vector<std::string>;
using Outcomes = std::vector<std::string>;

// Short hash prefix as Describe() prints it.
std::string Key(const std::string& number) { return TestHasher().Hash(number).substr(0, 8); }

TEST(queue_logMapper, AnsweredCallInTheLayoutOfAsterisk18To22) {
  LineMapper m;
  EXPECT_EQ(m.Map({
                "1700000000|1700000000.1|sales|NONE|ENTERQUEUE||5551234|2",
                "1700000015|1700000000.1|sales|SIP/200|RINGNOANSWER|15000",
                "1700000020|1700000000.1|sales|SIP/201|CONNECT|20|1700000016.7|4",
                "1700000080|1700000000.1|sales|SIP/201|COMPLETECALLER|20|60|2",
            }),
            (Outcomes{"published", "published", "published", "published"}));
  EXPECT_EQ(m.Take(), (Events{
                          "1700000000000 Queued 1700000000.1 sales pos=2 caller=" + Key("5551234"),
                          "1700000015000 RingTimeout 1700000000.1 sales SIP/200 15000ms",
                          // A member the queue rang serves it (static members have no ADDMEMBER).
                          "1700000015000 Agent SIP/200 AVAILABLE [sales]",
                          "1700000020000 Answered 1700000000.1 sales SIP/201",
                          "1700000020000 Agent SIP/201 ON_CONTACT [sales] on=1700000000.1",
                          "1700000080000 Ended 1700000000.1 sales ENDED_BY_CALLER",
                          // No after-contact-work line exists: wrap-up ends with the call.
                          "1700000080000 WrapUpEnded 1700000000.1 sales SIP/201",
                          "1700000080000 Agent SIP/201 AVAILABLE [sales]",
                      }));
  EXPECT_EQ(m.mapper().calls_in_progress(), 0u);
}

TEST(queue_logMapper, OldestLayoutsOfAsterisk12And14AreReadToo) {
  LineMapper m;
  // 1.2: ENTERQUEUE url|cid (no position), CONNECT hold, COMPLETEAGENT hold|call.
  m.Map({"1100000000|1100000000.5|q|NONE|ENTERQUEUE||5551234",
         "1100000005|1100000000.5|q|Agent/1001|CONNECT|5",
         "1100000065|1100000000.5|q|Agent/1001|COMPLETEAGENT|5|60"});
  // 1.4: CONNECT hold|uniqueid; RINGNOANSWER in milliseconds.
  m.Map({"1200000000|1200000000.5|q|NONE|ENTERQUEUE||5550000",
         "1200000004|1200000000.5|q|Agent/1002|RINGNOANSWER|4000",
         "1200000009|1200000000.5|q|Agent/1002|CONNECT|9|1200000005.6"});
  EXPECT_EQ(m.Take(), (Events{
                          "1100000000000 Queued 1100000000.5 q pos=0 caller=" + Key("5551234"),
                          "1100000005000 Answered 1100000000.5 q Agent/1001",
                          "1100000005000 Agent Agent/1001 ON_CONTACT [q] on=1100000000.5",
                          "1100000065000 Ended 1100000000.5 q ENDED_BY_AGENT",
                          "1100000065000 WrapUpEnded 1100000000.5 q Agent/1001",
                          "1100000065000 Agent Agent/1001 AVAILABLE [q]",
                          "1200000000000 Queued 1200000000.5 q pos=0 caller=" + Key("5550000"),
                          "1200000004000 RingTimeout 1200000000.5 q Agent/1002 4000ms",
                          "1200000004000 Agent Agent/1002 AVAILABLE [q]",
                          "1200000009000 Answered 1200000000.5 q Agent/1002",
                          "1200000009000 Agent Agent/1002 ON_CONTACT [q] on=1200000000.5",
                      }));
}

TEST(queue_logMapper, CallerIdsAreHashedPseudonymsLikeRealNumbersAndAnonymousIsEmpty) {
  LineMapper m;
  m.Map({"1700000000|c1|q|NONE|ENTERQUEUE||+15558470551|1",
         "1700000000|c2|q|NONE|ENTERQUEUE||15558470551|2", "1700000000|c3|q|NONE|ENTERQUEUE|||3",
         "1700000000|c4|q|NONE|ENTERQUEUE||anonymous|4", "1700000000|c5|q|NONE|ENTERQUEUE||200|5"});
  ASSERT_EQ(m.sink().messages().size(), 5u);
  const auto key = [&](int i) {
    return m.sink().messages()[i].envelope.contact_queued().caller_key();
  };
  EXPECT_EQ(key(0), TestHasher().Hash("+15558470551"));
  EXPECT_EQ(key(0).size(), 32u);
  EXPECT_EQ(key(0), key(1));  // The same caller whatever the formatting.
  EXPECT_EQ(key(2), "");
  EXPECT_EQ(key(3), "");
  EXPECT_EQ(key(4), TestHasher().Hash("200"));  // Internal extensions are callers too.
  for (const auto& msg : m.sink().messages()) {
    EXPECT_EQ(msg.envelope.SerializeAsString().find("5558470551"), std::string::npos);
  }
}

TEST(queue_logMapper, EveryExitVerbHasItsReasonWhateverItsFieldCount) {
  LineMapper m;
  const char* const exits[][2] = {
      {"ABANDON|3|1|30", ""},
      {"EXITWITHTIMEOUT|2", "EXIT_REASON_TIMEOUT"},  // 1.2–13: one call site writes pos only.
      {"EXITWITHTIMEOUT|2|3|300", "EXIT_REASON_TIMEOUT"},
      {"EXITEMPTY|1|1|12", "EXIT_REASON_NO_AGENTS"},
      {"EXITWITHKEY|5|1", "EXIT_REASON_KEY_PRESS"},  // ≤ 11: key|pos.
      {"EXITWITHKEY|5|1|2|40", "EXIT_REASON_KEY_PRESS"},
      {"WITHDRAW|1|1|40|callback offered", "EXIT_REASON_WITHDRAWN"},
      {"AGENTDUMP|", "EXIT_REASON_UNSPECIFIED"},
      {"SYSCOMPAT|", "EXIT_REASON_UNSPECIFIED"},
  };
  int i = 0;
  for (const auto& [tail, reason] : exits) {
    const std::string id = "c" + std::to_string(++i);
    EXPECT_EQ(m.MapOne("1700000000|" + id + "|q|NONE|ENTERQUEUE||555|1"), "published");
    EXPECT_EQ(m.MapOne("1700000030|" + id + "|q|NONE|" + tail), "published") << tail;
    const Events e = m.Take();
    ASSERT_EQ(e.size(), 2u) << tail;
    if (std::string(reason).empty()) {
      EXPECT_EQ(e[1], "1700000030000 Abandoned " + id + " q pos=3");
    } else {
      EXPECT_EQ(e[1], "1700000030000 Exited " + id + " q " + reason) << tail;
    }
  }
  EXPECT_EQ(m.mapper().calls_in_progress(), 0u);
}

TEST(queue_logMapper, TransfersNameTheirDestinationAndARequeuedCallComesFromItsQueue) {
  LineMapper m;
  m.Map({"1700000000|c1|sales|NONE|ENTERQUEUE||555|1",
         "1700000005|c1|sales|PJSIP/201|CONNECT|5|1700000001.2|3",
         "1700000065|c1|sales|PJSIP/201|BLINDTRANSFER|6001|from-queue|5|60|1",
         // The dialplan sends the caller to the support queue: same channel, same id.
         "1700000066|c1|support|NONE|ENTERQUEUE||555|1"});
  EXPECT_EQ(m.Take(),
            (Events{
                "1700000000000 Queued c1 sales pos=1 caller=" + Key("555"),
                "1700000005000 Answered c1 sales PJSIP/201",
                "1700000005000 Agent PJSIP/201 ON_CONTACT [sales] on=c1",
                "1700000065000 Transferred c1 sales dest=6001@from-queue blind",
                "1700000065000 WrapUpEnded c1 sales PJSIP/201",
                "1700000065000 Agent PJSIP/201 AVAILABLE [sales]",
                "1700000066000 Queued c1 support pos=1 caller=" + Key("555") + " from=sales",
            }));
  // Attended transfers: BRIDGE|id, APP|name, LINK|chan|chan; timings are read from the right.
  m.Map({"1700000100|c2|q|NONE|ENTERQUEUE||555|1", "1700000101|c2|q|PJSIP/1|CONNECT|1|x|1",
         "1700000160|c2|q|PJSIP/1|ATTENDEDTRANSFER|BRIDGE|b-42|1|59|1",
         "1700000200|c3|q|NONE|ENTERQUEUE||555|1", "1700000201|c3|q|PJSIP/1|CONNECT|1|x|1",
         "1700000260|c3|q|PJSIP/1|ATTENDEDTRANSFER|LINK|PJSIP/9-1|PJSIP/8-2|1|59|1",
         // Asterisk ≤ 11 wrote TRANSFER for every native transfer.
         "1300000000|c4|q|NONE|ENTERQUEUE||555|1", "1300000001|c4|q|SIP/1|CONNECT|1|x|1",
         "1300000060|c4|q|SIP/1|TRANSFER|200|ctx|1|59|1"});
  std::vector<std::string> transfers;
  for (const std::string& e : m.Take()) {
    if (e.find("Transferred") != std::string::npos) transfers.push_back(e);
  }
  EXPECT_EQ(transfers, (Events{"1700000160000 Transferred c2 q dest=b-42 attended",
                               "1700000260000 Transferred c3 q dest=PJSIP/9-1,PJSIP/8-2 attended",
                               "1300000060000 Transferred c4 q dest=200@ctx blind"}));
}

TEST(queue_logMapper, CallsTurnedAwayBeforeEnteringAreOfferedAndExitAtOnce) {
  LineMapper m;
  // Wazo/XiVO write these with QueueLog(): no ENTERQUEUE precedes them.
  EXPECT_EQ(m.Map({"1341401275|j1|q1|NONE|JOINEMPTY|", "1341402016|j2|q1|NONE|FULL|",
                   "1341402482|j3|q1|NONE|CLOSED|", "1341402483|j4|q1|NONE|DIVERT_HOLDTIME|",
                   "1341402484|j5|q1|NONE|JOINUNAVAIL|"}),
            (Outcomes(5, "published")));
  EXPECT_EQ(m.Take(), (Events{
                          "1341401275000 Queued j1 q1 pos=0 caller=anon",
                          "1341401275000 Exited j1 q1 EXIT_REASON_NO_AGENTS",
                          "1341402016000 Queued j2 q1 pos=0 caller=anon",
                          "1341402016000 Exited j2 q1 EXIT_REASON_QUEUE_FULL",
                          "1341402482000 Queued j3 q1 pos=0 caller=anon",
                          "1341402482000 Exited j3 q1 EXIT_REASON_CLOSED",
                          "1341402483000 Queued j4 q1 pos=0 caller=anon",
                          "1341402483000 Exited j4 q1 EXIT_REASON_OVERFLOW",
                          "1341402484000 Queued j5 q1 pos=0 caller=anon",
                          "1341402484000 Exited j5 q1 EXIT_REASON_NO_AGENTS",
                      }));
  EXPECT_EQ(m.mapper().calls_in_progress(), 0u);
}

TEST(queue_logMapper, QueueStartClosesEveryCallInProgressAsLostAndCountsThem) {
  LineMapper m;
  m.Map({"1700000000|w1|q|NONE|ENTERQUEUE||555|1", "1700000001|t1|q|NONE|ENTERQUEUE||556|2",
         "1700000002|t1|q|SIP/7|CONNECT|1|x|1", "1700000003|w2|r|NONE|ENTERQUEUE||557|1"});
  m.Take();
  EXPECT_EQ(m.MapOne("1700000100|NONE|NONE|NONE|QUEUESTART|"), "published");
  EXPECT_EQ(m.Take(), (Events{
                          "1700000100000 Exited w1 q EXIT_REASON_LOST",
                          "1700000100000 Ended t1 q ENDED_BY_UNSPECIFIED",
                          "1700000100000 WrapUpEnded t1 q SIP/7",
                          "1700000100000 Agent SIP/7 AVAILABLE [q]",
                          "1700000100000 Exited w2 r EXIT_REASON_LOST",
                      }));
  EXPECT_EQ(m.mapper().stats().calls_lost_waiting, 2u);
  EXPECT_EQ(m.mapper().stats().calls_lost_talking, 1u);
  EXPECT_EQ(m.mapper().calls_in_progress(), 0u);
  // Nothing open: the restart publishes nothing, and its ends are not invented again.
  EXPECT_EQ(m.MapOne("1700000200|NONE|NONE|NONE|QUEUESTART|"), "restart_no_calls");
  EXPECT_EQ(m.MapOne("1700000201|w1|q|NONE|ABANDON|1|1|5"), "unmatched_call");
  EXPECT_TRUE(m.Take().empty());
}

TEST(queue_logMapper, OutcomesOfLinesThatPublishNothing) {
  LineMapper m;
  EXPECT_EQ(m.MapOne("1700000000|NONE|NONE|NONE|CONFIGRELOAD|"), "ignored_verb");
  for (const char* verb :
       {"RINGCANCELED|1000", "PENALTY|2", "RINGINUSE|1", "OUTCALL|ANSWER|5|x", "OUTDIAL|881142",
        "OUTANSWER|3318|COMPLETEAGENT", "OUTCANCEL|1", "OUTCHANUNAVAIL|1", "OUTCONGESTION|1",
        "OUTTRANSFER|1|1125", "DID|5551000", "INFO|IVRAPPEND|1"}) {
    EXPECT_EQ(m.MapOne(std::string("1700000000|1.1|q|Agent/1|") + verb), "ignored_verb") << verb;
  }
  EXPECT_EQ(m.MapOne("1700000000|1.1|q|NONE|MYCUSTOMVERB|x"), "unknown_verb");
  EXPECT_EQ(m.MapOne("1700000000|1.1|q|NONE|ABANDON|1|1|5"), "unmatched_call");
  EXPECT_EQ(m.MapOne("1700000000|1.1|q|NONE|CONNECT|1|x|1"), "unmatched_call");
  EXPECT_EQ(m.MapOne("not a queue_log line"), "malformed");
  EXPECT_EQ(m.MapOne("1700000000|NONE|q|NONE|ENTERQUEUE||555|1"), "malformed");    // No callid.
  EXPECT_EQ(m.MapOne("1700000000|1.1|NONE|NONE|ENTERQUEUE||555|1"), "malformed");  // No queue.
  EXPECT_EQ(m.MapOne("1700000000|NONE|NONE|SIP/1|ADDMEMBER|"), "malformed");
  EXPECT_EQ(m.MapOne("1700000000|NONE|q|NONE|PAUSE|lunch"), "malformed");  // No agent.
  EXPECT_EQ(m.MapOne("1700000000|NONE|q1|NONE|JOINEMPTY|"), "malformed");
  EXPECT_TRUE(m.Take().empty());
  // A second ENTERQUEUE of a call already waiting there says nothing new.
  EXPECT_EQ(m.MapOne("1700000000|d1|q|NONE|ENTERQUEUE||555|1"), "published");
  EXPECT_EQ(m.MapOne("1700000001|d1|q|NONE|ENTERQUEUE||555|1"), "duplicate_enter");
  EXPECT_EQ(m.Take().size(), 1u);
  // Verbs written by QueueLog() in lower case are still known.
  EXPECT_EQ(m.MapOne("1700000002|d1|q|NONE|abandon|1|1|2"), "published");
}

TEST(queue_logMapper, ReenteringWithoutAClosingLineIsQueuedFromTheEarlierQueue) {
  LineMapper m;
  m.Map({"1700000000|c1|a|NONE|ENTERQUEUE||555|1", "1700000010|c1|b|NONE|ENTERQUEUE||555|1",
         // After an exit the next entry is a new stay, not a transfer.
         "1700000020|c1|b|NONE|EXITWITHTIMEOUT|1|1|10", "1700000021|c1|c|NONE|ENTERQUEUE||555|1"});
  EXPECT_EQ(m.Take(), (Events{
                          "1700000000000 Queued c1 a pos=1 caller=" + Key("555"),
                          "1700000010000 Queued c1 b pos=1 caller=" + Key("555") + " from=a",
                          "1700000020000 Exited c1 b EXIT_REASON_TIMEOUT",
                          "1700000021000 Queued c1 c pos=1 caller=" + Key("555"),
                      }));
}

TEST(queue_logMapper, AgentsFollowMembershipPausesAndLogins) {
  LineMapper m;
  EXPECT_EQ(
      m.Map({
          "1700000000|MANAGER|sales|PJSIP/201|ADDMEMBER|",
          "1700000001|MANAGER|support|PJSIP/201|ADDMEMBER|PAUSED",  // 11+: added paused.
          "1700000002|NONE|sales|PJSIP/201|PAUSE|lunch|long",       // Reason text with a bar.
          "1700000003|NONE|support|PJSIP/201|UNPAUSE|",
          "1700000004|NONE|NONE|PJSIP/201|PAUSEALL|meeting",
          "1700000005|NONE|NONE|PJSIP/201|PAUSEALL|meeting",
          "1700000006|NONE|sales|PJSIP/201|UNPAUSE|",
          "1700000007|NONE|NONE|PJSIP/201|UNPAUSEALL|",
          "1700000008|MANAGER|sales|PJSIP/201|REMOVEMEMBER|",
          "1700000009|MANAGER|support|PJSIP/201|REMOVEMEMBER|",
      }),
      (Outcomes{"published", "published", "published", "published", "published", "agent_unchanged",
                "published", "agent_unchanged", "published", "published"}));
  EXPECT_EQ(m.Take(), (Events{
                          "1700000000000 Agent PJSIP/201 AVAILABLE [sales]",
                          // Paused in support only: it still takes sales calls.
                          "1700000001000 Agent PJSIP/201 AVAILABLE [sales,support]",
                          "1700000002000 Agent PJSIP/201 NOT_READY reason=lunch|long "
                          "[sales,support]",
                          "1700000003000 Agent PJSIP/201 AVAILABLE [sales,support]",
                          "1700000004000 Agent PJSIP/201 NOT_READY reason=meeting "
                          "[sales,support]",
                          // UNPAUSE sales after PAUSEALL leaves support paused: available.
                          "1700000006000 Agent PJSIP/201 AVAILABLE [sales,support]",
                          "1700000008000 Agent PJSIP/201 AVAILABLE [support]",
                          // Removed from its last queue: logged out.
                          "1700000009000 Agent PJSIP/201 LOGGED_OUT",
                      }));
  // chan_agent and callback logins (PBXware and Wazo still write AGENTCALLBACK*).
  EXPECT_EQ(m.Map({"1700000100|1.1|NONE|Agent/3001|AGENTCALLBACKLOGIN|1002@pcm-dev",
                   "1700000200|NONE|NONE|Agent/3001|AGENTCALLBACKLOGOFF|1002@pcm-dev|100|"
                   "CommandLogoff",
                   "1700000201|NONE|NONE|Agent/3001|UNPAUSEALL|",
                   "1700000202|NONE|q1|Agent/3001|UNPAUSE|",
                   "1700000300|1.2|NONE|Agent/1001|AGENTLOGIN|SIP/1001",
                   "1700000400|1.2|NONE|Agent/1001|AGENTLOGOFF|SIP/1001|100"}),
            (Outcomes{"published", "published", "agent_unchanged", "agent_unchanged", "published",
                      "published"}));
  EXPECT_EQ(m.Take(), (Events{
                          "1700000100000 Agent Agent/3001 AVAILABLE",
                          "1700000200000 Agent Agent/3001 LOGGED_OUT",
                          "1700000300000 Agent Agent/1001 AVAILABLE",
                          "1700000400000 Agent Agent/1001 LOGGED_OUT",
                      }));
  // An agent first seen paused is a logged-in member.
  EXPECT_EQ(m.MapOne("1700000500|NONE|q9|SIP/9|PAUSE|Auto-Pause"), "published");
  EXPECT_EQ(m.Take(), (Events{"1700000500000 Agent SIP/9 NOT_READY reason=Auto-Pause [q9]"}));
}

TEST(queue_logMapper, AgentPausedDuringACallIsNotReadyAfterIt) {
  LineMapper m;
  m.Map({"1700000000|MANAGER|q|SIP/1|ADDMEMBER|", "1700000001|c1|q|NONE|ENTERQUEUE||5|1",
         "1700000002|c1|q|SIP/1|CONNECT|1|x|1", "1700000003|NONE|q|SIP/1|PAUSE|break",
         "1700000060|c1|q|SIP/1|COMPLETEAGENT|1|58|1"});
  const Events e = m.Take();
  ASSERT_GE(e.size(), 2u);
  EXPECT_EQ(e.back(), "1700000060000 Agent SIP/1 NOT_READY reason=break [q]");
  EXPECT_EQ(m.counts().Get("agent_unchanged"), 1u);  // The PAUSE while on the call.
}

TEST(queue_logMapper, SilentCallsAreForgottenAfterADayWithoutEvents) {
  LineMapper m;
  m.Map({"1700000000|c1|q|NONE|ENTERQUEUE||5|1", "1700000001|c2|q|NONE|ENTERQUEUE||6|2"});
  m.Map({"1700050000|c2|q|NONE|RINGNOANSWER|1000"});
  m.Map({"1700090000|NONE|NONE|NONE|CONFIGRELOAD|"});  // 25 h after c1's last line.
  EXPECT_EQ(m.mapper().stats().calls_forgotten, 1u);
  EXPECT_EQ(m.mapper().calls_in_progress(), 1u);
}

TEST(queue_logMapper, SavedStateLetsAnotherMapperContinueTheSameStream) {
  const std::vector<std::string> first = {
      "1700000000|MANAGER|sales|Local/201@from-queue/n|ADDMEMBER|",
      "1700000001|NONE|sales|Local/201@from-queue/n|PAUSE|lunch break, 30 min",
      "1700000002|c1 x|sales|NONE|ENTERQUEUE||555|1",
      "1700000003|c2|sales support|NONE|ENTERQUEUE||556|1",
      "1700000004|c2|sales support|Agent/7|CONNECT|1|x|1",
      "1700000005|c3|sales|NONE|ENTERQUEUE||557|1",
      "1700000006|c3|sales|Agent/7|RINGNOANSWER|1000",
      "1700000007|c4|sales|NONE|ENTERQUEUE||558|1",
      "1700000008|c4|sales|SIP/2|CONNECT|1|x|1",
      "1700000009|c4|sales|SIP/2|BLINDTRANSFER|-|%|1|1|1",
  };
  const std::vector<std::string> second = {
      "1700000010|c4|other|NONE|ENTERQUEUE||558|1",
      "1700000011|NONE|sales|Local/201@from-queue/n|UNPAUSE|",
      "1700000012|c2|sales support|Agent/7|COMPLETECALLER|1|8|1",
      "1700000013|NONE|NONE|NONE|QUEUESTART|",
  };
  LineMapper whole;
  whole.Map(first);
  whole.Map(second);

  LineMapper before;
  before.Map(first);
  const std::string state = before.mapper().SaveState();
  LineMapper after;
  ASSERT_TRUE(after.mapper().RestoreState(state).ok());
  EXPECT_EQ(after.mapper().SaveState(), state);
  after.Map(second);

  Events stitched = before.Take();
  const Events rest = after.Take();
  stitched.insert(stitched.end(), rest.begin(), rest.end());
  EXPECT_EQ(stitched, whole.Take());
  EXPECT_EQ(after.mapper().stats().calls_lost_waiting, 3u);  // c1 x, c3, c4 (in "other").
}

TEST(queue_logMapper, RestoreRefusesTextThatIsNotAStateAndKeepsItsOwn) {
  LineMapper m;
  m.Map({"1700000002|c1|sales|NONE|ENTERQUEUE||555|1"});
  for (const char* bad : {"hello\n", "call c1 q 1 2 3\n", "call c1 q x 2 0 -\n",
                          "agent a 1 0 - - - - 1 99 - - -\n", "call c%zz q 1 2 0 -\n"}) {
    const Status s = m.mapper().RestoreState(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("state line 1"), std::string::npos) << s.message();
  }
  EXPECT_EQ(m.mapper().calls_in_progress(), 1u);
}

}  // namespace
}  // namespace ccmon::asterisk_queue_log
