#include "bridges/jsonl/line_reader.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ccmon::jsonl {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

}  // namespace

bool LineReader::TakeLine(std::string* line, Result* result) {
  const std::size_t newline = buffer_.find('\n', buffer_start_);
  if (newline == std::string::npos) {
    const std::size_t pending = buffer_.size() - buffer_start_;
    if (discarding_ || pending > max_line_bytes_) {
      // Too long already: keep nothing of it; the rest of the line is dropped as it comes.
      discarding_ = true;
      buffer_.clear();
      buffer_start_ = 0;
    }
    return false;
  }
  ++line_number_;
  const std::size_t length = newline - buffer_start_;
  if (discarding_ || length > max_line_bytes_) {
    discarding_ = false;
    *result = Result::kTooLong;
  } else {
    line->assign(buffer_, buffer_start_, length);
    *result = Result::kLine;
  }
  buffer_start_ = newline + 1;
  // Compact once the consumed part dominates, so the buffer stays bounded.
  if (buffer_start_ == buffer_.size()) {
    buffer_.clear();
    buffer_start_ = 0;
  } else if (buffer_start_ > kChunkBytes && buffer_start_ * 2 > buffer_.size()) {
    buffer_.erase(0, buffer_start_);
    buffer_start_ = 0;
  }
  return true;
}

LineReader::Result LineReader::Next(int timeout_ms, std::string* line) {
  Result result = Result::kEnd;
  while (true) {
    if (TakeLine(line, &result)) return result;
    if (at_end_) {
      // A last line without a newline.
      if (discarding_) {
        discarding_ = false;
        ++line_number_;
        return Result::kTooLong;
      }
      if (buffer_start_ < buffer_.size()) {
        ++line_number_;
        line->assign(buffer_, buffer_start_, std::string::npos);
        buffer_.clear();
        buffer_start_ = 0;
        return Result::kLine;
      }
      return Result::kEnd;
    }
    pollfd item{fd_, POLLIN, 0};
    const int ready = ::poll(&item, 1, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) return Result::kIdle;
      error_ = errno;
      return Result::kError;
    }
    if (ready == 0) return Result::kIdle;
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + kChunkBytes);
    const ssize_t n = ::read(fd_, buffer_.data() + old_size, kChunkBytes);
    if (n < 0) {
      buffer_.resize(old_size);
      if (errno == EINTR || errno == EAGAIN) return Result::kIdle;
      error_ = errno;
      return Result::kError;
    }
    buffer_.resize(old_size + static_cast<std::size_t>(n));
    if (n == 0) at_end_ = true;
  }
}

}  // namespace ccmon::jsonl
