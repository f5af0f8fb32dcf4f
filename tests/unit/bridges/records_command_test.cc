// `ccmon-bridge records` as a command: the example config file parses into the options, and the
// exit codes of a dry run, a bad mapping and a missing input.
#include "bridges/records/records_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace ccmon::records {
namespace {

namespace fs = std::filesystem;

// The command line of bridges/main.cc: --config FILE with a [records] section.
int ParseLikeMain(std::vector<std::string> args, RecordsOptions* options) {
  CLI::App app{"test"};
  app.require_subcommand(1);
  app.set_config("--config", "", "config");
  app.fallthrough();
  AddRecordsCommand(app, options);
  std::vector<const char*> argv{"ccmon-bridge"};
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    ADD_FAILURE() << e.what();
    return 2;
  }
  return 0;
}

TEST(recordsCommand, ExampleConfigFileParses) {
  RecordsOptions o;
  ASSERT_EQ(
      ParseLikeMain(
          {"--config", std::string(CCMON_SOURCE_DIR) + "/config/bridges/records.toml", "records"},
          &o),
      0);
  EXPECT_EQ(o.mapping_path, "config/bridges/technion-anonymous-bank.yaml");
  EXPECT_NE(o.input_path.find("august_calls"), std::string::npos);
  EXPECT_EQ(o.output.source, "technion");
  EXPECT_EQ(o.output.publish, (std::vector<std::string>{"bind:tcp://127.0.0.1:5556"}));
  EXPECT_EQ(o.output.wait_for_subscriber, "30s");
  EXPECT_FALSE(o.dry_run);
  // The command line wins over the file.
  RecordsOptions o2;
  ASSERT_EQ(
      ParseLikeMain({"--config", std::string(CCMON_SOURCE_DIR) + "/config/bridges/records.toml",
                     "records", "--source", "t2", "--set", "times.date.format=%Y-%m-%d"},
                    &o2),
      0);
  EXPECT_EQ(o2.output.source, "t2");
  EXPECT_EQ(o2.overrides, (std::vector<std::string>{"times.date.format=%Y-%m-%d"}));
}

class recordsRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccmon-records-cmd-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "m.yaml") << "contact_id: id\nqueue: {constant: q}\n"
                                      "times: {format: unix_s, enqueue: t, wait: w}\n"
                                      "outcome: {column: o, values: {X: abandoned}}\n";
    std::ofstream(dir_ / "in.csv") << "id,t,w,o\n1,933501600,5,X\n2,933501601,5,Y\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  RecordsOptions Options() const {
    RecordsOptions o;
    o.mapping_path = (dir_ / "m.yaml").string();
    o.input_path = (dir_ / "in.csv").string();
    o.output.source = "t";
    o.output.publish = {"bind:tcp://127.0.0.1:*"};
    return o;
  }
  fs::path dir_;
};

TEST_F(recordsRun, DryRunReadsAndExitsZeroWithoutASocket) {
  RecordsOptions o = Options();
  o.dry_run = true;
  o.output.publish = {"bind:nonsense"};  // Never opened in a dry run.
  EXPECT_EQ(RunRecords(o), 0);
}

TEST_F(recordsRun, PublishingWithoutSubscriberStillCompletes) {
  EXPECT_EQ(RunRecords(Options()), 0);
}

TEST_F(recordsRun, BadMappingInputOrOutputOptionsExitTwo) {
  RecordsOptions o = Options();
  o.overrides = {"times.colour=red"};
  EXPECT_EQ(RunRecords(o), 2);
  o = Options();
  o.input_path = (dir_ / "missing.csv").string();
  EXPECT_EQ(RunRecords(o), 2);
  o = Options();
  o.mapping_path = (dir_ / "missing.yaml").string();
  EXPECT_EQ(RunRecords(o), 2);
  o = Options();
  o.overrides = {"contact_id=nope"};  // A column the header does not have.
  EXPECT_EQ(RunRecords(o), 2);
  o = Options();
  o.output.heartbeat_interval = "soon";
  EXPECT_EQ(RunRecords(o), 2);
}

TEST_F(recordsRun, NoSubscriberWithinTheWaitExitsOne) {
  RecordsOptions o = Options();
  o.output.wait_for_subscriber = "10ms";
  EXPECT_EQ(RunRecords(o), 1);
}

}  // namespace
}  // namespace ccmon::records
