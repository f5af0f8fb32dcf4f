// The asterisk-queue-log subcommand's options: the example config loads with every key known,
// the command line wins over it, and the bridge's document names every outcome it can count.
#include "bridges/asterisk_queue_log/queue_log_command.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "bridges/asterisk_queue_log/queue_log_mapper.h"

namespace ccmon::asterisk_queue_log {
namespace {

const std::string kConfig =
    std::string(CCMON_SOURCE_DIR) + "/config/bridges/asterisk-queue-log.toml";

// Parses like bridges/main.cc, but refuses keys that no option takes (main ignores them).
void Parse(std::vector<std::string> args, AsteriskQueueLogOptions* o) {
  CLI::App app;
  app.set_config("--config");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.require_subcommand(1);
  CLI::App* cmd = AddAsteriskQueueLogCommand(app, o);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  EXPECT_TRUE(cmd->parsed());
}

TEST(queue_logCommand, ExampleConfigLoadsWithEveryKeyKnown) {
  AsteriskQueueLogOptions o;
  ASSERT_NO_THROW(Parse({"--config", kConfig, "asterisk-queue-log"}, &o));
  EXPECT_EQ(o.file, "/var/log/asterisk/queue_log");
  EXPECT_EQ(o.format, "auto");
  EXPECT_EQ(o.position_file, "/var/lib/ccmon/asterisk-queue-log.pos");
  EXPECT_FALSE(o.from_start);
  EXPECT_FALSE(o.once);
  EXPECT_EQ(o.time_zone, "UTC");
  EXPECT_EQ(o.poll_interval, "200ms");
  EXPECT_EQ(o.rotate_grace, "1s");
  EXPECT_EQ(o.output.publish, (std::vector<std::string>{"connect:tcp://127.0.0.1:5557"}));
  EXPECT_EQ(o.output.source, "asterisk-pbx1");
  EXPECT_EQ(o.output.caller_key_file, "/etc/ccmon/caller.key");
  EXPECT_EQ(o.output.heartbeat_interval, "1s");
}

TEST(queue_logCommand, CommandLineWinsOverTheConfigAndTheFileMayBePositional) {
  AsteriskQueueLogOptions o;
  ASSERT_NO_THROW(Parse({"--config", kConfig, "asterisk-queue-log", "/tmp/other_queue_log",
                         "--once", "--source", "replay1", "--format", "file"},
                        &o));
  EXPECT_EQ(o.file, "/tmp/other_queue_log");
  EXPECT_TRUE(o.once);
  EXPECT_EQ(o.output.source, "replay1");
  EXPECT_EQ(o.format, "file");
  EXPECT_EQ(o.position_file, "/var/lib/ccmon/asterisk-queue-log.pos");  // From the file.
}

TEST(queue_logCommand, DefaultsAndRefusedValues) {
  AsteriskQueueLogOptions o;
  ASSERT_NO_THROW(Parse({"asterisk-queue-log", "--file", "x"}, &o));
  EXPECT_EQ(o.output.source, "asterisk");
  EXPECT_EQ(o.format, "auto");
  EXPECT_EQ(o.poll_interval, "200ms");
  AsteriskQueueLogOptions bad;
  EXPECT_THROW(Parse({"asterisk-queue-log", "x", "--format", "xml"}, &bad), CLI::ParseError);
  AsteriskQueueLogOptions none;
  EXPECT_THROW(Parse({"asterisk-queue-log"}, &none), CLI::ParseError);  // The file is required.
}

TEST(queue_logCommand, DocumentNamesEveryOutcome) {
  std::ifstream in(std::string(CCMON_SOURCE_DIR) + "/docs/bridges/asterisk-queue-log.md");
  ASSERT_TRUE(in) << "docs/bridges/asterisk-queue-log.md missing";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const Outcome o : kAllOutcomes) {
    EXPECT_NE(doc.find("| `" + std::string(OutcomeName(o)) + "` |"), std::string::npos)
        << OutcomeName(o) << " is not in the outcome table";
  }
}

}  // namespace
}  // namespace ccmon::asterisk_queue_log
