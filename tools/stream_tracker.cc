#include "tools/stream_tracker.h"

namespace ccmon::tools {

SeqVerdict StreamTracker::Observe(const StreamKey& key, std::uint64_t seq) {
  auto [it, inserted] = streams_.try_emplace(key);
  StreamState& s = it->second;
  if (inserted) {
    s.first_seq = s.last_seq = seq;
    s.received = 1;
    return SeqVerdict::kFirst;
  }
  if (seq <= s.last_seq) {
    ++s.duplicates;
    ++total_duplicates_;
    return SeqVerdict::kDuplicate;
  }
  ++s.received;
  const std::uint64_t skipped = seq - s.last_seq - 1;
  s.last_seq = seq;
  if (skipped == 0) return SeqVerdict::kNext;
  ++s.gaps;
  s.missing += skipped;
  ++total_gaps_;
  total_missing_ += skipped;
  return SeqVerdict::kGap;
}

std::uint64_t StreamTracker::Unseen(
    const std::string& source, std::uint64_t epoch,
    const std::vector<std::pair<std::string, std::uint64_t>>& positions,
    const std::vector<std::string>& prefixes) const {
  std::uint64_t unseen = 0;
  for (const auto& [topic, last] : positions) {
    bool subscribed = false;
    for (const auto& p : prefixes) subscribed = subscribed || topic.starts_with(p);
    if (!subscribed) continue;
    auto it = streams_.find(StreamKey{source, epoch, topic});
    const std::uint64_t seen = it == streams_.end() ? 0 : it->second.last_seq;
    if (last > seen) unseen += last - seen;
  }
  return unseen;
}

}  // namespace ccmon::tools
