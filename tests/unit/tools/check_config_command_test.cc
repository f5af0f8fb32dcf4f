// `ccmon check-config`: valid files pass with a summary, a broken one fails naming the key, and
// with --running it says what a reload would apply and what needs a restart — the same plan the
// daemon follows on SIGHUP.
#include "tools/check_config_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ccmon::tools {
namespace {

namespace fs = std::filesystem;

class CheckConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-check-config-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& yaml) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << yaml;
    return p.string();
  }

  int Run(const CheckConfigOptions& o) {
    out_.str("");
    err_.str("");
    return RunCheckConfig(o, out_, err_);
  }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CheckConfigTest, ValidFilesPassWithASummary) {
  CheckConfigOptions o;
  o.files = {Write("a.yaml", "queues:\n  - name: sales\n  - name: support\n"),
             std::string(CCMON_SOURCE_DIR) + "/config/ccmond.yaml"};
  EXPECT_EQ(Run(o), 0) << err_.str();
  EXPECT_NE(out_.str().find("a.yaml: OK (2 queues, 0 subscriptions)"), std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("config/ccmond.yaml: OK ("), std::string::npos) << out_.str();
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CheckConfigTest, ABrokenFileFailsNamingTheKeyAndTheOthersAreStillChecked) {
  CheckConfigOptions o;
  o.files = {Write("bad.yaml", "queues:\n  - name: sales\n    thresholdz: [20s]\n"),
             Write("good.yaml", "queues:\n  - name: sales\n")};
  EXPECT_EQ(Run(o), 2);
  EXPECT_NE(err_.str().find("thresholdz"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("bad.yaml"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("good.yaml: OK"), std::string::npos) << out_.str();
}

TEST_F(CheckConfigTest, AgainstTheRunningFileItSaysWhatAReloadChanges) {
  CheckConfigOptions o;
  o.running = Write("old.yaml",
                    "subscriptions:\n  - endpoint: tcp://127.0.0.1:5556\n"
                    "queues:\n  - name: sales\n    target: 0.8\n");
  o.files = {Write("new.yaml",
                   "subscriptions:\n  - endpoint: tcp://127.0.0.1:6000\n"
                   "queues:\n  - name: sales\n    target: 0.9\n")};
  EXPECT_EQ(Run(o), 0) << err_.str();
  EXPECT_NE(out_.str().find("applies at once: queues\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("needs a restart: subscriptions\n"), std::string::npos) << out_.str();

  o.files = {o.running};
  EXPECT_EQ(Run(o), 0);
  EXPECT_NE(out_.str().find("applies at once: nothing\n  needs a restart: nothing"),
            std::string::npos)
      << out_.str();
}

}  // namespace
}  // namespace ccmon::tools
