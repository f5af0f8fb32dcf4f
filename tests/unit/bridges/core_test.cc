// Tests of what the platform bridges share: CSV records, outcome counts, and BridgeOutput's
// heartbeats and caller keys over a real ZeroMQ socket.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "bridges/core/csv.h"
#include "bridges/core/input_counts.h"
#include "bridges/core/output.h"

namespace ccmon::bridges {
namespace {

using Fields = std::vector<std::string>;

std::vector<Fields> ReadAll(const std::string& text, CsvReader::Result* last = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<Fields> records;
  Fields fields;
  CsvReader::Result r;
  while ((r = reader.Next(&fields)) == CsvReader::Result::kRecord) records.push_back(fields);
  if (last != nullptr) *last = r;
  return records;
}

TEST(CsvReader, PlainQuotedAndEmptyFields) {
  const auto records = ReadAll("a,b,c\n1,\"two, three\",\n\"\",x,\"say \"\"hi\"\"\"\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], (Fields{"a", "b", "c"}));
  EXPECT_EQ(records[1], (Fields{"1", "two, three", ""}));
  EXPECT_EQ(records[2], (Fields{"", "x", "say \"hi\""}));
}

TEST(CsvReader, CrLfLineBreakInsideQuotesAndNoFinalNewline) {
  std::istringstream in("h1,h2\r\n\"multi\nline\",2\r\nlast,row");
  CsvReader reader(in);
  Fields f;
  ASSERT_EQ(reader.Next(&f), CsvReader::Result::kRecord);
  EXPECT_EQ(reader.record_line(), 1u);
  ASSERT_EQ(reader.Next(&f), CsvReader::Result::kRecord);
  EXPECT_EQ(f, (Fields{"multi\nline", "2"}));
  EXPECT_EQ(reader.record_line(), 2u);
  ASSERT_EQ(reader.Next(&f), CsvReader::Result::kRecord);
  EXPECT_EQ(f, (Fields{"last", "row"}));
  EXPECT_EQ(reader.record_line(), 4u);
  EXPECT_EQ(reader.Next(&f), CsvReader::Result::kEnd);
}

TEST(CsvReader, ByteOrderMarkIsSkipped) {
  const auto records = ReadAll("\xEF\xBB\xBFid,x\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0][0], "id");
}

TEST(CsvReader, TornFileIsReportedNotGuessed) {
  CsvReader::Result last;
  const auto records = ReadAll("a,b\n1,\"never closed\n", &last);
  EXPECT_EQ(records.size(), 1u);
  EXPECT_EQ(last, CsvReader::Result::kTorn);
}

TEST(CsvReader, OtherSeparator) {
  EXPECT_EQ(SplitCsvLine("1|x|\"a|b\"", '|'), (Fields{"1", "x", "a|b"}));
  EXPECT_EQ(SplitCsvLine(""), (Fields{""}));
  EXPECT_EQ(SplitCsvLine("a,\"open"), (Fields{"a", "open"}));
}

TEST(InputCounts, EveryOutcomeIsCountedAndSummarised) {
  InputCounts counts;
  EXPECT_EQ(counts.Summary(), "none");
  counts.Add("published", 3);
  counts.Add("unknown_verb");
  counts.Add("published");
  EXPECT_EQ(counts.Get("published"), 4u);
  EXPECT_EQ(counts.Get("malformed"), 0u);
  EXPECT_EQ(counts.Total(), 5u);
  EXPECT_EQ(counts.Summary(), "published=4 unknown_verb=1");
}

// A BridgeOutput bound on an ephemeral port with a SUB socket listening to it.
class BridgeOutputTest : public ::testing::Test {
 protected:
  void Open(HeartbeatTime mode, const std::string& key_file = "") {
    OutputOptions options;
    options.publish = {"bind:tcp://127.0.0.1:*"};
    options.source = "b1";
    options.source_epoch = 5;
    options.caller_key_file = key_file;
    auto output = BridgeOutput::Create(options, mode, clock_);
    ASSERT_TRUE(output.ok()) << output.status().ToString();
    output_ = std::move(output).value();
    sub_.set(zmq::sockopt::rcvtimeo, 5000);
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.connect(output_->publisher().endpoints()[0]);
    ASSERT_TRUE(output_->WaitForSubscriber(20'000));
  }

  v1::Envelope Receive() {
    zmq::message_t topic;
    zmq::message_t body;
    EXPECT_TRUE(sub_.recv(topic));
    EXPECT_TRUE(sub_.recv(body));
    v1::Envelope env;
    EXPECT_TRUE(env.ParseFromArray(body.data(), static_cast<int>(body.size())));
    return env;
  }

  static v1::Envelope Queued(UnixMs t) {
    v1::Envelope env;
    env.set_time_unix_ms(t);
    env.mutable_contact_queued()->set_contact_id("c1");
    env.mutable_contact_queued()->set_queue("q");
    return env;
  }

  ManualClock clock_{1'000'000};
  std::unique_ptr<BridgeOutput> output_;
  zmq::context_t context_{1};
  zmq::socket_t sub_{context_, zmq::socket_type::sub};
};

TEST_F(BridgeOutputTest, HistoryHeartbeatsCarryTheLastEventTimeNotTheWallClock) {
  Open(HeartbeatTime::kLastEvent);
  // Nothing published yet: no ACD time to report, so no heartbeat.
  clock_.Advance(5'000);
  ASSERT_TRUE(output_->Tick(v1::ACD_CONNECTION_UNSPECIFIED).ok());
  EXPECT_EQ(output_->publisher().published(), 0u);

  auto env = Queued(933'000'000'000);  // 1999: a replay of history.
  ASSERT_TRUE(output_->Publish(env).ok());
  EXPECT_EQ(Receive().seq(), 1u);
  ASSERT_TRUE(output_->Tick(v1::ACD_CONNECTION_UNSPECIFIED).ok());
  const v1::Envelope hb = Receive();
  ASSERT_TRUE(hb.has_heartbeat());
  EXPECT_EQ(hb.time_unix_ms(), 933'000'000'000);
  ASSERT_EQ(hb.heartbeat().positions_size(), 1);
  EXPECT_EQ(hb.heartbeat().positions(0).last_seq(), 1u);
  EXPECT_EQ(hb.heartbeat().interval_ms(), 1000u);
  EXPECT_EQ(output_->events_published(), 1u);
}

TEST_F(BridgeOutputTest, LiveHeartbeatsFollowTheWallClockAtTheInterval) {
  Open(HeartbeatTime::kWallClock);
  clock_.Advance(999);
  ASSERT_TRUE(output_->Tick(v1::ACD_CONNECTION_UP).ok());
  EXPECT_EQ(output_->publisher().published(), 0u) << "not due yet";
  clock_.Advance(1);
  ASSERT_TRUE(output_->Tick(v1::ACD_CONNECTION_UP).ok());
  v1::Envelope hb = Receive();
  EXPECT_EQ(hb.time_unix_ms(), 1'001'000);
  EXPECT_EQ(hb.heartbeat().acd_connection(), v1::ACD_CONNECTION_UP);
  // An ACD clock ahead of ours: the heartbeat never goes back behind the last event.
  auto env = Queued(2'000'000);
  ASSERT_TRUE(output_->Publish(env).ok());
  Receive();
  ASSERT_TRUE(output_->Heartbeat(v1::ACD_CONNECTION_DOWN).ok());
  hb = Receive();
  EXPECT_EQ(hb.time_unix_ms(), 2'000'000);
  EXPECT_EQ(hb.heartbeat().acd_connection(), v1::ACD_CONNECTION_DOWN);
}

TEST_F(BridgeOutputTest, CallerKeysComeFromTheKeyFile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("ccmon-core-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string hex(64, 'a');
  std::ofstream(dir / "key") << hex << "\n";
  Open(HeartbeatTime::kLastEvent, (dir / "key").string());
  auto expected = CallerKeyHasher::FromKeyHex(hex);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(output_->caller_keys().Hash("+1 555 0100"), expected->Hash("15550100"));
  std::filesystem::remove_all(dir);
}

TEST(BridgeOutputOptions, BadOptionsAreNamed) {
  ManualClock clock;
  OutputOptions options;
  options.publish = {"bind:tcp://127.0.0.1:*"};
  options.source = "b1";
  options.heartbeat_interval = "soon";
  auto bad = BridgeOutput::Create(options, HeartbeatTime::kWallClock, clock);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--heartbeat-interval"), std::string::npos);

  options.heartbeat_interval = "1s";
  options.caller_key_file = "/nonexistent/key";
  bad = BridgeOutput::Create(options, HeartbeatTime::kWallClock, clock);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("/nonexistent/key"), std::string::npos);

  options.caller_key_file.clear();
  options.wait_for_subscriber = "0s";
  bad = BridgeOutput::Create(options, HeartbeatTime::kWallClock, clock);
  ASSERT_FALSE(bad.ok()) << "nobody subscribes within 0 s";
  EXPECT_NE(bad.status().message().find("subscriber"), std::string::npos);
}

TEST(BridgeOutputOptions, BoundPortIsLoggedBeforeWaitingForASubscriber) {
  // With port 0 the log is the only place a subscriber learns where to connect, so the line must
  // come before the wait, not after it (here the wait fails, and nothing else is logged).
  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
  ManualClock clock;
  OutputOptions options;
  options.publish = {"bind:tcp://127.0.0.1:*"};
  options.source = "b1";
  options.caller_key_hex = std::string(64, 'a');
  options.wait_for_subscriber = "0s";
  auto bad = BridgeOutput::Create(options, HeartbeatTime::kWallClock, clock);
  spdlog::set_default_logger(previous);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(std::regex_search(
      log.str(), std::regex(R"(publishing on tcp://127\.0\.0\.1:[1-9][0-9]*; waiting up to 0s)")))
      << log.str();
}

TEST(ParseByteSize, UnitsAndErrors) {
  EXPECT_EQ(*ParseByteSize("512"), 512u);
  EXPECT_EQ(*ParseByteSize("64MiB"), 64ull << 20);
  EXPECT_EQ(*ParseByteSize("2G"), 2ull << 30);
  EXPECT_EQ(*ParseByteSize("3K"), 3072u);
  EXPECT_FALSE(ParseByteSize("").ok());
  EXPECT_FALSE(ParseByteSize("MiB").ok());
  EXPECT_FALSE(ParseByteSize("5TB").ok());
}

TEST(BridgeOutputJournal, ARestartedBridgeContinuesItsEpochAndNumbering) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ccmon-output-journal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ManualClock clock(5'000);
  OutputOptions options;
  options.publish = {"bind:tcp://127.0.0.1:*"};
  options.source = "b1";
  options.journal_dir = dir.string();
  std::uint64_t epoch = 0;
  {
    auto output = BridgeOutput::Create(options, HeartbeatTime::kLastEvent, clock);
    ASSERT_TRUE(output.ok()) << output.status().ToString();
    for (int i = 0; i < 3; ++i) {
      v1::Envelope env;
      env.set_time_unix_ms(1000 + i);
      env.mutable_contact_queued()->set_contact_id("c" + std::to_string(i));
      env.mutable_contact_queued()->set_queue("q");
      ASSERT_TRUE((*output)->Publish(env).ok());
    }
    epoch = (*output)->publisher().sequencer().source_epoch();
  }
  auto output = BridgeOutput::Create(options, HeartbeatTime::kLastEvent, clock);
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ((*output)->publisher().sequencer().source_epoch(), epoch);
  v1::Envelope env;
  env.set_time_unix_ms(2000);
  env.mutable_contact_queued()->set_contact_id("c3");
  env.mutable_contact_queued()->set_queue("q");
  ASSERT_TRUE((*output)->Publish(env).ok());
  EXPECT_EQ(env.seq(), 4u);
  ASSERT_NE((*output)->journal(), nullptr);
  EXPECT_EQ((*output)->journal()->recovery().records, 3u);

  // Naming another epoch starts new numbering (the journal keeps the old epoch for replay).
  output->reset();
  options.source_epoch = epoch + 1;
  auto fresh = BridgeOutput::Create(options, HeartbeatTime::kLastEvent, clock);
  ASSERT_TRUE(fresh.ok());
  v1::Envelope next = env;
  ASSERT_TRUE((*fresh)->Publish(next).ok());
  EXPECT_EQ(next.seq(), 1u);
  EXPECT_EQ(next.source_epoch(), epoch + 1);
  fresh->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ccmon::bridges
