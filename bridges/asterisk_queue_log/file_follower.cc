#include "bridges/asterisk_queue_log/file_follower.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace ccmon::asterisk_queue_log {
namespace {

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

// pread that retries on EINTR and reads until `size` bytes or the end of the file.
ssize_t ReadAt(int fd, char* data, std::size_t size, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

}  // namespace

QueueLogFollower::QueueLogFollower(FollowerOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock) {
  options_.read_chunk = std::max<std::size_t>(options_.read_chunk, 64);
}

QueueLogFollower::~QueueLogFollower() { Close(); }

void QueueLogFollower::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

FilePosition QueueLogFollower::position() const {
  return FilePosition{device_, inode_, offset_, fingerprint_bytes_, fingerprint_};
}

Status QueueLogFollower::OpenAt(const std::string& file, std::uint64_t offset) {
  Close();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(file);
  struct stat st = {};
  if (::fstat(fd, &st) != 0) {
    const Status s = Errno(file);
    ::close(fd);
    return s;
  }
  fd_ = fd;
  device_ = static_cast<std::uint64_t>(st.st_dev);
  inode_ = static_cast<std::uint64_t>(st.st_ino);
  offset_ = offset;
  fingerprint_bytes_ = 0;
  fingerprint_ = 0;
  pending_ = 0;
  rotated_idle_since_.reset();
  rotated_before_start_ = false;
  return Status::Ok();
}

Status QueueLogFollower::OpenPath(std::uint64_t offset) {
  struct stat st = {};
  if (::stat(options_.path.c_str(), &st) != 0 && errno == ENOENT) {
    Close();
    device_ = inode_ = offset_ = fingerprint_bytes_ = fingerprint_ = pending_ = 0;
    rotated_idle_since_.reset();
    return Status::Ok();  // Not there yet: Poll() opens it when it appears.
  }
  return OpenAt(options_.path, offset);
}

Status QueueLogFollower::ExtendFingerprint() {
  const std::uint64_t target = std::min(offset_, kFingerprintMax);
  if (fd_ < 0 || target <= fingerprint_bytes_) return Status::Ok();
  std::string head(target, '\0');
  if (ReadAt(fd_, head.data(), head.size(), 0) != static_cast<ssize_t>(target)) {
    return Errno(options_.path);
  }
  fingerprint_bytes_ = target;
  fingerprint_ = Fingerprint(head);
  return Status::Ok();
}

bool QueueLogFollower::FingerprintMatches() {
  if (fingerprint_bytes_ == 0) return true;
  std::string head(fingerprint_bytes_, '\0');
  return ReadAt(fd_, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()) &&
         Fingerprint(head) == fingerprint_;
}

Result<std::uint64_t> QueueLogFollower::EndOfLastLine() {
  struct stat st = {};
  if (::fstat(fd_, &st) != 0) return Errno(options_.path);
  auto end = static_cast<std::uint64_t>(st.st_size);
  std::string block(64 * 1024, '\0');
  while (end > 0) {
    const std::uint64_t start = end > block.size() ? end - block.size() : 0;
    const ssize_t n = ReadAt(fd_, block.data(), end - start, start);
    if (n < 0) return Errno(options_.path);
    const std::string_view data(block.data(), static_cast<std::size_t>(n));
    if (const std::size_t nl = data.rfind('\n'); nl != std::string_view::npos) {
      return start + nl + 1;
    }
    end = start;
  }
  return std::uint64_t{0};
}

Status QueueLogFollower::Start(const std::optional<FilePosition>& saved, StartAt start) {
  if (saved && saved->inode != 0) {
    struct stat ps = {};
    if (::stat(options_.path.c_str(), &ps) == 0 &&
        static_cast<std::uint64_t>(ps.st_dev) == saved->device &&
        static_cast<std::uint64_t>(ps.st_ino) == saved->inode) {
      if (Status s = OpenAt(options_.path, 0); !s.ok()) return s;
      fingerprint_bytes_ = saved->fingerprint_bytes;
      fingerprint_ = saved->fingerprint;
      if (static_cast<std::uint64_t>(ps.st_size) >= saved->offset && FingerprintMatches()) {
        offset_ = saved->offset;
      } else {
        spdlog::warn(
            "asterisk-queue-log: {} was truncated or rewritten while the bridge was stopped; "
            "reading it from the start",
            options_.path);
        fingerprint_bytes_ = fingerprint_ = 0;
        ++stats_.truncations;
      }
      return ExtendFingerprint();
    }
    // Rotated while the bridge was stopped: finish the old file if it is still next to the path.
    const std::filesystem::path path(options_.path);
    const std::string base = path.filename().string();
    std::error_code ec;
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name == base || name.rfind(base, 0) != 0) continue;
      struct stat st = {};
      if (::stat(entry.path().c_str(), &st) != 0 ||
          static_cast<std::uint64_t>(st.st_dev) != saved->device ||
          static_cast<std::uint64_t>(st.st_ino) != saved->inode) {
        continue;
      }
      if (Status s = OpenAt(entry.path().string(), 0); !s.ok()) return s;
      fingerprint_bytes_ = saved->fingerprint_bytes;
      fingerprint_ = saved->fingerprint;
      if (static_cast<std::uint64_t>(st.st_size) < saved->offset || !FingerprintMatches()) {
        break;  // Not the same content after all.
      }
      offset_ = saved->offset;
      // It is no longer written to: switch to the new file as soon as it is read to its end.
      rotated_idle_since_ = clock_->NowMs();
      rotated_before_start_ = true;
      spdlog::info("asterisk-queue-log: {} was rotated while the bridge was stopped; finishing {}",
                   options_.path, entry.path().string());
      return Status::Ok();
    }
    ++stats_.lost_files;
    spdlog::warn(
        "asterisk-queue-log: the file read last (device {}, inode {}) is neither at {} nor next "
        "to it; the lines it held after byte {} were not read. Reading {} from its start",
        saved->device, saved->inode, options_.path, saved->offset, options_.path);
    return OpenPath(0);
  }
  if (Status s = OpenPath(0); !s.ok()) return s;
  if (fd_ >= 0 && start == StartAt::kEnd && !saved) {
    auto end = EndOfLastLine();
    if (!end.ok()) return end.status();
    offset_ = *end;
    return ExtendFingerprint();
  }
  return Status::Ok();
}

Result<QueueLogFollower::Batch> QueueLogFollower::Poll() {
  if (fd_ < 0) {
    if (Status s = OpenPath(0); !s.ok()) return s;
    if (fd_ < 0) {
      Batch b;
      b.at_end = true;
      b.position = position();
      return b;
    }
    spdlog::info("asterisk-queue-log: {} appeared; reading it from the start", options_.path);
  }
  buffer_.resize(options_.read_chunk);
  const ssize_t n = ReadAt(fd_, buffer_.data(), buffer_.size(), offset_);
  if (n < 0) return Errno(options_.path);
  if (n == 0) {
    pending_ = 0;
    return AtEnd();
  }
  if (!FingerprintMatches()) {
    // Same inode, other first bytes: emptied and rewritten past our offset before we looked.
    spdlog::warn("asterisk-queue-log: {} was truncated and rewritten; reading it from the start",
                 options_.path);
    ++stats_.truncations;
    offset_ = fingerprint_bytes_ = fingerprint_ = pending_ = 0;
    Batch b;
    b.position = position();
    return b;
  }
  const std::string_view data(buffer_.data(), static_cast<std::size_t>(n));
  const std::size_t last_nl = data.rfind('\n');
  Batch b;
  if (last_nl == std::string_view::npos) {
    if (data.size() < buffer_.size()) {
      pending_ = data.size();
      return AtEnd();
    }
    b.lines.emplace_back(data);  // A line longer than a chunk: returned in pieces.
    offset_ += data.size();
    pending_ = 0;
  } else {
    std::size_t start = 0;
    while (start <= last_nl) {
      const std::size_t nl = data.find('\n', start);
      b.lines.emplace_back(data.substr(start, nl - start));
      start = nl + 1;
    }
    offset_ += last_nl + 1;
    pending_ = data.size() - last_nl - 1;
  }
  if (rotated_idle_since_ && !rotated_before_start_) {
    rotated_idle_since_ = clock_->NowMs();  // The old file still grows.
  }
  if (Status s = ExtendFingerprint(); !s.ok()) return s;
  b.position = position();
  return b;
}

Result<QueueLogFollower::Batch> QueueLogFollower::AtEnd() {
  Batch b;
  struct stat st = {};
  if (::fstat(fd_, &st) != 0) return Errno(options_.path);
  if (static_cast<std::uint64_t>(st.st_size) < offset_) {
    spdlog::warn("asterisk-queue-log: {} was truncated (copytruncate?); reading it from the start",
                 options_.path);
    ++stats_.truncations;
    offset_ = fingerprint_bytes_ = fingerprint_ = pending_ = 0;
    b.position = position();
    return b;
  }
  struct stat ps = {};
  const bool path_exists = ::stat(options_.path.c_str(), &ps) == 0;
  if (path_exists && static_cast<std::uint64_t>(ps.st_dev) == device_ &&
      static_cast<std::uint64_t>(ps.st_ino) == inode_) {
    rotated_idle_since_.reset();
    b.at_end = true;
    b.position = position();
    return b;
  }
  // The path now names another file (or none): the open one was rotated away.
  const UnixMs now = clock_->NowMs();
  if (!rotated_idle_since_) {
    rotated_idle_since_ = now;
    spdlog::info("asterisk-queue-log: {} was rotated; finishing the old file", options_.path);
  }
  if (!path_exists ||
      (!rotated_before_start_ && now - *rotated_idle_since_ < options_.rotate_grace_ms)) {
    b.at_end = true;
    b.position = position();
    return b;
  }
  // Nobody writes to the old file any more: its unfinished last line is all there is of it.
  if (pending_ > 0) {
    std::string tail(pending_, '\0');
    const ssize_t n = ReadAt(fd_, tail.data(), tail.size(), offset_);
    if (n < 0) return Errno(options_.path);
    tail.resize(static_cast<std::size_t>(n));
    if (!tail.empty()) b.lines.push_back(std::move(tail));
  }
  ++stats_.rotations;
  if (Status s = OpenPath(0); !s.ok()) return s;
  spdlog::info("asterisk-queue-log: reading the new {} from its start", options_.path);
  b.position = position();
  return b;
}

}  // namespace ccmon::asterisk_queue_log
