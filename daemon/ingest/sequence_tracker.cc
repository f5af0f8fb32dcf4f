#include "daemon/ingest/sequence_tracker.h"

namespace ccmon::ingest {

SequenceVerdict SequenceTracker::Check(std::string_view source, std::uint64_t epoch,
                                       std::string_view topic, std::uint64_t seq) {
  key_.assign(source);
  key_.push_back('\0');
  key_.append(topic);
  auto it = streams_.find(std::string_view(key_));
  if (it == streams_.end()) {
    streams_.emplace(key_, Stream{epoch, seq});
    return SequenceVerdict::kFirst;
  }
  Stream& s = it->second;
  if (epoch != s.epoch) {
    if (epoch < s.epoch) {
      // An older epoch after a newer one: a late message from before the source restarted.
      ++stats_->duplicates;
      return SequenceVerdict::kDuplicate;
    }
    ++stats_->epoch_changes;
    s = Stream{epoch, seq};
    return SequenceVerdict::kFirst;
  }
  if (seq <= s.last_seq) {
    ++stats_->duplicates;
    return SequenceVerdict::kDuplicate;
  }
  const std::uint64_t missing = seq - s.last_seq - 1;
  s.last_seq = seq;
  if (missing == 0) return SequenceVerdict::kNext;
  ++stats_->sequence_gaps;
  stats_->events_missing += missing;
  return SequenceVerdict::kGap;
}

}  // namespace ccmon::ingest
