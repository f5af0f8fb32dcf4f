// LineReader: reads newline-terminated lines from a file descriptor (a file, a pipe, standard
// input) with a bound on the line length and a timeout, so a bridge can send heartbeats while
// its input is quiet and never buffers more than one maximum-length line.
//
// A line longer than the bound is skipped up to its newline and reported once as kTooLong. A last
// line without a newline is returned at end of input. A '\r' before the newline is kept (the
// caller trims it).
//
// Used by the jsonl bridge (jsonl_command.h) and tests. Threading: not thread-safe; one thread
// owns a reader. The file descriptor is not closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ccmon::jsonl {

class LineReader {
 public:
  enum class Result {
    kLine,     // *line holds the next line (without its '\n').
    kTooLong,  // A line longer than max_line_bytes was skipped.
    kIdle,     // Nothing arrived within the timeout (or a signal interrupted the wait).
    kEnd,      // End of input.
    kError,    // The read failed (errno is in error()).
  };

  LineReader(int fd, std::size_t max_line_bytes) : fd_(fd), max_line_bytes_(max_line_bytes) {}

  // Returns the next line, waiting at most `timeout_ms` for input (-1 = no limit).
  Result Next(int timeout_ms, std::string* line);

  // 1-based number of the line returned (or skipped) last.
  std::uint64_t line_number() const { return line_number_; }
  int error() const { return error_; }

 private:
  // Takes the first complete line out of the buffer, if there is one.
  bool TakeLine(std::string* line, Result* result);

  int fd_;
  std::size_t max_line_bytes_;
  std::string buffer_;  // Bytes read and not yet returned, from buffer_start_.
  std::size_t buffer_start_ = 0;
  bool discarding_ = false;  // Inside a line that is too long: drop bytes up to the newline.
  bool at_end_ = false;
  std::uint64_t line_number_ = 0;
  int error_ = 0;
};

}  // namespace ccmon::jsonl
