// The sd_notify(3) protocol as SystemdNotifier speaks it, received on real AF_UNIX datagram
// sockets (a file in a temporary directory and an abstract name), and the watchdog pings that
// SystemdNotifications sends from a running io_context.
#include "daemon/app/systemd_notify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <map>
#include <string>
#include <thread>

#include "tests/unit/app/notify_socket.h"

namespace ccmon::app {
namespace {

using std::chrono::microseconds;
using testing::NotifySocket;

// An environment lookup over a fixed map.
SystemdNotifier::EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(SystemdNotifier, SendsReadyWithStatusAsOneDatagramToASocketFile) {
  NotifySocket socket(/*abstract=*/false);
  ASSERT_TRUE(socket.ok());
  SystemdNotifier notifier(socket.name(), microseconds(0));
  ASSERT_TRUE(notifier.enabled());

  ASSERT_TRUE(notifier.Ready("serving").ok());
  auto m = socket.Receive();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->text, "READY=1\nSTATUS=serving");
  // The kernel stamps the sender's PID: systemd accepts only the main process (NotifyAccess=main).
  EXPECT_EQ(m->sender, ::getpid());
}

TEST(SystemdNotifier, SendsToAnAbstractSocketWhenTheNameStartsWithAt) {
  NotifySocket socket(/*abstract=*/true);
  ASSERT_TRUE(socket.ok());
  ASSERT_EQ(socket.name()[0], '@');
  SystemdNotifier notifier(socket.name(), microseconds(0));

  ASSERT_TRUE(notifier.SetStatus("restoring").ok());
  ASSERT_TRUE(notifier.Stopping("bye").ok());
  auto first = socket.Receive();
  auto second = socket.Receive();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->text, "STATUS=restoring");
  EXPECT_EQ(second->text, "STOPPING=1\nSTATUS=bye");
}

TEST(SystemdNotifier, FromEnvironmentReadsTheSocketAndTheWatchdog) {
  NotifySocket socket(/*abstract=*/false);
  ASSERT_TRUE(socket.ok());
  auto notifier = SystemdNotifier::FromEnvironment(
      Env({{"NOTIFY_SOCKET", socket.name()}, {"WATCHDOG_USEC", "3000000"}}), 42);
  EXPECT_TRUE(notifier.enabled());
  EXPECT_EQ(notifier.socket(), socket.name());
  EXPECT_EQ(notifier.watchdog_timeout(), microseconds(3'000'000));
  EXPECT_EQ(notifier.watchdog_interval(), microseconds(1'500'000));
  EXPECT_TRUE(notifier.watchdog_problem().empty());

  ASSERT_TRUE(notifier.Watchdog().ok());
  auto m = socket.Receive();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->text, "WATCHDOG=1");
}

TEST(SystemdNotifier, WithoutNotifySocketEverythingIsASuccessfulNoOp) {
  auto notifier = SystemdNotifier::FromEnvironment(Env({{"WATCHDOG_USEC", "1000000"}}), 42);
  EXPECT_FALSE(notifier.enabled());
  EXPECT_EQ(notifier.watchdog_interval(), microseconds(0));
  EXPECT_TRUE(notifier.Ready("serving").ok());
  EXPECT_TRUE(notifier.Watchdog().ok());
  EXPECT_TRUE(notifier.Stopping("bye").ok());

  auto empty = SystemdNotifier::FromEnvironment(Env({{"NOTIFY_SOCKET", ""}}), 42);
  EXPECT_FALSE(empty.enabled());
}

TEST(SystemdNotifier, WatchdogIsOnlyForTheProcessNamedByWatchdogPid) {
  auto ours = SystemdNotifier::FromEnvironment(
      Env({{"NOTIFY_SOCKET", "/run/x"}, {"WATCHDOG_USEC", "1000"}, {"WATCHDOG_PID", "42"}}), 42);
  EXPECT_EQ(ours.watchdog_timeout(), microseconds(1000));

  auto parents = SystemdNotifier::FromEnvironment(
      Env({{"NOTIFY_SOCKET", "/run/x"}, {"WATCHDOG_USEC", "1000"}, {"WATCHDOG_PID", "7"}}), 42);
  EXPECT_EQ(parents.watchdog_timeout(), microseconds(0));
  EXPECT_NE(parents.watchdog_problem().find("WATCHDOG_PID=7"), std::string::npos);
  EXPECT_TRUE(parents.enabled()) << "READY and STOPPING still go out";
}

TEST(SystemdNotifier, MalformedWatchdogUsecDisablesTheWatchdogAndSaysWhy) {
  for (const char* bad : {"", "0", "-5", "12s", "1e6"}) {
    auto n = SystemdNotifier::FromEnvironment(
        Env({{"NOTIFY_SOCKET", "/run/x"}, {"WATCHDOG_USEC", bad}}), 42);
    EXPECT_EQ(n.watchdog_timeout(), microseconds(0)) << bad;
    EXPECT_NE(n.watchdog_problem().find("WATCHDOG_USEC"), std::string::npos) << bad;
  }
}

TEST(SystemdNotifier, WatchdogPingIsNotSentWhenTheWatchdogIsOff) {
  NotifySocket socket(/*abstract=*/false);
  ASSERT_TRUE(socket.ok());
  SystemdNotifier notifier(socket.name(), microseconds(0));
  ASSERT_TRUE(notifier.Watchdog().ok());
  ASSERT_TRUE(notifier.SetStatus("after").ok());
  auto m = socket.Receive();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->text, "STATUS=after");  // The ping never went out.
}

TEST(SystemdNotifier, ATinyTimeoutStillPingsNoMoreOftenThanEveryMillisecond) {
  SystemdNotifier notifier("/run/x", microseconds(1));
  EXPECT_EQ(notifier.watchdog_interval(), microseconds(1000));
}

TEST(SystemdNotifier, RejectsASocketNameThatIsNeitherAPathNorAbstract) {
  SystemdNotifier relative("run/notify", microseconds(0));
  EXPECT_EQ(relative.Ready("x").code(), StatusCode::kInvalidArgument);
  SystemdNotifier vsock("vsock:2:1234", microseconds(0));
  EXPECT_EQ(vsock.Ready("x").code(), StatusCode::kInvalidArgument);
  SystemdNotifier too_long("/" + std::string(200, 'a'), microseconds(0));
  EXPECT_EQ(too_long.Ready("x").code(), StatusCode::kInvalidArgument);
}

TEST(SystemdNotifier, ReportsASocketThatDoesNotExist) {
  SystemdNotifier notifier("/nonexistent-ccmon-dir/notify", microseconds(0));
  const Status s = notifier.Ready("x");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("/nonexistent-ccmon-dir/notify"), std::string::npos);
}

TEST(SystemdNotifier, MovesKeepSendingToTheSameSocket) {
  NotifySocket socket(/*abstract=*/true);
  ASSERT_TRUE(socket.ok());
  SystemdNotifier a(socket.name(), microseconds(2000));
  ASSERT_TRUE(a.SetStatus("one").ok());  // Opens the descriptor.
  SystemdNotifier b(std::move(a));
  ASSERT_TRUE(b.SetStatus("two").ok());
  EXPECT_EQ(socket.Receive()->text, "STATUS=one");
  EXPECT_EQ(socket.Receive()->text, "STATUS=two");
  EXPECT_EQ(b.watchdog_timeout(), microseconds(2000));
}

// The daemon's use: READY once the loop runs, then pings from the loop, then STOPPING, after
// which io_context::run() returns because the watchdog timer is gone.
TEST(SystemdNotifications, ReadyThenPingsFromTheLoopThenStoppingLetsTheLoopEnd) {
  NotifySocket socket(/*abstract=*/false);
  ASSERT_TRUE(socket.ok());
  boost::asio::io_context io;
  SystemdNotifications systemd(io, SystemdNotifier(socket.name(), microseconds(4000)));
  systemd.ReadyWhenRunning("serving");
  // Nothing is sent before the loop runs.
  EXPECT_FALSE(socket.Receive(0).has_value());

  std::thread loop([&io] { io.run(); });
  auto ready = socket.Receive();
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->text, "READY=1\nSTATUS=serving");
  for (int i = 0; i < 3; ++i) {
    auto ping = socket.Receive();
    ASSERT_TRUE(ping.has_value());
    EXPECT_EQ(ping->text, "WATCHDOG=1");
  }
  // Stop from a handler that first waits until the pings already sent are read, so that the
  // socket's queue (10 datagrams by default) has room for STOPPING=1.
  std::promise<void> entered;
  std::promise<void> drained;
  auto drained_future = drained.get_future();
  boost::asio::post(io, [&] {
    entered.set_value();
    drained_future.wait();
    systemd.Stopping("stopping");
  });
  entered.get_future().wait();
  while (socket.Receive(0)) {
  }
  drained.set_value();
  loop.join();  // Returns only because Stopping cancelled the timer.
  auto stopping = socket.Receive();
  ASSERT_TRUE(stopping.has_value());
  EXPECT_EQ(stopping->text, "STOPPING=1\nSTATUS=stopping");
  EXPECT_FALSE(socket.Receive(0).has_value()) << "nothing after STOPPING=1";
}

// What makes the ping worth having: while a handler holds the engine thread, no ping goes out.
TEST(SystemdNotifications, NoPingWhileTheEngineThreadIsBusyAndPingsResumeAfter) {
  NotifySocket socket(/*abstract=*/true);
  ASSERT_TRUE(socket.ok());
  boost::asio::io_context io;
  SystemdNotifications systemd(io, SystemdNotifier(socket.name(), microseconds(2000)));
  systemd.ReadyWhenRunning("serving");
  std::thread loop([&io] { io.run(); });
  ASSERT_TRUE(socket.ReceiveLine("WATCHDOG=1").has_value());

  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future();
  boost::asio::post(io, [&] {
    entered.set_value();
    released.wait();  // A stuck handler.
  });
  entered.get_future().wait();
  while (socket.Receive(0)) {
  }  // Pings sent before the handler started.
  // The loop is held, so no ping can be sent: 50 ms is 50 ping intervals.
  EXPECT_FALSE(socket.Receive(50).has_value());
  release.set_value();
  EXPECT_TRUE(socket.ReceiveLine("WATCHDOG=1").has_value());

  boost::asio::post(io, [&systemd] { systemd.Stopping("stopping"); });
  loop.join();
}

TEST(SystemdNotifications, WithoutNotifySocketNothingIsScheduled) {
  boost::asio::io_context io;
  SystemdNotifications systemd(io, SystemdNotifier());
  systemd.ReadyWhenRunning("serving");
  EXPECT_EQ(io.run(), 0u);  // No handler, no timer: run() returns at once.
  systemd.Stopping("stopping");
}

}  // namespace
}  // namespace ccmon::app
