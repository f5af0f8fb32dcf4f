// The queue_log line parser and the timestamp parsers, on hand-written lines in the layouts of
// every Asterisk version (reference/event-formats.md §1.1–1.3).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bridges/asterisk_queue_log/queue_log_record.h"

namespace ccmon::asterisk_queue_log {
namespace {

using Data = std::vector<std::string>;

QueueLogRecord Parse(const std::string& line) {
  QueueLogRecord r;
  const Status s = ParseQueueLogLine(line, &r);
  EXPECT_TRUE(s.ok()) << line << ": " << s.ToString();
  return r;
}

std::string Reject(const std::string& line) {
  QueueLogRecord r;
  const Status s = ParseQueueLogLine(line, &r);
  EXPECT_FALSE(s.ok()) << line;
  return s.message();
}

TEST(queue_logLine, HeaderFieldsAndDataAreSplitOnEveryBar) {
  const QueueLogRecord r = Parse("1366720340|1366720340.303267|sales|NONE|ENTERQUEUE||5551234|1");
  EXPECT_EQ(r.time_ms, 1'366'720'340'000);
  EXPECT_EQ(r.callid, "1366720340.303267");
  EXPECT_EQ(r.queue, "sales");
  EXPECT_EQ(r.agent, "NONE");
  EXPECT_EQ(r.verb, "ENTERQUEUE");
  EXPECT_EQ(r.data, (Data{"", "5551234", "1"}));
  EXPECT_EQ(r.Data(2), "5551234");
  EXPECT_EQ(r.Data(4), "");  // Beyond the written parameters: empty, not an error.
  EXPECT_EQ(r.Data(0), "");
}

TEST(queue_logLine, VerbWithoutDataEndsInABarOrNot) {
  // Asterisk writes "…|QUEUESTART|" (the data part is empty); hand-written logs may omit the bar.
  EXPECT_EQ(Parse("1596191926|NONE|NONE|NONE|QUEUESTART|").data, (Data{""}));
  EXPECT_TRUE(Parse("1596191926|NONE|NONE|NONE|QUEUESTART").data.empty());
}

TEST(queue_logLine, CarriageReturnOfACrLfFileIsIgnored) {
  EXPECT_EQ(Parse("1596191926|1.2|q|SIP/1|CONNECT|3|1.3|2\r").data, (Data{"3", "1.3", "2"}));
}

TEST(queue_logLine, MalformedLinesSayWhyWithoutQuotingTheLine) {
  EXPECT_EQ(Reject(""), "fewer than 5 fields");
  EXPECT_EQ(Reject("1596191926|1.2|q|NONE"), "fewer than 5 fields");
  EXPECT_EQ(Reject("yesterday|1.2|q|NONE|ABANDON|1|1|5"), "bad timestamp");
  EXPECT_EQ(Reject("-5|1.2|q|NONE|ABANDON|1|1|5"), "bad timestamp");
  EXPECT_EQ(Reject("0|1.2|q|NONE|ABANDON|1|1|5"), "bad timestamp");
  EXPECT_EQ(Reject("1596191926|1.2|q|NONE||1|1|5"), "empty verb");
  // The reason never contains the caller number of the line.
  EXPECT_EQ(Reject("x|1.2|q|NONE|ENTERQUEUE||+15551234567|1").find("5551234567"),
            std::string::npos);
}

// The same call in the layouts of successive versions: the parser keeps every parameter as
// written, whatever their number (the mapper reads them tolerantly).
TEST(queue_logLine, EveryVersionLayoutKeepsItsParameters) {
  struct Case {
    const char* line;
    Data data;
  };
  const Case cases[] = {
      // 1.2: ENTERQUEUE url|cid, CONNECT hold, COMPLETE* hold|call, EXITWITHTIMEOUT pos,
      // EXITWITHKEY key|pos, TRANSFER exten|ctx.
      {"1100000000|1.1|q|NONE|ENTERQUEUE||5551234", {"", "5551234"}},
      {"1100000005|1.1|q|Agent/1|CONNECT|5", {"5"}},
      {"1100000065|1.1|q|Agent/1|COMPLETECALLER|5|60", {"5", "60"}},
      {"1100000065|1.2|q|NONE|EXITWITHTIMEOUT|2", {"2"}},
      {"1100000065|1.3|q|NONE|EXITWITHKEY|5|1", {"5", "1"}},
      {"1100000065|1.4|q|Agent/1|TRANSFER|200|from-internal", {"200", "from-internal"}},
      // 1.4: CONNECT hold|uniqueid, RINGNOANSWER ms, TRANSFER +hold|call.
      {"1200000005|1.1|q|SIP/200|CONNECT|5|1200000000.9", {"5", "1200000000.9"}},
      {"1200000005|1.1|q|SIP/200|RINGNOANSWER|15000", {"15000"}},
      {"1200000065|1.4|q|SIP/200|TRANSFER|200|ctx|5|60", {"200", "ctx", "5", "60"}},
      // 1.8 / 11: ENTERQUEUE +opos, CONNECT +ring, COMPLETE +opos, EXIT* pos|opos|wait.
      {"1300000000|1.1|q|NONE|ENTERQUEUE||5551234|1", {"", "5551234", "1"}},
      {"1300000005|1.1|q|SIP/200|CONNECT|5|1300000000.9|4", {"5", "1300000000.9", "4"}},
      {"1300000065|1.1|q|SIP/200|COMPLETEAGENT|5|60|1", {"5", "60", "1"}},
      {"1300000065|1.2|q|NONE|EXITWITHTIMEOUT|2|3|300", {"2", "3", "300"}},
      {"1300000065|1.2|q|NONE|EXITEMPTY|1|1|12", {"1", "1", "12"}},
      {"1300000065|1.2|q|NONE|ABANDON|1|2|30", {"1", "2", "30"}},
      {"1300000065|1.4|q|SIP/200|TRANSFER|200|ctx|5|60|1", {"200", "ctx", "5", "60", "1"}},
      // 13+: EXITWITHKEY key|pos|opos|wait, BLIND/ATTENDEDTRANSFER, PJSIP members.
      {"1500000065|1.3|q|NONE|EXITWITHKEY|5|1|2|40", {"5", "1", "2", "40"}},
      {"1500000065|1.4|q|PJSIP/201|BLINDTRANSFER|200|ctx|5|60|1", {"200", "ctx", "5", "60", "1"}},
      {"1500000065|1.4|q|PJSIP/201|ATTENDEDTRANSFER|BRIDGE|b-1|5|60|1",
       {"BRIDGE", "b-1", "5", "60", "1"}},
      {"1500000065|1.4|q|PJSIP/201|ATTENDEDTRANSFER|LINK|PJSIP/9-1|PJSIP/8-2|5|60|1",
       {"LINK", "PJSIP/9-1", "PJSIP/8-2", "5", "60", "1"}},
      // 16+: RINGCANCELED ms, PAUSEALL reason; 20+: WITHDRAW; 23+: ENTERQUEUE +cidname.
      {"1600000005|1.1|q|PJSIP/201|RINGCANCELED|11193", {"11193"}},
      {"1600000005|NONE|NONE|PJSIP/201|PAUSEALL|lunch", {"lunch"}},
      {"1700000065|1.2|q|NONE|WITHDRAW|1|1|40|callback offered",
       {"1", "1", "40", "callback offered"}},
      {"1750000000|1.1|q|NONE|ENTERQUEUE||5551234|1|Jane_Doe", {"", "5551234", "1", "Jane_Doe"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Parse(c.line).data, c.data) << c.line;
  }
}

TEST(queue_logEpochTime, SecondsFractionsAndMilliseconds) {
  EXPECT_EQ(ParseEpochTime("1341343640"), 1'341'343'640'000);
  EXPECT_EQ(ParseEpochTime("1341343640.896208"), 1'341'343'640'896);
  EXPECT_EQ(ParseEpochTime("1341343640.9"), 1'341'343'640'900);
  // Twelve digits or more are milliseconds: as seconds they would be after the year 5000.
  EXPECT_EQ(ParseEpochTime("1341343640896"), 1'341'343'640'896);
  EXPECT_FALSE(ParseEpochTime(""));
  EXPECT_FALSE(ParseEpochTime("0"));
  EXPECT_FALSE(ParseEpochTime("12a"));
  EXPECT_FALSE(ParseEpochTime("1341343640."));
  EXPECT_FALSE(ParseEpochTime(".5"));
  EXPECT_FALSE(ParseEpochTime("1341343640.8.9"));
  EXPECT_FALSE(ParseEpochTime("99999999999999999999999"));
}

TEST(queue_logLocalDateTime, RealtimeTableTimesInUtc) {
  const TimeZone utc = TimeZone::Utc();
  EXPECT_EQ(ParseLocalDateTime("2023-02-05 00:09:13", utc), 1'675'555'753'000);
  EXPECT_EQ(ParseLocalDateTime("2012-07-04 11:33:21.165823", utc), 1'341'401'601'165);
  EXPECT_EQ(ParseLocalDateTime("2012-07-04T11:33:21", utc), 1'341'401'601'000);
  EXPECT_EQ(ParseLocalDateTime("2024-02-29 00:00:00", utc), 1'709'164'800'000);
  for (const char* bad : {"", "2023-02-30 00:00:00", "2023-13-01 00:00:00", "2023-02-05",
                          "2023-02-05 24:00:00", "2023-02-05 00:09:13.", "2023/02/05 00:09:13",
                          "1969-12-31 23:59:59", "2023-02-05 00:09:13 +01"}) {
    EXPECT_FALSE(ParseLocalDateTime(bad, utc)) << bad;
  }
}

TEST(queue_logLocalDateTime, ZoneOffsetsIncludingTheHoursClocksSkipOrRepeat) {
  auto toronto = TimeZone::Load("America/Toronto");
  auto berlin = TimeZone::Load("Europe/Berlin");
  if (!toronto.ok() || !berlin.ok()) GTEST_SKIP() << "zoneinfo not installed";
  // The Wazo sample's 07:33:21 EDT is the 11:33:21 UTC of its callid 1341401601.24.
  EXPECT_EQ(ParseLocalDateTime("2012-07-04 07:33:21", *toronto), 1'341'401'601'000);
  // Berlin, 2023-03-26: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and is read with
  // the offset before the change (+1 h), i.e. 01:30 UTC.
  EXPECT_EQ(ParseLocalDateTime("2023-03-26 01:59:59", *berlin), 1'679'792'399'000);
  EXPECT_EQ(ParseLocalDateTime("2023-03-26 02:30:00", *berlin), 1'679'794'200'000);
  EXPECT_EQ(ParseLocalDateTime("2023-03-26 03:00:00", *berlin), 1'679'792'400'000);
  // 2023-10-29: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice, the first is taken.
  EXPECT_EQ(ParseLocalDateTime("2023-10-29 02:30:00", *berlin), 1'698'539'400'000);
  EXPECT_EQ(ParseLocalDateTime("2023-10-29 03:30:00", *berlin), 1'698'546'600'000);
}

TEST(queue_logCount, NonNegative32BitIntegersOnly) {
  EXPECT_EQ(ParseCount("0"), 0u);
  EXPECT_EQ(ParseCount("15000"), 15000u);
  EXPECT_EQ(ParseCount("4294967295"), 4294967295u);
  EXPECT_FALSE(ParseCount("4294967296"));
  EXPECT_FALSE(ParseCount(""));
  EXPECT_FALSE(ParseCount("-1"));
  EXPECT_FALSE(ParseCount("1.5"));
}

}  // namespace
}  // namespace ccmon::asterisk_queue_log
