#include "bridges/simulate/profile.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ccmon::simulate {
namespace {

constexpr UnixMs kNow = 1'709'539'200'000;  // 2024-03-04T08:00:00Z

const char* kMinimal = R"(
start: "2024-03-04T08:00:00Z"
queues:
  - name: sales
    arrivals_per_hour: 60
agent_groups:
  - name: team
    count: 2
    queues: [sales]
)";

Result<Profile> Parse(const std::string& yaml) { return ParseProfile(yaml, "test.yaml", kNow); }

// Expects parsing to fail with a message containing every fragment.
void ExpectError(const std::string& yaml, std::initializer_list<std::string> fragments) {
  auto profile = Parse(yaml);
  ASSERT_FALSE(profile.ok()) << "parsed: " << yaml;
  EXPECT_EQ(profile.status().code(), StatusCode::kInvalidArgument);
  for (const std::string& f : fragments) {
    EXPECT_NE(profile.status().message().find(f), std::string::npos)
        << "missing \"" << f << "\" in: " << profile.status().message();
  }
}

TEST(SimulatorProfile, MinimalProfileGetsDefaults) {
  auto p = Parse(kMinimal);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->start_ms, kNow);
  ASSERT_EQ(p->queues.size(), 1u);
  EXPECT_EQ(p->queues[0].channel, v1::CHANNEL_VOICE);
  for (double rate : p->queues[0].arrivals_per_hour) EXPECT_EQ(rate, 60);
  EXPECT_FALSE(p->queues[0].patience_mean_s.has_value());
  ASSERT_EQ(p->agent_groups.size(), 1u);
  EXPECT_EQ(p->agent_groups[0].shift_start_hour, p->agent_groups[0].shift_end_hour);
  EXPECT_EQ(p->caller_key, EmptyProfile(0).caller_key);
}

TEST(SimulatorProfile, DemoAndLoadProfilesAreValid) {
  for (const char* name : {"demo.yaml", "load.yaml"}) {
    auto p = LoadProfile(std::string(CCMON_SOURCE_DIR) + "/config/simulator/" + name, kNow);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status().ToString();
  }
}

TEST(SimulatorProfile, DemoProfileHasFourQueuesAndAboutTwentyFiveAgents) {
  auto p = LoadProfile(std::string(CCMON_SOURCE_DIR) + "/config/simulator/demo.yaml", kNow);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->queues.size(), 4u);
  int agents = 0;
  for (const auto& g : p->agent_groups) agents += g.count;
  EXPECT_GE(agents, 20);
  EXPECT_LE(agents, 30);
}

TEST(SimulatorProfile, CopiesExpandQueuesAndGroupsWithMatchingNumbers) {
  auto p = LoadProfile(std::string(CCMON_SOURCE_DIR) + "/config/simulator/load.yaml", kNow);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->queues.size(), 201u);
  EXPECT_EQ(p->queues[0].name, "q-001");
  EXPECT_EQ(p->queues[199].name, "q-200");
  EXPECT_EQ(p->queues[0].transfer_target, "escalations");  // Not copied: stays as written.
  EXPECT_EQ(p->agent_groups[0].name, "team-001");
  EXPECT_EQ(p->agent_groups[0].queues, std::vector<std::string>{"q-001"});
  EXPECT_EQ(p->agent_groups[199].queues, std::vector<std::string>{"q-200"});
}

TEST(SimulatorProfile, StartAcceptsNowTodayAndIsoTimes) {
  auto with_start = [](const std::string& start, const std::string& extra = "") {
    std::string yaml = kMinimal;
    yaml.replace(yaml.find("\"2024-03-04T08:00:00Z\""), 22, start);
    return Parse(extra + yaml);
  };
  EXPECT_EQ(with_start("now")->start_ms, kNow);
  EXPECT_EQ(with_start("\"2024-03-04T09:30:00Z\"")->start_ms, kNow + 90 * 60'000);
  EXPECT_EQ(with_start("\"2024-03-04T10:00:00+02:00\"")->start_ms, kNow);
  EXPECT_EQ(with_start("\"today 06:00\"")->start_ms, kNow - 2 * 3'600'000);
  // Without a zone, times are local: UTC + utc_offset_hours.
  EXPECT_EQ(with_start("\"2024-03-04T09:00\"", "utc_offset_hours: 1\n")->start_ms, kNow);
  EXPECT_EQ(with_start("\"today 09:00\"", "utc_offset_hours: 1\n")->start_ms, kNow);
}

TEST(SimulatorProfile, ArrivalsAcceptA24HourList) {
  std::string yaml = kMinimal;
  std::string list = "[";
  for (int h = 0; h < 24; ++h) list += std::to_string(h) + (h < 23 ? ", " : "]");
  yaml.replace(yaml.find("arrivals_per_hour: 60"), 21, "arrivals_per_hour: " + list);
  auto p = Parse(yaml);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->queues[0].arrivals_per_hour[0], 0);
  EXPECT_EQ(p->queues[0].arrivals_per_hour[23], 23);
}

TEST(SimulatorProfile, KeyFileIsReadRelativeToTheProfile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("ccmon_profile_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "caller.key")
      << "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
  std::ofstream(dir / "p.yaml") << "callers: {key_file: caller.key}\n" << kMinimal;
  auto p = LoadProfile((dir / "p.yaml").string(), kNow);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->caller_key[1], 1);
  EXPECT_EQ(p->caller_key[31], 0x1f);
}

TEST(SimulatorProfile, MissingFileIsNotFound) {
  EXPECT_EQ(LoadProfile("/nonexistent/profile.yaml", kNow).status().code(), StatusCode::kNotFound);
}

TEST(SimulatorProfileErrors, UnknownFieldIsNamedWithItsLine) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("arrivals_per_hour"), 17, "arivals_per_hour");
  ExpectError(yaml, {"test.yaml", "queues[0].arivals_per_hour", "unknown field", "line 5"});
}

TEST(SimulatorProfileErrors, InvalidYamlSaysSo) {
  ExpectError("queues: [\n", {"test.yaml", "not valid YAML"});
}

TEST(SimulatorProfileErrors, MissingQueuesIsReported) {
  ExpectError("tenant: x\n", {"queues", "required"});
}

TEST(SimulatorProfileErrors, UnknownChannelListsTheKnownOnes) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("arrivals_per_hour"), 0, "channel: fax\n    ");
  ExpectError(yaml, {"queues[0].channel", "fax", "voice"});
}

TEST(SimulatorProfileErrors, ArrivalListOfWrongLengthIsRejected) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("arrivals_per_hour: 60"), 21, "arrivals_per_hour: [1, 2, 3]");
  ExpectError(yaml, {"queues[0].arrivals_per_hour", "24 numbers"});
}

TEST(SimulatorProfileErrors, NonNumberIsRejected) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("arrivals_per_hour: 60"), 21, "arrivals_per_hour: lots");
  ExpectError(yaml, {"queues[0].arrivals_per_hour", "expected a number"});
}

TEST(SimulatorProfileErrors, OutOfRangeValueNamesTheQueueAndField) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("arrivals_per_hour"), 0, "service_time: {mean_s: -5}\n    ");
  ExpectError(yaml, {"test.yaml", "queues[sales].service_time.mean_s", "must be > 0"});
}

TEST(SimulatorProfileErrors, TransferToUnknownQueueIsRejected) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("arrivals_per_hour"), 0,
               "transfer: {probability: 0.1, target: nowhere}\n    ");
  ExpectError(yaml, {"queues[sales].transfer.target", "no queue named \"nowhere\""});
}

TEST(SimulatorProfileErrors, AgentGroupServingUnknownQueueIsRejected) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("[sales]"), 7, "[sales, sails]");
  ExpectError(yaml, {"agent_groups[team].queues", "sails"});
}

TEST(SimulatorProfileErrors, QueueNameOutsideTopicCharactersIsRejected) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("name: sales"), 11, "name: sales.eu");
  ExpectError(yaml, {"queues[sales.eu].name", "A-Z"});
}

TEST(SimulatorProfileErrors, DuplicateQueueNameIsRejected) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("agent_groups"), 0, "  - name: sales\n    arrivals_per_hour: 1\n");
  ExpectError(yaml, {"duplicate queue name"});
}

TEST(SimulatorProfileErrors, BadStartIsRejected) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("\"2024-03-04T08:00:00Z\""), 22, "tomorrow");
  ExpectError(yaml, {"start", "ISO"});
}

TEST(SimulatorProfileErrors, BadCallerKeyIsRejected) {
  ExpectError(std::string("callers: {key_hex: abc}\n") + kMinimal, {"callers.key_hex", "64"});
}

TEST(SimulatorProfileErrors, MissingKeyFileIsNamed) {
  ExpectError(std::string("callers: {key_file: /nonexistent/k}\n") + kMinimal,
              {"callers.key_file", "/nonexistent/k"});
}

TEST(SimulatorProfileErrors, ShiftNeedsBothHours) {
  std::string yaml = kMinimal;
  yaml += "    shift: {start_hour: 8}\n";
  ExpectError(yaml, {"agent_groups[0].shift", "end_hour"});
}

TEST(SimulatorProfileErrors, ProbabilityAboveOneIsRejected) {
  std::string yaml = kMinimal;
  yaml += "    ring: {no_answer_probability: 1.5}\n";
  ExpectError(yaml, {"agent_groups[team].ring.no_answer_probability", "between 0 and 1"});
}

TEST(SimulatorChannel, ParsesLowerAndUpperCaseNames) {
  EXPECT_EQ(ParseChannel("chat"), v1::CHANNEL_CHAT);
  EXPECT_EQ(ParseChannel("VOICE"), v1::CHANNEL_VOICE);
  EXPECT_FALSE(ParseChannel("unspecified").has_value());
  EXPECT_FALSE(ParseChannel("fax").has_value());
}

}  // namespace
}  // namespace ccmon::simulate
