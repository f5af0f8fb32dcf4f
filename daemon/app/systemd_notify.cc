#include "daemon/app/systemd_notify.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace ccmon::app {

namespace {

// Parses a decimal unsigned integer that fills the whole of `text`.
bool ParseUnsigned(std::string_view text, unsigned long long* out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

SystemdNotifier::SystemdNotifier(std::string socket, std::chrono::microseconds watchdog_timeout)
    : socket_(std::move(socket)),
      watchdog_timeout_(watchdog_timeout.count() > 0 ? watchdog_timeout
                                                     : std::chrono::microseconds(0)) {}

SystemdNotifier::~SystemdNotifier() { Close(); }

SystemdNotifier::SystemdNotifier(SystemdNotifier&& other) noexcept
    : socket_(std::move(other.socket_)),
      watchdog_timeout_(other.watchdog_timeout_),
      watchdog_problem_(std::move(other.watchdog_problem_)),
      fd_(std::exchange(other.fd_, -1)) {
  other.socket_.clear();
}

SystemdNotifier& SystemdNotifier::operator=(SystemdNotifier&& other) noexcept {
  if (this != &other) {
    Close();
    socket_ = std::move(other.socket_);
    other.socket_.clear();
    watchdog_timeout_ = other.watchdog_timeout_;
    watchdog_problem_ = std::move(other.watchdog_problem_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void SystemdNotifier::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

SystemdNotifier SystemdNotifier::FromEnvironment(const EnvLookup& getenv, pid_t self) {
  const char* socket = getenv("NOTIFY_SOCKET");
  if (socket == nullptr || *socket == '\0') return SystemdNotifier();

  std::chrono::microseconds timeout{0};
  std::string problem;
  if (const char* usec = getenv("WATCHDOG_USEC"); usec != nullptr) {
    const char* pid = getenv("WATCHDOG_PID");
    unsigned long long value = 0;
    unsigned long long pid_value = 0;
    if (!ParseUnsigned(usec, &value) || value == 0) {
      problem = "WATCHDOG_USEC=\"" + std::string(usec) + "\" is not a positive integer";
    } else if (pid != nullptr && (!ParseUnsigned(pid, &pid_value) ||
                                  pid_value != static_cast<unsigned long long>(self))) {
      // Meant for another process (we inherited our parent's environment): not ours to ping.
      problem = "WATCHDOG_PID=" + std::string(pid) + " is not this process (" +
                std::to_string(self) + ")";
    } else {
      timeout = std::chrono::microseconds(static_cast<std::int64_t>(value));
    }
  }
  SystemdNotifier notifier(socket, timeout);
  notifier.watchdog_problem_ = std::move(problem);
  return notifier;
}

SystemdNotifier SystemdNotifier::FromEnvironment() {
  return FromEnvironment([](const char* name) { return std::getenv(name); }, ::getpid());
}

std::chrono::microseconds SystemdNotifier::watchdog_interval() const {
  if (watchdog_timeout_.count() <= 0) return std::chrono::microseconds(0);
  return std::max(watchdog_timeout_ / 2, std::chrono::microseconds(std::chrono::milliseconds(1)));
}

Status SystemdNotifier::Notify(std::string_view message) {
  if (!enabled()) return Status::Ok();

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socklen_t address_size = 0;
  if (socket_[0] == '@') {
    // Abstract namespace: a leading NUL, then the name; the length counts exactly the name's
    // bytes (no terminating NUL — it would become part of the name).
    if (socket_.size() > sizeof address.sun_path) {
      return Status::InvalidArgument("NOTIFY_SOCKET \"" + socket_ + "\" is too long");
    }
    address.sun_path[0] = '\0';
    std::memcpy(address.sun_path + 1, socket_.data() + 1, socket_.size() - 1);
    address_size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  } else if (socket_[0] == '/') {
    if (socket_.size() >= sizeof address.sun_path) {
      return Status::InvalidArgument("NOTIFY_SOCKET \"" + socket_ + "\" is too long");
    }
    std::memcpy(address.sun_path, socket_.data(), socket_.size());
    address_size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() + 1);
  } else {
    // systemd 253+ may also pass "vsock:..." (for virtual machines); ccmond does not run there.
    return Status::InvalidArgument("NOTIFY_SOCKET \"" + socket_ +
                                   "\" is neither an absolute path nor an abstract name (@...)");
  }

  if (fd_ < 0) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      return Status::IoError(std::string("cannot create a notification socket: ") +
                             std::strerror(errno));
    }
  }
  // MSG_DONTWAIT: a busy systemd must never stall the engine thread; a dropped ping is retried
  // at the next interval, well within the timeout. MSG_NOSIGNAL: no SIGPIPE, ever.
  const ssize_t sent = ::sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), address_size);
  if (sent < 0) {
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      return Status::Unavailable("notification socket " + socket_ + " is full; message dropped");
    }
    return Status::IoError("send to notification socket " + socket_ + ": " + std::strerror(error));
  }
  if (static_cast<std::size_t>(sent) != message.size()) {
    return Status::IoError("short send to notification socket " + socket_);
  }
  return Status::Ok();
}

Status SystemdNotifier::Ready(std::string_view status) {
  return Notify("READY=1\nSTATUS=" + std::string(status));
}

Status SystemdNotifier::SetStatus(std::string_view status) {
  return Notify("STATUS=" + std::string(status));
}

Status SystemdNotifier::Watchdog() {
  if (watchdog_timeout_.count() <= 0) return Status::Ok();
  return Notify("WATCHDOG=1");
}

Status SystemdNotifier::Stopping(std::string_view status) {
  return Notify("STOPPING=1\nSTATUS=" + std::string(status));
}

SystemdNotifications::SystemdNotifications(boost::asio::io_context& io, SystemdNotifier notifier)
    : notifier_(std::move(notifier)), watchdog_timer_(io) {
  if (!notifier_.watchdog_problem().empty()) {
    spdlog::warn("systemd watchdog settings ignored: {}", notifier_.watchdog_problem());
  }
}

SystemdNotifications::~SystemdNotifications() = default;

void SystemdNotifications::ReadyWhenRunning(std::string status) {
  if (!notifier_.enabled()) return;
  boost::asio::post(watchdog_timer_.get_executor(), [this, status = std::move(status)] {
    if (stopping_) return;
    Log(notifier_.Ready(status), "READY=1");
    if (notifier_.watchdog_interval().count() > 0) {
      spdlog::info("systemd watchdog: pinging every {} ms (timeout {} ms)",
                   notifier_.watchdog_interval().count() / 1000,
                   notifier_.watchdog_timeout().count() / 1000);
      ScheduleWatchdog();
    }
  });
}

void SystemdNotifications::ScheduleWatchdog() {
  watchdog_timer_.expires_after(notifier_.watchdog_interval());
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted || stopping_) return;
    Log(notifier_.Watchdog(), "WATCHDOG=1");
    ScheduleWatchdog();
  });
}

void SystemdNotifications::Stopping(std::string status) {
  if (stopping_) return;
  stopping_ = true;
  watchdog_timer_.cancel();
  Log(notifier_.Stopping(status), "STOPPING=1");
}

void SystemdNotifications::Log(const Status& s, std::string_view what) {
  if (s.ok()) return;
  // A lost ping is retried at the next tick; say so once, not every few seconds.
  if (what == "WATCHDOG=1") {
    if (logged_failure_) return;
    logged_failure_ = true;
  }
  spdlog::warn("systemd notification {} not sent: {}", what, s.message());
}

}  // namespace ccmon::app
