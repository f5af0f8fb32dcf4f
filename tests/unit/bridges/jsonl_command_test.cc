// `ccmon-bridge jsonl` as a command: the example config file parses into the options, and the
// exit codes of a run over a file, a missing file and bad options.
#include "bridges/jsonl/jsonl_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace ccmon::jsonl {
namespace {

namespace fs = std::filesystem;

TEST(jsonlCommand, ExampleConfigFileParses) {
  CLI::App app{"test"};
  app.require_subcommand(1);
  app.set_config("--config", "", "config");
  app.fallthrough();
  JsonlOptions o;
  AddJsonlCommand(app, &o);
  const std::string config = std::string(CCMON_SOURCE_DIR) + "/config/bridges/jsonl.toml";
  std::vector<const char*> argv{"ccmon-bridge", "--config", config.c_str(), "jsonl"};
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(o.input_path, "-");
  EXPECT_EQ(o.max_line_bytes, 65'536u);
  EXPECT_FALSE(o.ignore_unknown_fields);
  EXPECT_EQ(o.heartbeat_time, "auto");
  EXPECT_EQ(o.output.publish, (std::vector<std::string>{"connect:tcp://127.0.0.1:5557"}));
  EXPECT_EQ(o.output.source, "jsonl1");
  EXPECT_EQ(o.output.heartbeat_interval, "1s");
}

class jsonlRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccmon-jsonl-cmd-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "in.jsonl")
        << R"({"timeUnixMs": 5, "contactQueued": {"contactId": "c", "queue": "q"}})"
        << "\n"
        << "garbage\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  JsonlOptions Options() const {
    JsonlOptions o;
    o.input_path = (dir_ / "in.jsonl").string();
    o.output.source = "t";
    o.output.publish = {"bind:tcp://127.0.0.1:*"};
    return o;
  }
  fs::path dir_;
};

TEST_F(jsonlRun, FileWithABadLineRunsToTheEndAndExitsZero) { EXPECT_EQ(RunJsonl(Options()), 0); }

TEST_F(jsonlRun, MissingFileOrBadOptionsExitTwo) {
  JsonlOptions o = Options();
  o.input_path = (dir_ / "missing.jsonl").string();
  EXPECT_EQ(RunJsonl(o), 2);
  o = Options();
  o.output.source = "";
  EXPECT_EQ(RunJsonl(o), 2);
  o = Options();
  o.output.publish = {"bind:tcp://256.0.0.1:1"};
  EXPECT_EQ(RunJsonl(o), 1);  // Unavailable: ZeroMQ refused the endpoint.
}

}  // namespace
}  // namespace ccmon::jsonl
