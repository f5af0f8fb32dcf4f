// The real `ccmon-bridge freeswitch` against a TCP server inside the test that speaks the
// FreeSWITCH event socket (port 0, one thread): auth/request, the password, the subscription,
// then mod_callcenter events in plain format; the server closes, the bridge reconnects with
// backoff and authenticates again; a SUB socket bound by the test receives what it publishes.
// Checked: the documentation's example events of ../shared/data (skips without them), a call
// that spans a reconnection, heartbeats DOWN at once on the drop and UP after the next
// subscription, numbering per topic without gaps, a wrong password (exit code 2), the example
// config file in the real binary, and that no caller number reaches the log.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ccmon/v1/events.pb.h"
#include "tests/testing/bridge_subscriber.h"
#include "tests/testing/esl_frames.h"
#include "tests/testing/process.h"
#include "tests/testing/script_server.h"
#include "tests/testing/shared_data.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
using tcp = boost::asio::ip::tcp;
using testing::ScriptServer;

// The bridge publishes as this source and epoch.
constexpr char kSource[] = "fs-it";
constexpr std::uint64_t kEpoch = 11;
// A mod_callcenter event as the event socket sends it (tests/testing/esl_frames.h).
constexpr auto Cc = &testing::CallcenterEventFrame;

// An event-socket server's script: each connection is greeted with auth/request, must answer
// with the expected password and subscribe (the subscription command lands in *subscription,
// before the script runs), and is then given what `script` writes.
ScriptServer::Script EslAuth(std::string* subscription, ScriptServer::Script script) {
  return [subscription, script = std::move(script)](tcp::socket& s, int i) {
    std::string pending;
    ScriptServer::Write(s, "Content-Type: auth/request\n\n");
    if (ScriptServer::ReadUntil(s, &pending, "\n\n") != "auth ClueCon\n\n") {
      ScriptServer::Write(s, "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n");
      return;
    }
    ScriptServer::Write(s, "Content-Type: command/reply\nReply-Text: +OK accepted\n\n");
    *subscription = ScriptServer::ReadUntil(s, &pending, "\n\n");
    ScriptServer::Write(
        s, "Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n");
    script(s, i);
  };
}

class freeswitch_bridge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-fs-it-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "password") << "ClueCon\n";
    std::ofstream(dir_ / "wrong") << "NotClueCon\n";
    std::ofstream(dir_ / "caller.key") << std::string(64, '9') << "\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<testing::ChildProcess> StartBridge(std::uint16_t port,
                                                     const std::string& password = "password",
                                                     bool wait_for_subscriber = true) {
    std::vector<std::string> args{testing::BinaryPath("ccmon-bridge"),
                                  "freeswitch",
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port),
                                  "--password-file",
                                  (dir_ / password).string(),
                                  "--caller-key-file",
                                  (dir_ / "caller.key").string()};
    for (std::string& a : sub_.BridgeArgs(kSource, kEpoch, wait_for_subscriber)) {
      args.push_back(std::move(a));
    }
    auto bridge = std::make_unique<testing::ChildProcess>(args);
    EXPECT_TRUE(bridge->started());
    return bridge;
  }

  fs::path dir_;
  testing::BridgeSubscriber sub_;
  std::string subscription_;  // Written by the server before its script; read after the bridge.
};

TEST_F(freeswitch_bridge, ReplaysTheDocumentedExamplesAcrossAReconnection) {
  const std::string file =
      "freeswitch-callcenter/signalwire-freeswitch-docs__mod_callcenter_example_events.txt";
  CCMON_REQUIRE_SHARED_DATA(file);
  const std::string page = testing::ReadFileBytes(testing::SharedDataFile(file));
  std::string stream;
  for (const std::string& e : testing::DocumentedEslEvents(page))
    stream += testing::EslEventFrame(e);

  ScriptServer server;
  const auto play = [&](tcp::socket& s, int i) {
    ScriptServer::Write(s, stream);
    if (i == 1) ScriptServer::HoldOpen(s);
  };
  server.Serve(2, EslAuth(&subscription_, play));
  auto bridge = StartBridge(server.port());
  // First play (freeswitch_replay_test): agent available, agent reserved, queued, answered,
  // ended, wrap-up. On the new connection the agent is published again at once (the daemon logged
  // it out on DOWN) in the state the first play left it in (Available + Receiving: reserved), so
  // the second agent-state-change(Receiving) changes nothing; the member is queued afresh (its
  // first stay ended): 5 more.
  sub_.ReceiveUntil(
      [&] { return sub_.Events().size() >= 11 && sub_.ConnectionStates().size() >= 3; });
  EXPECT_EQ(bridge->Stop(SIGTERM), 0) << bridge->output();
  sub_.ReceiveRest();
  const auto events = sub_.Events();
  ASSERT_EQ(events.size(), 11u) << bridge->output();
  EXPECT_EQ(events[0]->agent_state_changed().state(), v1::AGENT_STATE_AVAILABLE);
  EXPECT_EQ(events[1]->agent_state_changed().state(), v1::AGENT_STATE_RESERVED);
  EXPECT_EQ(events[6]->agent_state_changed().state(), v1::AGENT_STATE_RESERVED);
  for (const std::size_t first : {2u, 7u}) {
    EXPECT_EQ(events[first]->contact_queued().contact_id(), "b77c49c2-a732-11df-9438-e7d9456f8886");
    EXPECT_EQ(events[first]->contact_queued().queue(), "support@default");
    EXPECT_TRUE(events[first + 1]->has_contact_answered());
    EXPECT_TRUE(events[first + 2]->has_contact_ended());
    EXPECT_TRUE(events[first + 3]->has_wrap_up_ended());
  }
  EXPECT_EQ(sub_.ConnectionStates(),
            (std::vector<std::string>{"ACD_CONNECTION_UP", "ACD_CONNECTION_DOWN",
                                      "ACD_CONNECTION_UP", "ACD_CONNECTION_DOWN"}));
  sub_.ExpectGaplessNumbering(kSource, kEpoch);
  EXPECT_EQ(subscription_, "event plain HEARTBEAT CUSTOM callcenter::info\n\n");
  // Every outcome is a documented one: 5 unknown_contact and 1 ignored_event per play.
  EXPECT_NE(bridge->output().find(
                "ignored_event=2 no_change=1 protocol=6 published=7 unknown_contact=10"),
            std::string::npos)
      << bridge->output();
}

TEST_F(freeswitch_bridge, ReconnectsWithBackoffAndGoesOnWithTheCall) {
  ScriptServer server;
  const auto play = [&](tcp::socket& s, int i) {
    if (i == 0) {
      ScriptServer::Write(s, Cc("CC-Action: member-queue-start\nCC-Queue: sales\n"
                                "CC-Member-Session-UUID: call-7\n"
                                "CC-Member-CID-Number: %2B15550199888\n") +
                                 Cc("CC-Action: agent-offering\nCC-Queue: sales\nCC-Agent: 1000\n"
                                    "CC-Member-Session-UUID: call-7\n"));
    } else {
      ScriptServer::Write(s, Cc("CC-Action: bridge-agent-start\nCC-Queue: sales\nCC-Agent: 1000\n"
                                "CC-Member-Session-UUID: call-7\n") +
                                 Cc("CC-Action: bridge-agent-end\nCC-Queue: sales\nCC-Agent: 1000\n"
                                    "CC-Member-Session-UUID: call-7\n"));
      ScriptServer::HoldOpen(s);
    }
  };
  server.Serve(2, EslAuth(&subscription_, play));
  auto bridge = StartBridge(server.port());
  sub_.ReceiveUntil([&] { return sub_.Events().size() >= 5; });
  EXPECT_EQ(bridge->Stop(SIGTERM), 0) << bridge->output();
  sub_.ReceiveRest();
  const auto events = sub_.Events();
  ASSERT_EQ(events.size(), 5u) << bridge->output();
  EXPECT_TRUE(events[0]->has_contact_queued());
  EXPECT_TRUE(events[1]->has_contact_ringing());
  EXPECT_EQ(events[2]->contact_answered().contact_id(), "call-7");
  EXPECT_EQ(events[2]->contact_answered().agent_id(), "1000");
  EXPECT_TRUE(events[3]->has_contact_ended());
  EXPECT_TRUE(events[4]->has_wrap_up_ended());
  const auto states = sub_.ConnectionStates();
  ASSERT_GE(states.size(), 3u);
  EXPECT_EQ(states[0], "ACD_CONNECTION_UP");
  EXPECT_EQ(states[1], "ACD_CONNECTION_DOWN");
  EXPECT_EQ(states[2], "ACD_CONNECTION_UP");
  sub_.ExpectGaplessNumbering(kSource, kEpoch);
  EXPECT_NE(bridge->output().find("reconnecting in"), std::string::npos);
  EXPECT_EQ(bridge->output().find("5550199888"), std::string::npos) << bridge->output();
}

TEST_F(freeswitch_bridge, WrongPasswordExitsWithAConfigurationError) {
  ScriptServer server;
  server.Serve(1, EslAuth(&subscription_, [](tcp::socket&, int) {}));
  auto bridge = StartBridge(server.port(), "wrong", /*wait_for_subscriber=*/false);
  EXPECT_EQ(bridge->Wait(30'000), 2) << bridge->output();
  EXPECT_NE(bridge->output().find("password rejected (-ERR invalid)"), std::string::npos)
      << bridge->output();
  EXPECT_EQ(bridge->output().find("NotClueCon"), std::string::npos);
}

TEST_F(freeswitch_bridge, ExampleConfigFileParsesInTheRealBinary) {
  testing::ChildProcess bridge({testing::BinaryPath("ccmon-bridge"), "--config",
                                std::string(CCMON_SOURCE_DIR) + "/config/bridges/freeswitch.toml",
                                "freeswitch", "--password-file", (dir_ / "password").string(),
                                "--caller-key-file", (dir_ / "caller.key").string(), "--dry-run"});
  EXPECT_EQ(bridge.Wait(30'000), 0) << bridge.output();
  EXPECT_NE(bridge.output().find("connect: 127.0.0.1:8021"), std::string::npos) << bridge.output();
  EXPECT_NE(bridge.output().find("as source fs-eu1"), std::string::npos) << bridge.output();
}

}  // namespace
}  // namespace ccmon
