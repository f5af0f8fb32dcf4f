// Every real queue_log in ../shared/data/asterisk-queue-log replayed through the readers and the
// mapper, with the exact count of every outcome and event. The expectations were worked out by
// reading the files (the derivation is in the comments); nothing is left unexplained. The data is
// not in the repository: each test skips when it is absent (tests/testing/shared_data.h).
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "bridges/asterisk_queue_log/queue_log_input.h"
#include "bridges/asterisk_queue_log/table_export.h"
#include "tests/testing/shared_data.h"
#include "tests/unit/bridges/queue_log_testing.h"

namespace ccmon::asterisk_queue_log {
namespace {

using Counts = std::map<std::string, std::uint64_t, std::less<>>;

struct Replay {
  ExportContents contents;
  bridges::InputCounts counts;
  CapturingSink sink;
  MapperStats stats;
  std::size_t calls_open = 0;
  std::map<std::string, int> events;  // By event name ("contact_queued", …).
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void ReplayFile(const std::string& name, InputFormat format, const TimeZone& zone, Replay* r) {
  const std::string path = ::ccmon::testing::SharedDataFile("asterisk-queue-log/" + name).string();
  EXPECT_EQ(SniffInputFormat(ReadAll(path).substr(0, 16 * 1024)), format) << name;
  auto contents = ReadTableExportFile(path, format, zone);
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  r->contents = *contents;
  QueueLogMapper mapper(&r->sink, &testing::TestHasher());
  const ManualClock clock(0);
  ASSERT_TRUE(ReplayExport(r->contents, &mapper, &r->counts, &clock).ok());
  r->stats = mapper.stats();
  r->calls_open = mapper.calls_in_progress();
  for (const auto& m : r->sink.messages()) {
    const auto* field = v1::Envelope::descriptor()->FindFieldByNumber(m.envelope.event_case());
    ++r->events[field != nullptr ? field->name() : "none"];
  }
}

// Bicom PBXware's export of its queue_log table: 1000 rows, 2018-11-29 to 2018-12-04, one queue.
TEST(queue_logRealData, PbxwareCsvExportReplaysWithEveryRowExplained) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-queue-log/srinimonster-voipreports1__queue_log.csv");
  Replay r;
  ReplayFile("srinimonster-voipreports1__queue_log.csv", InputFormat::kCsv, TimeZone::Utc(), &r);
  // date_time is epoch seconds and rows are already in time order: nothing reversed, one block.
  EXPECT_EQ(r.contents.blocks, 1u);
  EXPECT_EQ(r.contents.reversed_blocks, 0u);
  EXPECT_EQ(r.counts.Total(), 1000u);
  EXPECT_EQ(r.counts.all(),
            (Counts{
                // 108 ENTERQUEUE + 360 RINGNOANSWER + 93 CONNECT + 51 COMPLETEAGENT + 38
                // COMPLETECALLER + 12 ABANDON + 1 EXITWITHTIMEOUT + 1 BLINDTRANSFER + 1
                // ATTENDEDTRANSFER = 665 call lines, each for a call in progress (every call's
                // lines follow its ENTERQUEUE; none re-enters), plus 46 of the 60 member lines.
                {"published", 711},
                // 14 member lines change nothing: the 12 ADDMEMBER that Asterisk writes (callid
                // MANAGER) when it re-adds its persistent members after a QUEUESTART (uids 94,
                // 95, 120, 121, 774–777, 779–782: every one was already a member), and 2
                // AGENTCALLBACKLOGOFF of agents still on a call (uid 405: Agent/1141 during call
                // 1543856502.2350, which ends at uid 410; uid 892: Agent/1144 during call
                // 1543936185.1258, ended at uid 904) — they are shown logged out when it ends.
                {"agent_unchanged", 14},
                // The 7 QUEUESTART rows find no call in progress.
                {"restart_no_calls", 7},
                // 11 CONFIGRELOAD + PBXware's outbound-call rows: 128 OUTDIAL, 77 OUTANSWER, 24
                // OUTCANCEL, 18 OUTCHANUNAVAIL, 9 OUTCONGESTION, 1 OUTTRANSFER.
                {"ignored_verb", 268},
            }));
  EXPECT_EQ(r.events, (std::map<std::string, int>{
                          {"contact_queued", 108},
                          {"contact_ring_timeout", 360},
                          {"contact_answered", 93},
                          {"contact_ended", 89},
                          // 89 completions + 2 transfers after answer.
                          {"wrap_up_ended", 91},
                          {"contact_abandoned", 12},
                          {"contact_exited", 1},
                          {"contact_transferred", 2},
                          // Logins, logoffs, memberships, and each answer and end of a call.
                          {"agent_state_changed", 233},
                      }));
  // The export was cut at 1000 rows: two calls still talking, two still waiting.
  EXPECT_EQ(r.calls_open, 4u);
  EXPECT_EQ(r.stats.calls_lost_waiting + r.stats.calls_lost_talking, 0u);
  // Ring times are milliseconds (htime 9000/10000 for the 10 s ring timeout); the exit was
  // EXITWITHTIMEOUT after maxwait 300 s.
  int long_rings = 0;
  for (const auto& m : r.sink.messages()) {
    const auto& e = m.envelope;
    if (e.has_contact_ring_timeout() && e.contact_ring_timeout().ring_ms() >= 9000) ++long_rings;
    if (e.has_contact_exited()) {
      EXPECT_EQ(e.contact_exited().reason(), v1::EXIT_REASON_TIMEOUT);
    }
    if (e.has_contact_queued()) {
      // Pseudonymised numbers are hashed like real ones: never published in clear.
      EXPECT_EQ(e.contact_queued().caller_key().size(), 32u);
      EXPECT_EQ(e.SerializeAsString().find("+1555"), std::string::npos);
    }
  }
  EXPECT_GT(long_rings, 300);
}

// PBXware's queue configuration is not a queue_log: refused with the missing columns named.
TEST(queue_logRealData, PbxwareQueueConfigurationIsNotAQueueLog) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-queue-log/srinimonster-voipreports1__queues.csv");
  auto c = ReadTableExportFile(
      ::ccmon::testing::SharedDataFile("asterisk-queue-log/srinimonster-voipreports1__queues.csv")
          .string(),
      InputFormat::kCsv, TimeZone::Utc());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("columns missing"), std::string::npos);
}

// MalariaPBX: a mysqldump extract of an Asterisk 18+ realtime queue_log (85 rows, DATETIME).
TEST(queue_logRealData, MalariaPbxSqlDumpReplaysWithEveryRowExplained) {
  CCMON_REQUIRE_SHARED_DATA(
      "asterisk-queue-log/36Nabaloum-MalariaPBX__baseAsterisk.queue_log-table.sql");
  Replay r;
  ReplayFile("36Nabaloum-MalariaPBX__baseAsterisk.queue_log-table.sql", InputFormat::kSql,
             TimeZone::Utc(), &r);
  EXPECT_EQ(r.contents.blocks, 1u);
  EXPECT_EQ(r.counts.all(),
            (Counts{
                // 8 calls: 8 ENTERQUEUE, 2 CONNECT, 1 COMPLETEAGENT, 1 COMPLETECALLER, 2
                // RINGNOANSWER, 5 ABANDON, 1 EXITWITHTIMEOUT.
                {"published", 20},
                // 18 QUEUESTART, each between calls.
                {"restart_no_calls", 18},
                // 46 CONFIGRELOAD and the RINGCANCELED of id 24 (its ABANDON follows, id 25).
                {"ignored_verb", 47},
            }));
  EXPECT_EQ(r.events, (std::map<std::string, int>{
                          {"contact_queued", 8},
                          {"contact_ring_timeout", 2},
                          {"contact_answered", 2},
                          {"contact_ended", 2},
                          {"wrap_up_ended", 2},
                          {"contact_abandoned", 5},
                          {"contact_exited", 1},
                          // PJSIP/400: on a call and free again, twice.
                          {"agent_state_changed", 4},
                      }));
  EXPECT_EQ(r.calls_open, 0u);
  // The DATETIME column is the server's local time; read as UTC every ENTERQUEUE comes 0–1 s
  // after its callid (the channel's creation time), so that server ran on UTC.
  for (const QueueLogRecord& rec : r.contents.records) {
    if (rec.verb != "ENTERQUEUE") continue;
    // A uniqueid is <creation time in seconds>.<sequence number>.
    const std::int64_t created = std::stoll(rec.callid.substr(0, rec.callid.find('.'))) * 1000;
    EXPECT_GE(rec.time_ms - created, 0) << rec.callid;
    EXPECT_LE(rec.time_ms - created, 2000) << rec.callid;
  }
  // RINGNOANSWER data1 is milliseconds: 15000 and 13000.
  std::vector<std::uint32_t> rings;
  for (const auto& m : r.sink.messages()) {
    if (m.envelope.has_contact_ring_timeout()) {
      rings.push_back(m.envelope.contact_ring_timeout().ring_ms());
    }
  }
  EXPECT_EQ(rings, (std::vector<std::uint32_t>{15000, 13000}));
}

// Wazo/XiVO documentation page: psql dumps of real rows, one block per scenario, some newest
// first. The server was in Quebec (callid 1341401601.24 = 11:33:21 UTC is 07:33:21 local).
TEST(queue_logRealData, WazoPsqlBlocksReplayWithEveryRowExplained) {
  CCMON_REQUIRE_SHARED_DATA("asterisk-queue-log/wazo-xivo-doc__queue_log_samples.rst");
  auto montreal = TimeZone::Load("America/Montreal");
  if (!montreal.ok()) GTEST_SKIP() << "zoneinfo not installed";
  Replay r;
  ReplayFile("wazo-xivo-doc__queue_log_samples.rst", InputFormat::kPsql, *montreal, &r);
  // 8 scenarios; "Agent callback logoff" (4 rows) and "get answered" (2 rows) are newest first.
  EXPECT_EQ(r.contents.blocks, 8u);
  EXPECT_EQ(r.contents.reversed_blocks, 2u);
  EXPECT_TRUE(r.contents.malformed.empty());
  EXPECT_EQ(r.counts.all(),
            (Counts{
                // AGENTCALLBACKLOGIN and AGENTCALLBACKLOGOFF of Agent/3001; JOINEMPTY, FULL and
                // CLOSED (offered and turned away at once); ENTERQUEUE and CONNECT of
                // 1341401601.24.
                {"published", 7},
                // After its logoff, Agent/3001's UNPAUSEALL, UNPAUSE q1 and UNPAUSE q2 leave it
                // logged out.
                {"agent_unchanged", 3},
                // Single-row scenarios whose call began outside the sample: COMPLETEAGENT of
                // 1341401851.34 and ABANDON of 1341402586.51.
                {"unmatched_call", 2},
            }));
  EXPECT_EQ(r.events, (std::map<std::string, int>{
                          {"contact_queued", 4},
                          {"contact_exited", 3},
                          {"contact_answered", 1},
                          {"agent_state_changed", 3},
                      }));
  const std::vector<std::string> described = testing::DescribeAll(r.sink);
  EXPECT_EQ(described, (std::vector<std::string>{
                           "1341343643896 Agent Agent/3001 AVAILABLE",
                           "1341343686249 Agent Agent/3001 LOGGED_OUT",
                           "1341401275640 Queued 1341401275.9 q1 pos=0 caller=anon",
                           "1341401275640 Exited 1341401275.9 q1 EXIT_REASON_NO_AGENTS",
                           "1341401601165 Queued 1341401601.24 q1 pos=1 caller=" +
                               testing::TestHasher().Hash("1000").substr(0, 8),
                           "1341401603085 Answered 1341401601.24 q1 Agent/3001",
                           // The UNPAUSE lines of the logoff block showed it serves q1 and q2.
                           "1341401603085 Agent Agent/3001 ON_CONTACT [q1,q2] on=1341401601.24",
                           "1341402017339 Queued 1341402016.44 q1 pos=0 caller=anon",
                           "1341402017339 Exited 1341402016.44 q1 EXIT_REASON_QUEUE_FULL",
                           "1341402483455 Queued 1341402482.49 q1 pos=0 caller=anon",
                           "1341402483455 Exited 1341402482.49 q1 EXIT_REASON_CLOSED",
                       }));
}

}  // namespace
}  // namespace ccmon::asterisk_queue_log
