// `ccmon-bridge asterisk-ami` as a command: the example config file parses into the options, and
// the exit codes of a dry run and of bad options or files (no Asterisk needed).
#include "bridges/asterisk_ami/ami_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ccmon::ami {
namespace {

namespace fs = std::filesystem;

TEST(ami_command, ExampleConfigFileParses) {
  CLI::App app{"test"};
  app.require_subcommand(1);
  app.set_config("--config", "", "config");
  app.fallthrough();
  AsteriskAmiOptions o;
  AddAsteriskAmiCommand(app, &o);
  const std::string config = std::string(CCMON_SOURCE_DIR) + "/config/bridges/asterisk-ami.toml";
  std::vector<const char*> argv{"ccmon-bridge", "--config", config.c_str(), "asterisk-ami"};
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 5038);
  EXPECT_EQ(o.username, "ccmon");
  EXPECT_EQ(o.secret_file, "/etc/ccmon/asterisk-ami.secret");
  EXPECT_EQ(o.events, "agent,call,dialplan,dtmf");
  EXPECT_FALSE(o.no_event_filter);
  EXPECT_FALSE(o.no_queue_status);
  EXPECT_EQ(o.ping_interval, "10s");
  EXPECT_EQ(o.idle_timeout, "30s");
  EXPECT_EQ(o.reconnect_min, "500ms");
  EXPECT_EQ(o.reconnect_max, "30s");
  EXPECT_EQ(o.decision_hold, "2s");
  EXPECT_EQ(o.output.publish, (std::vector<std::string>{"connect:tcp://127.0.0.1:5557"}));
  EXPECT_EQ(o.output.source, "ast-eu1");
  EXPECT_EQ(o.output.caller_key_file, "/etc/ccmon/caller.key");
}

class ami_command_run : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccmon-ami-cmd-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "secret") << "s3cret\n";
    std::ofstream(dir_ / "caller.key") << std::string(64, 'a') << "\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  AsteriskAmiOptions Options() const {
    AsteriskAmiOptions o;
    o.username = "ccmon";
    o.secret_file = (dir_ / "secret").string();
    o.output.source = "t";
    o.output.caller_key_file = (dir_ / "caller.key").string();
    o.dry_run = true;
    return o;
  }
  fs::path dir_;
};

TEST_F(ami_command_run, DryRunChecksEverythingAndConnectsToNothing) {
  EXPECT_EQ(RunAsteriskAmi(Options()), 0);
}

TEST_F(ami_command_run, BadOptionsAndFilesAreConfigurationErrors) {
  AsteriskAmiOptions o = Options();
  o.secret_file = (dir_ / "missing").string();
  EXPECT_EQ(RunAsteriskAmi(o), 2);
  o = Options();
  o.username.clear();
  EXPECT_EQ(RunAsteriskAmi(o), 2);
  o = Options();
  o.reconnect_min = "soon";
  EXPECT_EQ(RunAsteriskAmi(o), 2);
  o = Options();
  o.reconnect_min = "10s";
  o.reconnect_max = "1s";
  EXPECT_EQ(RunAsteriskAmi(o), 2);
  o = Options();
  o.port = 0;
  EXPECT_EQ(RunAsteriskAmi(o), 2);
  o = Options();
  o.output.caller_key_file = (dir_ / "secret").string();  // Not a key.
  EXPECT_EQ(RunAsteriskAmi(o), 2);
  o = Options();
  o.output.heartbeat_interval = "often";
  EXPECT_EQ(RunAsteriskAmi(o), 2);
}

}  // namespace
}  // namespace ccmon::ami
