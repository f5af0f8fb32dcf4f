// QueueLogFollower: reads the queue_log file as Asterisk appends to it, line by line, across
// rotations and truncations, from a persisted position.
//
// - Lines: only complete lines ("\n"-terminated) are returned; an unfinished last line waits for
//   its newline. A "line" longer than the read chunk (1 MiB) is returned in chunk-sized pieces.
// - Rotation (the file renamed or removed and a new one created at the path, as logrotate and
//   Asterisk's `logger rotate` do): the old file is read to its end, and kept open until it has
//   not grown for `rotate_grace_ms` (Asterisk may write a little more to it before it reopens the
//   path); then its unfinished last line, if any, is returned as a line, and the new file is read
//   from its start.
// - Truncation (copytruncate, or the file emptied and rewritten): detected when the file is
//   shorter than the position or its first bytes no longer match the fingerprint; reading starts
//   again at 0. Lines written between the copy and the truncation are lost: logrotate's
//   copytruncate cannot avoid that (docs/bridges/asterisk-queue-log.md).
// - Restart (Start with a saved position): the same file continues at the saved offset; if it
//   was rotated while the bridge was stopped, the old file is looked for next to the path (a
//   file whose name starts with the path's name, with the saved device and inode), finished,
//   then the new file is read from its start.
//
// Time (for the rotation grace) comes from the injected clock; tests use a ManualClock.
// Threading: not thread-safe; one thread owns a follower.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bridges/asterisk_queue_log/position_file.h"
#include "common/clock.h"
#include "common/status.h"

namespace ccmon::asterisk_queue_log {

struct FollowerOptions {
  std::string path;
  // How long a rotated-away file must stay unchanged before the new file is read.
  std::int64_t rotate_grace_ms = 1'000;
  std::size_t read_chunk = 1 << 20;
};

// Where to start in a file the bridge has no saved position for.
enum class StartAt { kBeginning, kEnd };

struct FollowerStats {
  std::uint64_t rotations = 0;    // Switches from a rotated-away file to the new one.
  std::uint64_t truncations = 0;  // Restarts at offset 0 of the same file.
  std::uint64_t lost_files = 0;   // Saved file no longer found at start: its unread tail is lost.
};

class QueueLogFollower {
 public:
  QueueLogFollower(FollowerOptions options, const Clock* clock);
  ~QueueLogFollower();
  QueueLogFollower(const QueueLogFollower&) = delete;
  QueueLogFollower& operator=(const QueueLogFollower&) = delete;

  // Opens the file at `saved` if it still designates this file (or a rotated one, see the header
  // comment), else at `start`. A path that does not exist yet is fine: it is read from its start
  // once it appears. IoError only if an existing file cannot be opened or read.
  Status Start(const std::optional<FilePosition>& saved, StartAt start);

  struct Batch {
    std::vector<std::string> lines;  // Complete lines, without "\n".
    FilePosition position;           // Where reading continues after these lines.
    bool at_end = false;             // Nothing more to read now.
  };

  // Returns the next complete lines (up to one read chunk), or a batch with at_end when there is
  // nothing new; handles rotation and truncation on the way. IoError if a read fails.
  Result<Batch> Poll();

  // The position after the last line returned.
  FilePosition position() const;
  // Bytes of an unfinished last line not returned yet.
  std::uint64_t pending_bytes() const { return pending_; }
  bool has_file() const { return fd_ >= 0; }
  const FollowerStats& stats() const { return stats_; }

 private:
  static constexpr std::uint64_t kFingerprintMax = 1024;

  Status OpenPath(std::uint64_t offset);  // Opens options_.path; fd_ = -1 if it does not exist.
  Status OpenAt(const std::string& file, std::uint64_t offset);
  void Close();
  // Re-reads the fingerprint of the first min(offset_, 1 KiB) bytes if it covers less.
  Status ExtendFingerprint();
  // True if the first fingerprint_bytes_ bytes still hash to fingerprint_.
  bool FingerprintMatches();
  // The offset just after the last "\n" of the file (where a tail from the end starts).
  Result<std::uint64_t> EndOfLastLine();
  // Called at the end of the current content: truncation and rotation checks.
  Result<Batch> AtEnd();

  FollowerOptions options_;
  const Clock* clock_;
  int fd_ = -1;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t fingerprint_bytes_ = 0;
  std::uint64_t fingerprint_ = 0;
  std::uint64_t pending_ = 0;
  // Set while the open file is no longer the one at the path: since when it has not grown.
  std::optional<UnixMs> rotated_idle_since_;
  // The open file was found rotated at Start(): nobody writes to it any more, so the new file
  // is read as soon as this one is read to its end.
  bool rotated_before_start_ = false;
  FollowerStats stats_;
  std::string buffer_;
};

}  // namespace ccmon::asterisk_queue_log
