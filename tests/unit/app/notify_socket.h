// Test helper: the receiving end of systemd's notification protocol — an AF_UNIX datagram socket
// in a temporary directory or in the abstract namespace — so tests see exactly the datagrams a
// service sends, with the sender's PID as the kernel reports it (what NotifyAccess= checks).
// Test-only; one thread uses a NotifySocket.
#pragma once

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace ccmon::testing {

class NotifySocket {
 public:
  struct Message {
    std::string text;
    pid_t sender = 0;  // From SCM_CREDENTIALS.
  };

  // Binds a socket file "notify" in a fresh temporary directory (abstract = false) or an
  // abstract name unique to this process. ok() tells whether it worked.
  explicit NotifySocket(bool abstract) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    const int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socklen_t size = 0;
    if (abstract) {
      static int counter = 0;
      const std::string name =
          "ccmon-test-notify-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
      name_ = "@" + name;
      std::memcpy(address.sun_path + 1, name.data(), name.size());
      size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    } else {
      std::string pattern = (std::filesystem::temp_directory_path() / "ccmon-notify-XXXXXX");
      if (::mkdtemp(pattern.data()) == nullptr) return;
      dir_ = pattern;
      name_ = dir_ + "/notify";
      std::memcpy(address.sun_path, name_.data(), name_.size());
      size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size() + 1);
    }
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), size) == 0;
  }

  ~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool ok() const { return bound_; }
  // The value for $NOTIFY_SOCKET: a path, or "@name".
  const std::string& name() const { return name_; }

  // The next datagram, or nullopt if none arrives within `timeout_ms` (0: only one already
  // queued).
  std::optional<Message> Receive(int timeout_ms = 20'000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    char data[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{data, sizeof data};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_, &header, MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    Message m;
    m.text.assign(data, static_cast<std::size_t>(n));
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials;
        std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
        m.sender = credentials.pid;
      }
    }
    return m;
  }

  // Receives until a datagram containing the line `line` arrives; nullopt after `timeout_ms`
  // without one. Other datagrams (e.g. watchdog pings) are skipped.
  std::optional<Message> ReceiveLine(const std::string& line, int timeout_ms = 20'000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left < 0) return std::nullopt;
      auto m = Receive(static_cast<int>(left));
      if (!m) return std::nullopt;
      if (HasLine(m->text, line)) return m;
    }
  }

  // True when `text` has `line` as one of its newline-separated lines.
  static bool HasLine(const std::string& text, const std::string& line) {
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (text.compare(start, end - start, line) == 0) return true;
      start = end + 1;
    }
    return false;
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
  std::string name_;
  std::string dir_;
};

}  // namespace ccmon::testing
