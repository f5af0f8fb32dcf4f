// Configuration reload through the real ccmond: SIGHUP and POST /-/reload apply a changed file
// (queue target, a new queue, log level), a broken file changes nothing and is reported in the
// response, a log line and ccmond_config_last_reload_successful, a change that needs a restart is
// named and flagged, and without --web.enable-lifecycle POST /-/reload is refused with 403. Every
// wait polls /metrics or the daemon's output with a deadline; nothing sleeps to let time pass.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <thread>

#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"(subscriptions:
  - endpoint: tcp://127.0.0.1:9
queues:
  - name: sales
    thresholds: [20s]
    target: 0.8
)";

class DaemonReload : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-reload-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write(kConfig);
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->output();
    }
    fs::remove_all(dir_);
  }

  void Write(const std::string& yaml) { std::ofstream(dir_ / "ccmond.yaml") << yaml; }

  void Start(bool enable_lifecycle) {
    std::vector<std::string> argv{testing::BinaryPath("ccmond"), "--config.file",
                                  (dir_ / "ccmond.yaml").string(), "--web.listen-address",
                                  "127.0.0.1:0"};
    if (enable_lifecycle) argv.push_back("--web.enable-lifecycle");
    daemon_ = std::make_unique<testing::ChildProcess>(argv);
    ASSERT_TRUE(daemon_->started());
    auto port =
        daemon_->WaitForLine(std::regex(R"(listening on http://127\.0\.0\.1:(\d+)/metrics)"));
    ASSERT_TRUE(port) << daemon_->output();
    port_ = static_cast<std::uint16_t>(std::stoi(*port));
  }

  testing::Scrape Metrics() {
    auto r = testing::HttpGet("127.0.0.1", port_, "/metrics");
    EXPECT_EQ(r.status, 200) << r.error;
    return testing::Scrape(r.body);
  }

  // Polls /metrics until `done` holds (20 s deadline); returns the last scrape.
  testing::Scrape WaitFor(const std::function<bool(const testing::Scrape&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
      testing::Scrape s = Metrics();
      if (done(s) || std::chrono::steady_clock::now() > deadline) return s;
      std::this_thread::yield();
    }
  }

  static double Reloads(const testing::Scrape& s, const std::string& result) {
    return s.Get("ccmond_config_reloads_total", {{"result", result}}).value_or(-1);
  }

  testing::HttpResult PostReload() {
    return testing::HttpRequest("POST", "127.0.0.1", port_, "/-/reload");
  }

  fs::path dir_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  std::uint16_t port_ = 0;
};

TEST_F(DaemonReload, SighupAppliesQueueSettingsAndNewQueues) {
  Start(/*enable_lifecycle=*/false);
  auto before = Metrics();
  EXPECT_EQ(before.Value("ccmond_config_last_reload_successful"), 1);
  EXPECT_EQ(Reloads(before, "success"), 0);
  EXPECT_EQ(before.Value("callcenter_service_level_target_ratio", {{"queue", "sales"}}), 0.8);
  EXPECT_FALSE(before.Get("callcenter_service_level_target_ratio", {{"queue", "vip"}}));

  Write(R"(subscriptions:
  - endpoint: tcp://127.0.0.1:9
log:
  level: debug
queues:
  - name: sales
    thresholds: [20s, 60s]
    target: 0.9
  - name: vip
    thresholds: [10s]
    target: 0.95
)");
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  auto after = WaitFor([](const testing::Scrape& s) { return Reloads(s, "success") == 1; });
  ASSERT_EQ(Reloads(after, "success"), 1) << daemon_->output();
  EXPECT_EQ(after.Value("ccmond_config_last_reload_successful"), 1);
  EXPECT_EQ(after.Value("ccmond_config_restart_required"), 0);
  EXPECT_EQ(after.Value("callcenter_service_level_target_ratio", {{"queue", "sales"}}), 0.9);
  EXPECT_EQ(after.Value("callcenter_service_level_target_ratio", {{"queue", "vip"}}), 0.95);
  EXPECT_GE(after.Value("ccmond_config_last_reload_success_timestamp_seconds"),
            before.Value("ccmond_config_last_reload_success_timestamp_seconds"));
  EXPECT_TRUE(daemon_->WaitForLine(std::regex(R"(reload \(SIGHUP\): configuration reloaded, )"
                                              R"(changed: log\.level, queues)")))
      << daemon_->output();

  // A second signal reloads again (the handler re-arms).
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  auto again = WaitFor([](const testing::Scrape& s) { return Reloads(s, "success") == 2; });
  EXPECT_EQ(Reloads(again, "success"), 2) << daemon_->output();

  // Without --web.enable-lifecycle the HTTP trigger is refused and changes nothing.
  auto refused = PostReload();
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("--web.enable-lifecycle"), std::string::npos) << refused.body;
  EXPECT_EQ(Reloads(Metrics(), "success"), 2);
}

TEST_F(DaemonReload, ABrokenFileChangesNothingAndSaysWhy) {
  Start(/*enable_lifecycle=*/true);
  Write(R"(queues:
  - name: sales
    target: 0.5
    thresholdz: [20s]
)");
  auto r = PostReload();
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("thresholdz"), std::string::npos) << r.body;
  auto s = Metrics();
  EXPECT_EQ(s.Value("ccmond_config_last_reload_successful"), 0);
  EXPECT_EQ(Reloads(s, "failure"), 1);
  EXPECT_EQ(Reloads(s, "success"), 0);
  EXPECT_EQ(s.Value("callcenter_service_level_target_ratio", {{"queue", "sales"}}), 0.8)
      << "the running configuration was kept";
  EXPECT_TRUE(
      daemon_->WaitForLine(std::regex("reload \\(POST /-/reload\\) failed, still running "
                                      "the previous configuration: .*thresholdz")))
      << daemon_->output();

  // Fixed: the next reload succeeds and clears the failure.
  Write(kConfig);
  EXPECT_EQ(PostReload().status, 200);
  s = Metrics();
  EXPECT_EQ(s.Value("ccmond_config_last_reload_successful"), 1);
  EXPECT_EQ(Reloads(s, "success"), 1);
}

TEST_F(DaemonReload, SettingsThatNeedARestartAreNamedAndFlagged) {
  Start(/*enable_lifecycle=*/true);
  Write(R"(subscriptions:
  - endpoint: tcp://127.0.0.1:10
queues:
  - name: sales
    thresholds: [20s]
    target: 0.7
windows:
  interval: 30m
)");
  auto r = PostReload();
  EXPECT_EQ(r.status, 200) << r.body;
  auto s = Metrics();
  EXPECT_EQ(s.Value("ccmond_config_restart_required"), 1);
  EXPECT_EQ(s.Value("callcenter_service_level_target_ratio", {{"queue", "sales"}}), 0.7)
      << "the rest of the file is applied";
  EXPECT_TRUE(
      daemon_->WaitForLine(std::regex("take effect only after a restart: subscriptions, windows")))
      << daemon_->output();

  // Changed back: nothing is pending any more.
  Write(kConfig);
  EXPECT_EQ(PostReload().status, 200);
  EXPECT_EQ(Metrics().Value("ccmond_config_restart_required"), 0);
}

}  // namespace
}  // namespace ccmon
