// The bridge journal: every envelope a bridge publishes, written to disk before it is sent, so a
// restarted bridge continues its numbering and the daemon can ask for what it missed (replay).
//
// Layout: a directory of segment files named `<epoch>-<index>.ccj` (both zero-padded decimal, so
// names sort in write order). A segment starts with a header — the magic "CCMONJ1\n", then the
// source name as a little-endian u16 length and its bytes — followed by records:
//
//   u32 payload length | u32 CRC-32 of the payload | payload
//   payload = u64 seq | u16 topic length | topic | serialized ccmon.v1.Envelope
//
// all integers little-endian. A new segment starts when the current one passes
// `max_segment_bytes` and whenever the epoch changes. Retention deletes whole segments, oldest
// first, while the journal is larger than `max_total_bytes` or a segment's newest record is older
// than `max_age_ms`; the active segment is never deleted. What retention removed can no longer be
// replayed (ReadFrom says where the journal starts).
//
// Crash safety: Append() hands the record to the kernel with write(2) before the envelope is
// sent, so a killed process loses nothing; Sync() (called by the bridge every heartbeat) forces
// it to the disk, so a power loss loses at most the last interval. A torn record at the end of
// the newest segment (a crash in the middle of a write) is cut off at open and counted; a bad
// record anywhere else ends the readable part of its segment and is counted as corrupt.
//
// Threading: not thread-safe; the bridge's publishing thread owns the journal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/publisher.h"
#include "common/status.h"

namespace ccmon::bridges {

struct JournalOptions {
  std::filesystem::path directory;  // Created if missing.
  std::uint64_t max_segment_bytes = 64ull << 20;
  std::uint64_t max_total_bytes = 2ull << 30;
  std::int64_t max_age_ms = 7ll * 24 * 3600 * 1000;
};

// What Open() found on disk.
struct JournalRecovery {
  std::uint64_t source_epoch = 0;  // Epoch of the newest record; 0 = the journal was empty.
  // Last seq of every topic in that epoch, in topic order.
  std::vector<std::pair<std::string, std::uint64_t>> positions;
  std::uint64_t records = 0;          // Readable records over all segments.
  std::uint64_t torn_tail_bytes = 0;  // Cut off the end of the newest segment.
  std::uint64_t corrupt_records = 0;  // Bad records inside older segments (rest of segment lost).
};

class Journal final : public PublishJournal {
 public:
  // Opens (creating) the journal of `source` in options.directory and recovers its state.
  // InvalidArgument: the directory holds another source's journal, or a segment with a foreign
  // header. IoError: the directory or a segment cannot be read or written.
  static Result<std::unique_ptr<Journal>> Open(JournalOptions options, std::string source,
                                               const Clock& clock);

  ~Journal() override;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const JournalRecovery& recovery() const { return recovery_; }

  // Appends one stamped envelope (Publisher calls this before sending). IoError on a failed
  // write; the record is then not in the journal and the caller must not use the seq.
  Status Append(const std::string& topic, const v1::Envelope& env,
                const std::string& serialized) override;

  // Forces written records to the disk (fdatasync) and applies the age limit.
  Status Sync();

  // The serialized envelopes of (epoch, topic) with seq ≥ from_seq, in order, at most
  // `max_records`. *first_available is the lowest seq of that stream still in the journal
  // (0 if none): when it is above from_seq, the records before it are gone.
  Status ReadFrom(std::uint64_t epoch, const std::string& topic, std::uint64_t from_seq,
                  std::size_t max_records, std::vector<std::string>* envelopes,
                  std::uint64_t* first_available) const;

  std::uint64_t bytes() const;  // Total size of all segments.
  std::size_t segments() const { return segments_.size(); }

 private:
  struct Segment {
    std::filesystem::path path;
    std::uint64_t epoch = 0;
    std::uint64_t index = 0;
    std::uint64_t bytes = 0;
    UnixMs newest_ms = 0;  // Wall-clock time of the newest append (file mtime after a restart).
    // Per topic: first and last seq in this segment.
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>, std::less<>> topics;
  };

  Journal(JournalOptions options, std::string source, const Clock& clock);

  Status Recover();
  Status ScanSegment(Segment* segment, bool newest);
  Status StartSegment(std::uint64_t epoch);
  void ApplyRetention();

  JournalOptions options_;
  std::string source_;
  const Clock& clock_;
  JournalRecovery recovery_;
  std::vector<Segment> segments_;  // In write order; the last one is active when fd_ >= 0.
  int fd_ = -1;
  std::string record_;  // Reused encoding buffer.
};

}  // namespace ccmon::bridges
