// StreamTracker: follows the numbering of the event bus as a subscriber sees it, per (source,
// epoch, topic) (docs/events.md "Numbering"), and tells for each envelope whether it continues its
// stream, skips numbers (a gap), or repeats one (a duplicate). A heartbeat's positions reveal a
// lost tail. Used by `ccmon events` (its gap summary) and `ccmon replay` (to prove nothing was lost
// between the bridge and ccmon).
//
// The first number seen on a stream is its baseline, as in the daemon: a subscriber that joins
// late has lost nothing. Not thread-safe; one thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace ccmon::tools {

struct StreamKey {
  std::string source;
  std::uint64_t epoch = 0;
  std::string topic;

  friend bool operator<(const StreamKey& a, const StreamKey& b) {
    return std::tie(a.source, a.epoch, a.topic) < std::tie(b.source, b.epoch, b.topic);
  }
};

struct StreamState {
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;    // Highest seq seen.
  std::uint64_t received = 0;    // Envelopes seen, duplicates excluded.
  std::uint64_t gaps = 0;        // Times a seq skipped numbers.
  std::uint64_t missing = 0;     // Numbers skipped in total.
  std::uint64_t duplicates = 0;  // seq ≤ last seen.
};

enum class SeqVerdict { kFirst, kNext, kGap, kDuplicate };

class StreamTracker {
 public:
  // Records one envelope of the stream `key` numbered `seq`.
  SeqVerdict Observe(const StreamKey& key, std::uint64_t seq);

  // Numbers a heartbeat of (source, epoch) says were published on each topic but this tracker has
  // not seen, over the topics whose names start with one of `prefixes` (what was subscribed).
  // Counts nothing; for a completeness check after the last heartbeat.
  std::uint64_t Unseen(const std::string& source, std::uint64_t epoch,
                       const std::vector<std::pair<std::string, std::uint64_t>>& positions,
                       const std::vector<std::string>& prefixes) const;

  const std::map<StreamKey, StreamState>& streams() const { return streams_; }
  std::uint64_t total_gaps() const { return total_gaps_; }
  std::uint64_t total_missing() const { return total_missing_; }
  std::uint64_t total_duplicates() const { return total_duplicates_; }

 private:
  std::map<StreamKey, StreamState> streams_;
  std::uint64_t total_gaps_ = 0;
  std::uint64_t total_missing_ = 0;
  std::uint64_t total_duplicates_ = 0;
};

}  // namespace ccmon::tools
