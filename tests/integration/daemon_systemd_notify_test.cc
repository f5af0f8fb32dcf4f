// The real ccmond binary under systemd's notification protocol, without systemd: the test plays
// the service manager, binding the socket that $NOTIFY_SOCKET names and setting WATCHDOG_USEC in
// the daemon's environment, then checks READY=1 (with /-/ready answering 200 by then), watchdog
// pings, and STOPPING=1 on SIGTERM followed by a clean exit. Every wait blocks on the socket or
// the daemon's output with a timeout; nothing sleeps.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/unit/app/notify_socket.h"

namespace ccmon {
namespace {

using testing::NotifySocket;

// 1 s watchdog: pings every 500 ms. Long enough that the socket's queue (10 datagrams) cannot
// fill while the test waits for the daemon to exit, which would drop STOPPING=1.
constexpr const char* kWatchdogUsec = "1000000";

void RunDaemonUnderNotifySocket(bool abstract) {
  NotifySocket socket(abstract);
  ASSERT_TRUE(socket.ok());
  testing::ChildProcess daemon(
      {testing::BinaryPath("ccmond"), "--web.listen-address", "127.0.0.1:0", "--subscribe",
       "tcp://127.0.0.1:9"},  // Nothing listens there; ZeroMQ keeps retrying in the background.
      testing::EnvironmentWith(
          {"NOTIFY_SOCKET=" + socket.name(), std::string("WATCHDOG_USEC=") + kWatchdogUsec},
          {"WATCHDOG_PID"}));
  ASSERT_TRUE(daemon.started());
  const auto port =
      daemon.WaitForLine(std::regex(R"(listening on http://127\.0\.0\.1:(\d+)/metrics)"));
  ASSERT_TRUE(port.has_value()) << daemon.output();

  auto ready = socket.Receive();
  ASSERT_TRUE(ready.has_value()) << daemon.output();
  EXPECT_TRUE(NotifySocket::HasLine(ready->text, "READY=1")) << ready->text;
  EXPECT_NE(ready->text.find("STATUS=serving http://127.0.0.1:" + *port + "/metrics"),
            std::string::npos)
      << ready->text;
  // READY=1 means what /-/ready means.
  EXPECT_EQ(testing::HttpGet("127.0.0.1", static_cast<std::uint16_t>(std::stoi(*port)), "/-/ready")
                .status,
            200);

  auto ping = socket.Receive();
  ASSERT_TRUE(ping.has_value()) << daemon.output();
  EXPECT_EQ(ping->text, "WATCHDOG=1");
  EXPECT_EQ(ping->sender, ready->sender) << "every message comes from the main process";

  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.output();
  auto stopping = socket.ReceiveLine("STOPPING=1");
  ASSERT_TRUE(stopping.has_value()) << daemon.output();
  EXPECT_TRUE(NotifySocket::HasLine(stopping->text, "STATUS=stopping")) << stopping->text;
}

TEST(DaemonSystemdNotify, SendsReadyWatchdogAndStoppingToASocketFile) {
  RunDaemonUnderNotifySocket(/*abstract=*/false);
}

TEST(DaemonSystemdNotify, SendsReadyWatchdogAndStoppingToAnAbstractSocket) {
  RunDaemonUnderNotifySocket(/*abstract=*/true);
}

TEST(DaemonSystemdNotify, IgnoresAWatchdogMeantForAnotherProcess) {
  NotifySocket socket(/*abstract=*/false);
  ASSERT_TRUE(socket.ok());
  testing::ChildProcess daemon(
      {testing::BinaryPath("ccmond"), "--web.listen-address", "127.0.0.1:0", "--subscribe",
       "tcp://127.0.0.1:9"},
      testing::EnvironmentWith({"NOTIFY_SOCKET=" + socket.name(), "WATCHDOG_USEC=2000",
                                "WATCHDOG_PID=1"}));  // PID 1 is never the daemon.
  ASSERT_TRUE(daemon.started());
  ASSERT_TRUE(daemon.WaitForLine(std::regex("systemd watchdog settings ignored: WATCHDOG_PID=1"))
                  .has_value())
      << daemon.output();
  auto ready = socket.Receive();
  ASSERT_TRUE(ready.has_value()) << daemon.output();
  EXPECT_TRUE(NotifySocket::HasLine(ready->text, "READY=1"));
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.output();
  // With a 2 ms timeout a ping would have been due hundreds of times; only STOPPING follows.
  auto next = socket.Receive();
  ASSERT_TRUE(next.has_value());
  EXPECT_TRUE(NotifySocket::HasLine(next->text, "STOPPING=1")) << next->text;
}

}  // namespace
}  // namespace ccmon
