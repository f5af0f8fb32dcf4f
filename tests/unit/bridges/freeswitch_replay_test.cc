// Replays of mod_callcenter events through the event-socket parser and the Mapper: the
// documentation's example events in ../shared/data/freeswitch-callcenter (skips without it), each
// framed as FreeSWITCH frames a plain event, with the exact outcome of every event; and a full
// fixture of our own (always runs) with URL-encoded values and channel variables as the module
// sends them.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_parser.h"
#include "common/caller_key.h"
#include "common/publisher.h"
#include "tests/testing/envelope_text.h"
#include "tests/testing/esl_frames.h"
#include "tests/testing/shared_data.h"
#include "tests/testing/stream_replay.h"

namespace ccmon::freeswitch {
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
    case v1::Envelope::kContactRingTimeout:
      return "ring_timeout " + e.contact_ring_timeout().agent_id();
    case v1::Envelope::kAgentStateChanged:
      return "agent " + e.agent_state_changed().agent_id() + " " +
             v1::AgentState_Name(e.agent_state_changed().state());
    default:
      return testing::ContactEventText(e);
  }
}

using Replay = testing::MappedReplay;

// Feeds `stream` in reads of `chunk` bytes (0 = one read), then ends the stream.
Replay RunReplay(const std::string& stream, std::size_t chunk = 0) {
  CapturingSink sink("replay", 1);
  const CallerKeyHasher hasher = CallerKeyHasher::FromKeyHex(std::string(64, 'e')).value();
  Mapper mapper(&sink, &hasher);
  return testing::ReplayStream<EslParser>(stream, chunk, mapper, sink, kT0, Render);
}

TEST(freeswitch_replay, DocumentationExampleEvents) {
  CCMON_REQUIRE_SHARED_DATA(
      "freeswitch-callcenter/signalwire-freeswitch-docs__mod_callcenter_example_events.txt");
  const std::string page = testing::ReadFileBytes(testing::SharedDataFile(
      "freeswitch-callcenter/signalwire-freeswitch-docs__mod_callcenter_example_events.txt"));
  const std::vector<std::string> events = testing::DocumentedEslEvents(page);
  // One example each of agent-status-change, agent-state-change, agent-offering,
  // bridge-agent-start, bridge-agent-end, bridge-agent-fail, members-count, member-queue-start and
  // member-queue-end (Terminated and Cancel): 10.
  ASSERT_EQ(events.size(), 10u);
  std::string stream;
  for (const std::string& e : events) stream += testing::EslEventFrame(e);
  // The examples do not form one call: each uses its own member session UUID. So:
  //   published 4: agent-status-change (1000@default available), agent-state-change (Receiving:
  //                reserved), member-queue-start (b77c49c2…), and member-queue-end Terminated of
  //                that member (its answer, never announced by a bridge-agent-start of the same
  //                session, is taken from the end event: answered, ended, wrap-up);
  //   unknown_contact 5: agent-offering (600165a4…), bridge-agent-start, -end and -fail
  //                (c6360976…), member-queue-end Cancel/TIMEOUT (e260ffd0…), sessions never queued;
  //   ignored_event 1: members-count.
  // Their CC-*-Time values (9000, 10000, …) are placeholders: ignored, the arrival time is used.
  const Counts expected{{"published", 4}, {"unknown_contact", 5}, {"ignored_event", 1}};
  const Replay r = RunReplay(stream);
  EXPECT_EQ(r.counts, expected);
  for (std::size_t chunk = 1; chunk < 60; chunk += 2) {
    EXPECT_EQ(RunReplay(stream, chunk).counts, expected) << "reads of " << chunk;
  }
  EXPECT_EQ(r.envelopes, (Lines{"agent 1000@default AGENT_STATE_AVAILABLE",
                                "agent 1000@default AGENT_STATE_RESERVED",
                                "queued b77c49c2-a732-11df-9438-e7d9456f8886 support@default",
                                "answered ", "ended ENDED_BY_UNSPECIFIED", "wrapup "}));
  for (const auto& m : r.messages) EXPECT_EQ(m.envelope.time_unix_ms(), kT0);
  const CallerKeyHasher hasher = CallerKeyHasher::FromKeyHex(std::string(64, 'e')).value();
  EXPECT_EQ(r.messages[2].envelope.contact_queued().caller_key(), hasher.Hash("4385551212"));
  EXPECT_EQ(r.messages[2].topic, "v1.default.support_default.");
}

// A plain event as mod_event_socket writes it: URL-encoded values, standard headers.
std::string Plain(const std::vector<std::pair<std::string, std::string>>& fields,
                  std::int64_t micros) {
  const auto encode = [](const std::string& v) {
    std::string out;
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out.push_back(static_cast<char>(c));
      } else {
        static const char* kHex = "0123456789ABCDEF";
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  };
  std::string body =
      "Event-Name: CUSTOM\nCore-UUID: 2f6a-core\nEvent-Date-Timestamp: " + std::to_string(micros) +
      "\nEvent-Subclass: callcenter%3A%3Ainfo\n";
  for (const auto& [k, v] : fields) body += k + ": " + encode(v) + "\n";
  return testing::EslEventFrame(body + "\n");
}

TEST(freeswitch_replay, OwnFixtureOfAnAnsweredAndAnAbandonedCall) {
  const std::int64_t t = 1'767'225'600'000'000;  // µs
  const auto s = [](int seconds) { return std::to_string(1'767'225'600 + seconds); };
  std::string stream =
      "Content-Type: auth/request\n\n"
      "Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
      "Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n";
  stream += Plain({{"CC-Action", "agent-status-change"},
                   {"CC-Agent", "1000@default"},
                   {"CC-Agent-Status", "Available"}},
                  t);
  stream += Plain({{"CC-Action", "member-queue-start"},
                   {"CC-Queue", "support@default"},
                   {"CC-Member-UUID", "m1"},
                   {"CC-Member-Session-UUID", "call-1"},
                   {"CC-Member-CID-Name", "Caller One"},
                   {"CC-Member-CID-Number", "+1 514 555 1212"},
                   {"Answer-State", "answered"},
                   {"Channel-Call-State", "ACTIVE"}},
                  t + 1'000'000);
  stream += Plain({{"CC-Action", "member-queue-start"},
                   {"CC-Queue", "support@default"},
                   {"CC-Member-UUID", "m2"},
                   {"CC-Member-Session-UUID", "call-2"},
                   {"CC-Member-CID-Number", "5145550000"}},
                  t + 2'000'000);
  stream += Plain({{"CC-Action", "members-count"},
                   {"CC-Queue", "support@default"},
                   {"CC-Count", "2"},
                   {"CC-Selection", "Single-Queue"}},
                  t + 2'000'001);
  stream += Plain({{"CC-Action", "agent-state-change"},
                   {"CC-Agent", "1000@default"},
                   {"CC-Agent-State", "Receiving"}},
                  t + 3'000'000);
  stream += Plain({{"CC-Action", "agent-offering"},
                   {"CC-Queue", "support@default"},
                   {"CC-Agent", "1000@default"},
                   {"CC-Member-Session-UUID", "call-1"}},
                  t + 3'000'001);
  stream += Plain({{"CC-Action", "bridge-agent-start"},
                   {"CC-Queue", "support@default"},
                   {"CC-Agent", "1000@default"},
                   {"CC-Member-Session-UUID", "call-1"},
                   {"CC-Agent-Answered-Time", s(9)}},
                  t + 9'000'000);
  stream += Plain({{"CC-Action", "agent-state-change"},
                   {"CC-Agent", "1000@default"},
                   {"CC-Agent-State", "In a queue call"}},
                  t + 9'000'001);
  stream += Plain({{"CC-Action", "member-queue-end"},
                   {"CC-Queue", "support@default"},
                   {"CC-Member-Session-UUID", "call-2"},
                   {"CC-Cause", "Cancel"},
                   {"CC-Cancel-Reason", "BREAK_OUT"},
                   {"Answer-State", "hangup"}},
                  t + 20'000'000);
  stream += Plain({{"CC-Action", "bridge-agent-end"},
                   {"CC-Queue", "support@default"},
                   {"CC-Agent", "1000@default"},
                   {"CC-Member-Session-UUID", "call-1"},
                   {"variable_sip_hangup_disposition", "recv_bye"}},
                  t + 60'000'000);
  stream += Plain({{"CC-Action", "member-queue-end"},
                   {"CC-Queue", "support@default"},
                   {"CC-Member-Session-UUID", "call-1"},
                   {"CC-Cause", "Terminated"}},
                  t + 60'000'001);
  stream += Plain({{"CC-Action", "agent-state-change"},
                   {"CC-Agent", "1000@default"},
                   {"CC-Agent-State", "Waiting"}},
                  t + 60'000'002);
  stream +=
      "Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
      "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";
  // 3 protocol frames, 12 events (published 10; members-count ignored; the Terminated end after
  // bridge-agent-end changes nothing), the disconnect notice.
  const Counts expected{{"protocol", 3},
                        {"published", 10},
                        {"ignored_event", 1},
                        {"no_change", 1},
                        {"disconnect_notice", 1}};
  const Replay r = RunReplay(stream);
  EXPECT_EQ(r.counts, expected);
  for (std::size_t chunk = 1; chunk < 64; chunk += 3) {
    EXPECT_EQ(RunReplay(stream, chunk).counts, expected) << "reads of " << chunk;
  }
  EXPECT_EQ(r.envelopes,
            (Lines{"agent 1000@default AGENT_STATE_AVAILABLE", "queued call-1 support@default",
                   "queued call-2 support@default", "agent 1000@default AGENT_STATE_RESERVED",
                   "ringing 1000@default", "agent 1000@default AGENT_STATE_RESERVED",
                   "answered 1000@default", "agent 1000@default AGENT_STATE_ON_CONTACT",
                   "abandoned call-2", "ended ENDED_BY_AGENT", "wrapup 1000@default",
                   "agent 1000@default AGENT_STATE_AVAILABLE"}));
  EXPECT_EQ(r.messages[1].envelope.time_unix_ms(), 1'767'225'601'000);
  EXPECT_EQ(r.messages[6].envelope.time_unix_ms(), 1'767'225'609'000);
  const CallerKeyHasher hasher = CallerKeyHasher::FromKeyHex(std::string(64, 'e')).value();
  EXPECT_EQ(r.messages[1].envelope.contact_queued().caller_key(), hasher.Hash("15145551212"));
}

}  // namespace
}  // namespace ccmon::freeswitch
