// The persisted read position of `ccmon-bridge asterisk-queue-log`: which file (device and
// inode, plus a fingerprint of its first bytes, since inode numbers are reused), how far its
// complete lines were read and published, and the mapper's state at that point (calls in
// progress, agents). Written after the events of the lines before it were published, so a
// restarted bridge neither skips nor repeats a line. Format: README.md in this folder.
//
// Saving is atomic: the text goes to "<path>.tmp", is flushed to disk (fsync), then renamed over
// <path> (and the directory is synced), so a crash leaves the old or the new position, never a
// torn one.
//
// Used by the command's run loop only. Functions over files; not safe for two writers of the
// same path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ccmon::asterisk_queue_log {

// Where reading continues in a queue_log file.
struct FilePosition {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;             // Bytes of complete lines consumed.
  std::uint64_t fingerprint_bytes = 0;  // Leading bytes covered by the fingerprint (≤ 1 KiB).
  std::uint64_t fingerprint = 0;        // FNV-1a 64 of those bytes.

  bool operator==(const FilePosition&) const = default;
};

struct SavedPosition {
  FilePosition file;
  std::string mapper_state;  // QueueLogMapper::SaveState().
};

// FNV-1a 64 of `bytes` (the fingerprint function).
std::uint64_t Fingerprint(std::string_view bytes);

// Writes `saved` to `path` atomically (see the header comment). IoError naming the path.
Status SavePosition(const std::string& path, const SavedPosition& saved);

// Reads a position written by SavePosition. NotFound when there is no file (a first start);
// InvalidArgument when the file is not a complete position file; IoError when unreadable.
Result<SavedPosition> LoadPosition(const std::string& path);

}  // namespace ccmon::asterisk_queue_log
