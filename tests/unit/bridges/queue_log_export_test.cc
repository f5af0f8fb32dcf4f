// The table-export readers (CSV in the realtime and PBXware layouts, SQL dumps, psql output) and
// format sniffing, on hand-written exports.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bridges/asterisk_queue_log/table_export.h"

namespace ccmon::asterisk_queue_log {
namespace {

using Data = std::vector<std::string>;

ExportContents Read(const std::string& text, InputFormat format,
                    const TimeZone& zone = TimeZone::Utc()) {
  auto contents = ReadTableExport(text, format, zone);
  EXPECT_TRUE(contents.ok()) << contents.status().ToString();
  return contents.ok() ? *contents : ExportContents{};
}

// "time callid queue agent VERB data…" for compact comparisons.
std::vector<std::string> Lines(const ExportContents& c) {
  std::vector<std::string> out;
  for (const QueueLogRecord& r : c.records) {
    std::string line =
        std::to_string(r.time_ms) + " " + r.callid + " " + r.queue + " " + r.agent + " " + r.verb;
    for (const std::string& d : r.data) line += "|" + d;
    out.push_back(line);
  }
  return out;
}

TEST(queue_logCsvExport, RealtimeTableWithDataColumnsAndLocalTimes) {
  const std::string csv =
      "id,time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n"
      "1,2023-02-05 00:09:13,1675555752.0,Support,NONE,ENTERQUEUE,,200,1,,\n"
      "2,2023-02-05 00:09:21,1675555752.0,Support,PJSIP/400,CONNECT,8,1675555753.1,7,,\n"
      "\n"
      "3,2023-02-05 00:09:26.250,1675555752.0,Support,PJSIP/400,COMPLETEAGENT,8,5,1,,\n";
  const ExportContents c = Read(csv, InputFormat::kCsv);
  EXPECT_EQ(Lines(c), (std::vector<std::string>{
                          "1675555753000 1675555752.0 Support NONE ENTERQUEUE||200|1||",
                          "1675555761000 1675555752.0 Support PJSIP/400 CONNECT|8|1675555753.1|7||",
                          "1675555766250 1675555752.0 Support PJSIP/400 COMPLETEAGENT|8|5|1||",
                      }));
  EXPECT_TRUE(c.malformed.empty());
  EXPECT_EQ(c.blocks, 1u);
  // The same rows from a server in Berlin (UTC+1 in February) are an hour earlier in UTC.
  auto berlin = TimeZone::Load("Europe/Berlin");
  if (berlin.ok()) {
    EXPECT_EQ(Read(csv, InputFormat::kCsv, *berlin).records.front().time_ms,
              1'675'555'753'000 - 3'600'000);
  }
}

TEST(queue_logCsvExport, SingleDataColumnIsSplitOnBars) {
  const ExportContents c = Read(
      "time,callid,queuename,agent,event,data\n"
      "1700000000,c1,q,NONE,ENTERQUEUE,|5551234|1\n"
      "\"2023-11-14 22:13:25\",c1,q,NONE,ABANDON,1|1|5\n",
      InputFormat::kCsv);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[0].data, (Data{"", "5551234", "1"}));
  EXPECT_EQ(c.records[1].data, (Data{"1", "1", "5"}));
  EXPECT_EQ(c.records[1].time_ms, 1'700'000'005'000);  // A date-time, read in UTC.
}

TEST(queue_logCsvExport, PbxwareColumnsArePutBackWhereAsteriskWritesThem) {
  const std::string csv =
      "uid,date_time,callid,queue_name,type,event,param1,param2,param3,entpos,expos,htime,ttime,"
      "time\n"
      "13,1543602677,1543602660.197,IT,NONE,ENTERQUEUE,+15550001111,,,1,0,0,0,\"2018-11-30 "
      "13:31:17\"\n"
      "14,1543602687,1543602660.197,IT,Agent/1141,RINGNOANSWER,+15550001111,,,1,1,10000,0,"
      "\"2018-11-30 13:31:28\"\n"
      "19,1543602753,1543602660.197,IT,Agent/1127,CONNECT,,x.232,6,0,0,76,0,\"2018-11-30 "
      "13:32:34\"\n"
      "20,1543603600,1543602660.197,IT,Agent/1127,COMPLETECALLER,+15550001111,,,1,0,76,847,"
      "\"2018-11-30 13:46:41\"\n"
      "295,1543852316,1543852103.1644,IT,NONE,ABANDON,+15550002222,,,2,1,197,0,\"2018-12-03 "
      "10:51:57\"\n"
      "928,1543938963,1543938872.1743,IT,Agent/1128,BLINDTRANSFER,+15550003333,1142,transfer,1,0,"
      "6,38,\"2018-12-04 10:56:03\"\n"
      "6,1543598990,1543598985.25,NONE,Agent/1127,AGENTCALLBACKLOGIN,hint:1127@default,,,0,0,0,0,"
      "\"2018-11-30 12:29:50\"\n";
  const ExportContents c = Read(csv, InputFormat::kCsv);
  // Sorted by date_time (epoch seconds; the local `time` column is not needed).
  EXPECT_EQ(
      Lines(c),
      (std::vector<std::string>{
          "1543598990000 1543598985.25 NONE Agent/1127 AGENTCALLBACKLOGIN|hint:1127@default||",
          "1543602677000 1543602660.197 IT NONE ENTERQUEUE||+15550001111|1",
          "1543602687000 1543602660.197 IT Agent/1141 RINGNOANSWER|10000",
          "1543602753000 1543602660.197 IT Agent/1127 CONNECT|76|x.232|6",
          "1543603600000 1543602660.197 IT Agent/1127 COMPLETECALLER|76|847|1",
          "1543852316000 1543852103.1644 IT NONE ABANDON|1|2|197",
          "1543938963000 1543938872.1743 IT Agent/1128 BLINDTRANSFER|1142|transfer|6|38|1",
      }));
}

TEST(queue_logCsvExport, RowsThatAreNotRecordsAreCountedNotFatal) {
  const ExportContents c = Read(
      "time,callid,queuename,agent,event,data1\n"
      "1700000000,c1,q,NONE,ENTERQUEUE\n"   // One column short.
      "yesterday,c1,q,NONE,ENTERQUEUE,x\n"  // Bad time.
      "1700000001,c1,q,NONE,,x\n"           // No event.
      "1700000002,c1,q,NONE,ABANDON,1\n"
      "1700000003,c1,q,NONE,ABANDON,\"never closed\n",
      InputFormat::kCsv);
  EXPECT_EQ(c.records.size(), 1u);
  ASSERT_EQ(c.malformed.size(), 4u);
  EXPECT_EQ(c.malformed[0].line, 2u);
  EXPECT_EQ(c.malformed[0].reason, "5 columns where the header has 6");
  EXPECT_EQ(c.malformed[1].reason, "bad time");
  EXPECT_EQ(c.malformed[2].reason, "empty event");
  EXPECT_EQ(c.malformed[3].reason, "quote never closed");
}

TEST(queue_logCsvExport, AFileThatIsNotAQueueLogSaysWhichColumnsAreMissing) {
  auto c = ReadTableExport("ext,name,value\n6001,name,IT\n", InputFormat::kCsv, TimeZone::Utc());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "not a queue_log table: columns missing: time, callid, queuename, agent, event, "
            "data1..data5 or data");
}

TEST(queue_logSqlExport, InsertStatementsWithColumnsFromTheCreateTable) {
  const std::string sql = R"(-- MySQL dump
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `queue_log`;
CREATE TABLE `queue_log` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `time` datetime DEFAULT NULL COMMENT 'when, local (server)',
  `callid` varchar(80) DEFAULT NULL,
  `queuename` varchar(256) DEFAULT NULL,
  `agent` varchar(80) DEFAULT NULL,
  `event` varchar(32) DEFAULT NULL,
  `data1` varchar(100) DEFAULT NULL, `data2` varchar(100) DEFAULT NULL,
  `data3` varchar(100) DEFAULT NULL, `data4` varchar(100), `data5` varchar(100),
  PRIMARY KEY (`id`), KEY `ev` (`event`,`time`)
) ENGINE=InnoDB;
CREATE TABLE `cdr` (`calldate` datetime, `src` varchar(80));
INSERT INTO `cdr` VALUES ('2023-01-01 00:00:00','5551234');
INSERT INTO `queue_log` VALUES (1,'2023-02-09 02:24:08','c1','Support','NONE','ENTERQUEUE','','300','1','',''),
(2,'2023-02-09 02:24:20','c1','Support','PJSIP/400','RINGCANCELED','11193',NULL,'','',''),(3,'2023-02-09 02:24:20','c1','Support','NONE','ABANDON','1','1','11','','');
INSERT INTO queue_log (time, callid, queuename, agent, event, data1) VALUES ('2023-02-09 03:00:00','c2','Support','NONE','PAUSE','it\'s lunch; a ''long'' one');
)";
  const ExportContents c = Read(sql, InputFormat::kSql);
  EXPECT_EQ(Lines(c), (std::vector<std::string>{
                          "1675909448000 c1 Support NONE ENTERQUEUE||300|1||",
                          // Same second: written order kept.
                          "1675909460000 c1 Support PJSIP/400 RINGCANCELED|11193||||",
                          "1675909460000 c1 Support NONE ABANDON|1|1|11||",
                          "1675911600000 c2 Support NONE PAUSE|it's lunch; a 'long' one",
                      }));
  EXPECT_EQ(c.blocks, 2u);
  EXPECT_EQ(c.skipped_rows, 1u);  // The cdr row.
  EXPECT_TRUE(c.malformed.empty());
}

TEST(queue_logSqlExport, InsertWithoutAnyColumnNamesUsesTheRealtimeLayoutByCount) {
  const ExportContents c = Read(
      "INSERT INTO queue_log VALUES (7,'2023-02-09 02:24:08','c1','q','NONE','ENTERQUEUE','',"
      "'300','1','',''),(8,'2023-02-09 02:24:09','c1','q','NONE','ABANDON','1','1','1','','');\n"
      "INSERT INTO queue_log VALUES ('2023-02-09 02:25:00','c2','q','NONE','ENTERQUEUE','|301|1');",
      InputFormat::kSql);
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[2].data, (Data{"", "301", "1"}));
}

TEST(queue_logSqlExport, ADumpWithoutQueueLogRowsIsNotAQueueLog) {
  auto c = ReadTableExport("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n",
                           InputFormat::kSql, TimeZone::Utc());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("table t"), std::string::npos) << c.status().message();
}

TEST(queue_logPsqlExport, TablesInADocumentNewestFirstBlocksReversedThenSortedStably) {
  const std::string text = R"(Some prose.

::

         time        | callid | queuename |   agent    |   event    | data1 | data2 | data3 | data4 | data5
---------------------+--------+-----------+------------+------------+-------+-------+-------+-------+-------
 2012-07-04 07:33:23 | c1     | q1        | Agent/3001 | CONNECT    | 2     | x.27  | 1     |       |
 2012-07-04 07:33:21 | c1     | q1        | NONE       | ENTERQUEUE |       | 1000  | 1     |       |
(2 rows)

Another block, oldest first, a value with a bar and one with a wide character:

         time        | callid | queuename |   agent    | event | data1 | data2 | data3 | data4 | data5
---------------------+--------+-----------+------------+-------+-------+-------+-------+-------+-------
 2012-07-04 07:40:00 | c2     | q1        | Agent/3001 | PAUSE | a|b   |       |       |       |
 2012-07-04 07:40:01 | c2     | q1        | Agent/3001 | PAUSE | é     |       |       |       |
 2012-07-04 07:40:02 | c2     | q1        | Agent/3001 | PAUSE | é|x   |       |       |       |
)";
  const ExportContents c = Read(text, InputFormat::kPsql);
  EXPECT_EQ(c.blocks, 2u);
  EXPECT_EQ(c.reversed_blocks, 1u);
  EXPECT_EQ(Lines(c), (std::vector<std::string>{
                          "1341387201000 c1 q1 NONE ENTERQUEUE||1000|1||",
                          "1341387203000 c1 q1 Agent/3001 CONNECT|2|x.27|1||",
                          "1341387600000 c2 q1 Agent/3001 PAUSE|a|b||||",
                          "1341387601000 c2 q1 Agent/3001 PAUSE|é||||",
                      }));
  // The last row is neither aligned (wide character) nor splittable (its value holds a bar).
  ASSERT_EQ(c.malformed.size(), 1u);
  EXPECT_EQ(c.malformed[0].line, 17u);
  EXPECT_EQ(c.malformed[0].reason, "11 columns where the header has 10");
}

TEST(queue_logPsqlExport, NoTableIsAnError) {
  EXPECT_FALSE(ReadTableExport("just | text\n", InputFormat::kPsql, TimeZone::Utc()).ok());
}

TEST(queue_logInputFormat, SniffedFromTheFirstBytes) {
  EXPECT_EQ(SniffInputFormat(""), InputFormat::kQueueLogFile);
  EXPECT_EQ(SniffInputFormat("1596191926|NONE|NONE|NONE|QUEUESTART|\n"),
            InputFormat::kQueueLogFile);
  EXPECT_EQ(SniffInputFormat("\n1596191926.5|NONE|NONE|NONE|QUEUESTART|\n"),
            InputFormat::kQueueLogFile);
  EXPECT_EQ(SniffInputFormat("--\n-- Table structure\nCREATE TABLE `queue_log` (\n"),
            InputFormat::kSql);
  EXPECT_EQ(SniffInputFormat("INSERT INTO queue_log VALUES (1);"), InputFormat::kSql);
  EXPECT_EQ(SniffInputFormat("Title\n=====\n\n time | callid\n------+-------\n"),
            InputFormat::kPsql);
  EXPECT_EQ(SniffInputFormat("\xEF\xBB\xBFuid,date_time,callid\n"), InputFormat::kCsv);
  EXPECT_EQ(*ParseInputFormat("psql"), InputFormat::kPsql);
  EXPECT_FALSE(ParseInputFormat("auto"));
  EXPECT_EQ(InputFormatName(InputFormat::kSql), "sql");
}

}  // namespace
}  // namespace ccmon::asterisk_queue_log
