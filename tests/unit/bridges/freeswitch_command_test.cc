// `ccmon-bridge freeswitch` as a command: the example config file parses into the options, and
// the exit codes of a dry run and of bad options or files (no FreeSWITCH needed).
#include "bridges/freeswitch/freeswitch_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ccmon::freeswitch {
namespace {

namespace fs = std::filesystem;

TEST(freeswitch_command, ExampleConfigFileParses) {
  CLI::App app{"test"};
  app.require_subcommand(1);
  app.set_config("--config", "", "config");
  app.fallthrough();
  FreeswitchOptions o;
  AddFreeswitchCommand(app, &o);
  const std::string config = std::string(CCMON_SOURCE_DIR) + "/config/bridges/freeswitch.toml";
  std::vector<const char*> argv{"ccmon-bridge", "--config", config.c_str(), "freeswitch"};
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8021);
  EXPECT_EQ(o.password_file, "/etc/ccmon/freeswitch-esl.password");
  EXPECT_EQ(o.idle_timeout, "90s");
  EXPECT_EQ(o.reconnect_min, "500ms");
  EXPECT_EQ(o.reconnect_max, "30s");
  EXPECT_EQ(o.decision_hold, "2s");
  EXPECT_EQ(o.output.publish, (std::vector<std::string>{"connect:tcp://127.0.0.1:5557"}));
  EXPECT_EQ(o.output.source, "fs-eu1");
}

class freeswitch_command_run : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccmon-fs-cmd-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "password") << "ClueCon\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  FreeswitchOptions Options() const {
    FreeswitchOptions o;
    o.password_file = (dir_ / "password").string();
    o.output.source = "t";
    o.dry_run = true;
    return o;
  }
  fs::path dir_;
};

TEST_F(freeswitch_command_run, DryRunChecksEverythingAndConnectsToNothing) {
  EXPECT_EQ(RunFreeswitch(Options()), 0);
}

TEST_F(freeswitch_command_run, BadOptionsAndFilesAreConfigurationErrors) {
  FreeswitchOptions o = Options();
  o.password_file = (dir_ / "missing").string();
  EXPECT_EQ(RunFreeswitch(o), 2);
  o = Options();
  o.password_file.clear();
  EXPECT_EQ(RunFreeswitch(o), 2);
  o = Options();
  o.idle_timeout = "-";
  EXPECT_EQ(RunFreeswitch(o), 2);
  o = Options();
  o.connect_timeout = "0s";
  EXPECT_EQ(RunFreeswitch(o), 2);
  o = Options();
  o.output.source.clear();
  EXPECT_EQ(RunFreeswitch(o), 2);
}

}  // namespace
}  // namespace ccmon::freeswitch
