// The service side of systemd's notification protocol (sd_notify(3), "Type=notify" services),
// written without libsystemd: a notification is one datagram of newline-separated VAR=VALUE
// lines sent to the AF_UNIX datagram socket named by $NOTIFY_SOCKET — a file system path, or an
// abstract socket name when the value starts with '@'. systemd reads the sender's PID from the
// kernel-supplied credentials, so only the main process may notify (NotifyAccess=main).
//
// SystemdNotifier is the protocol: it reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID once
// and sends messages. Without $NOTIFY_SOCKET (run by hand, in a container, in tests) every call is
// a successful no-op. SystemdNotifications is what ccmond tells systemd over its life: READY=1
// once it serves, WATCHDOG=1 pings from the event loop, STOPPING=1 at shutdown.
//
// Threading: neither class is thread-safe. App uses them on the engine thread (the io_context
// thread), and before the loop runs on the thread that will run it.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ccmon::app {

class SystemdNotifier {
 public:
  // Looks up an environment variable; nullptr when unset (std::getenv's contract).
  using EnvLookup = std::function<const char*(const char*)>;

  // A notifier that sends nothing (enabled() is false).
  SystemdNotifier() = default;
  // Sends to `socket` ("/run/systemd/notify", "@abstract-name"; empty = disabled). A positive
  // `watchdog_timeout` enables the watchdog: systemd expects WATCHDOG=1 at least that often.
  SystemdNotifier(std::string socket, std::chrono::microseconds watchdog_timeout);
  ~SystemdNotifier();
  SystemdNotifier(SystemdNotifier&& other) noexcept;
  SystemdNotifier& operator=(SystemdNotifier&& other) noexcept;
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  // Reads $NOTIFY_SOCKET and the watchdog settings: the watchdog is enabled when $WATCHDOG_USEC is
  // a positive integer and $WATCHDOG_PID is unset or equals `self` (systemd sets it to the main
  // PID so that a child inheriting the environment does not ping in its parent's name). Malformed
  // values disable the watchdog rather than fail: systemd would then kill the daemon, which is
  // the loud failure a misconfiguration deserves, and the log says why (watchdog_problem()).
  static SystemdNotifier FromEnvironment(const EnvLookup& getenv, pid_t self);
  // The same with this process's environment and PID.
  static SystemdNotifier FromEnvironment();

  // True when $NOTIFY_SOCKET was set: messages are sent.
  bool enabled() const { return !socket_.empty(); }
  const std::string& socket() const { return socket_; }
  // WATCHDOG_USEC as given (zero when the watchdog is off).
  std::chrono::microseconds watchdog_timeout() const { return watchdog_timeout_; }
  // How often to ping: half the timeout, as sd_watchdog_enabled(3) recommends, at least 1 ms.
  // Zero when the watchdog is off.
  std::chrono::microseconds watchdog_interval() const;
  // Why the watchdog settings were ignored (empty when they were used or absent).
  const std::string& watchdog_problem() const { return watchdog_problem_; }

  // Sends `message` ("READY=1\nSTATUS=serving") as one datagram. Never blocks: when systemd's
  // queue is full the message is dropped and Unavailable returned. InvalidArgument when the
  // socket name is neither an absolute path nor '@'-abstract or is too long; IoError when the
  // socket cannot be created or the datagram not sent (no such socket, permission denied).
  // Ok without sending when disabled.
  Status Notify(std::string_view message);

  // READY=1 with a STATUS line.
  Status Ready(std::string_view status);
  // STATUS= alone (shown by `systemctl status`).
  Status SetStatus(std::string_view status);
  // WATCHDOG=1; Ok without sending when the watchdog is off.
  Status Watchdog();
  // STOPPING=1 with a STATUS line.
  Status Stopping(std::string_view status);

 private:
  void Close();

  std::string socket_;
  std::chrono::microseconds watchdog_timeout_{0};
  std::string watchdog_problem_;
  int fd_ = -1;  // Opened on the first message, kept for the pings.
};

// What ccmond tells systemd over its life. Owns a timer on the engine's io_context.
//
// Why the watchdog ping is a timer on this io_context and nothing more: the io_context has one
// thread, the engine thread, and everything the daemon does that can hang runs as its handlers —
// applying ingest batches, rendering scrapes, serving HTTP, stopping. The timer's handler runs on
// that same thread, queued behind those handlers, so each ping proves that the engine thread has
// finished what it was given and is taking new work; a handler stuck in a loop or a deadlock
// stops the pings and systemd restarts the daemon after WatchdogSec. (Were the timer on another
// thread, it would have to check a heartbeat timestamp that the engine thread updates; here the
// ping is that heartbeat.) The ingest thread is not covered: if it stalls, events stop arriving,
// which ccmond_source_up and the source alerts of deploy/prometheus report.
class SystemdNotifications {
 public:
  SystemdNotifications(boost::asio::io_context& io, SystemdNotifier notifier);
  ~SystemdNotifications();
  SystemdNotifications(const SystemdNotifications&) = delete;
  SystemdNotifications& operator=(const SystemdNotifications&) = delete;

  // Posts to the io_context: once the loop runs, sends READY=1 with STATUS=`status` and starts
  // the watchdog pings (every watchdog_interval()). Call once, when the daemon is fully ready;
  // on the engine thread or before it runs the loop. Send failures are logged, not returned:
  // systemd is an observer, and a daemon that serves should keep serving.
  void ReadyWhenRunning(std::string status);

  // Engine thread: stops the pings (so that io_context::run() can return) and sends STOPPING=1
  // with STATUS=`status`. Idempotent; nothing is sent after it.
  void Stopping(std::string status);

  const SystemdNotifier& notifier() const { return notifier_; }

 private:
  void ScheduleWatchdog();
  void Log(const Status& s, std::string_view what);

  SystemdNotifier notifier_;
  boost::asio::steady_timer watchdog_timer_;
  bool stopping_ = false;
  bool logged_failure_ = false;
};

}  // namespace ccmon::app
