// SequenceTracker: checks each event's (source, epoch, topic, seq) against the last one applied,
// so gaps (lost messages) and duplicates are seen even when a daemon subscribes to a subset of
// topics (DESIGN §5: numbering is per topic).
//
// Rules: the first event of a stream sets its baseline (a daemon that joins late has not lost
// what came before it; replay from a checkpoint is a later module's job). seq = last + 1 is next;
// seq > last + 1 is a gap of (seq − last − 1) events, counted, and the stream moves on; seq ≤ last
// is a duplicate and must be dropped. A new epoch for a (source, topic) restarts the stream.
//
// Engine thread only (it is part of the state the checkpoint will save).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "daemon/state/ingest_stats.h"

namespace ccmon::ingest {

enum class SequenceVerdict { kFirst, kNext, kGap, kDuplicate };

class SequenceTracker {
 public:
  explicit SequenceTracker(state::IngestStats* stats) : stats_(stats) {}

  // Checks and records one position. Counts gaps, missing events, duplicates and epoch changes in
  // the stats. The caller drops the event on kDuplicate.
  SequenceVerdict Check(std::string_view source, std::uint64_t epoch, std::string_view topic,
                        std::uint64_t seq);

  std::size_t stream_count() const { return streams_.size(); }

 private:
  struct Stream {
    std::uint64_t epoch = 0;
    std::uint64_t last_seq = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  state::IngestStats* stats_;
  // Key: source + '\0' + topic. Lookups reuse key_ to avoid allocating per event.
  std::unordered_map<std::string, Stream, Hash, std::equal_to<>> streams_;
  std::string key_;
};

}  // namespace ccmon::ingest
