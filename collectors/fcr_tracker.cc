#include "collectors/fcr_tracker.h"

#include <algorithm>
#include <bit>

namespace ccmon::collectors {

namespace {

constexpr std::size_t kMaxRecordsLimit = std::size_t{1} << 30;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::size_t BucketSlot(std::int64_t number) {
  const std::int64_t m = number % FcrTracker::kPeriodBuckets;
  return static_cast<std::size_t>(m < 0 ? m + FcrTracker::kPeriodBuckets : m);
}

std::uint32_t EndSeconds(UnixMs t) {
  const std::int64_t s = FloorDiv(t, 1000);
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(s, 0, std::numeric_limits<std::uint32_t>::max()));
}

std::vector<std::int64_t> SanitisedWindows(std::vector<std::int64_t> windows) {
  std::erase_if(windows, [](std::int64_t w) { return w <= 0; });
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  if (windows.size() > static_cast<std::size_t>(kFcrMaxWindows)) windows.resize(kFcrMaxWindows);
  return windows;
}

}  // namespace

std::string_view FcrScopeName(FcrScope scope) {
  return scope == FcrScope::kGroup ? "group" : "global";
}

std::string_view FcrOutcomeName(FcrOutcome outcome) {
  switch (outcome) {
    case FcrOutcome::kResolved:
      return "resolved";
    case FcrOutcome::kRepeat:
      return "repeat";
    case FcrOutcome::kUnresolved:
      return "unresolved";
  }
  return "unknown";
}

FcrTracker::FcrTracker(const FcrOptions& options)
    : windows_ms_(SanitisedWindows(options.windows_ms)),
      max_records_(std::clamp<std::size_t>(options.max_tracked_contacts, 1, kMaxRecordsLimit)),
      bucket_ms_(std::max<std::int64_t>(1000, options.ratio_period_ms / kPeriodBuckets)) {
  for (int w = 0; w < window_count(); ++w) {
    for (int s = 0; s < kFcrScopeCount; ++s) open_mask_ |= OpenBit(w, s);
  }
  all_mask_ = static_cast<std::uint16_t>(open_mask_ | (open_mask_ << 8));
  scratch_.reserve(16);
}

// ---- Ring ------------------------------------------------------------------------------------

std::uint32_t FcrTracker::Append(const FcrRecord& r) {
  const std::uint32_t off = tail_ - block0_;
  if (off / kBlockRecords == blocks_.size()) {
    blocks_.push_back(spare_ != nullptr
                          ? std::move(spare_)
                          : std::make_unique_for_overwrite<FcrRecord[]>(kBlockRecords));
  }
  const std::uint32_t seq = tail_++;
  At(seq) = r;
  return seq;
}

void FcrTracker::PopFront() {
  for (auto& cursor : cursors_) {
    if (cursor == head_) ++cursor;
  }
  ++head_;
  if (head_ - block0_ == kBlockRecords) {
    spare_ = std::move(blocks_.front());
    blocks_.pop_front();
    block0_ += static_cast<std::uint32_t>(kBlockRecords);
  }
}

void FcrTracker::PopSettled() {
  while (head_ != tail_ && At(head_).flags == 0) PopFront();
}

void FcrTracker::DropOldest() {
  if (head_ == tail_) return;
  if ((At(head_).flags & open_mask_) != 0) ++dropped_;
  ClearBits(head_, all_mask_);
  PopFront();
}

// ---- Indexes ---------------------------------------------------------------------------------

bool FcrTracker::HasCaller(std::uint64_t caller) const {
  bool found = false;
  callers_.ForEachTagged(FcrIndex::TagOf(caller), [&](const FcrIndex::Slot& s) {
    found = found || At(s.seq).caller == caller;
  });
  return found;
}

bool FcrTracker::FindContact(std::uint64_t contact, std::uint32_t* seq) const {
  bool found = false;
  contacts_.ForEachTagged(FcrIndex::TagOf(contact), [&](const FcrIndex::Slot& s) {
    // The same contact can be held twice (handled again after a duplicate end): take the newest.
    if (At(s.seq).contact == contact && (!found || s.seq - head_ > *seq - head_)) {
      *seq = s.seq;
      found = true;
    }
  });
  return found;
}

void FcrTracker::EraseEntry(FcrIndex* index, std::uint64_t key, std::uint32_t seq) {
  FcrIndex::Slot* slot = index->FindSeq(FcrIndex::TagOf(key), seq);
  if (slot != nullptr) index->Erase(slot);
}

void FcrTracker::Link(std::uint32_t seq) {
  const FcrRecord& r = At(seq);
  if (!HasCaller(r.caller)) ++caller_count_;
  callers_.Insert(FcrIndex::TagOf(r.caller), seq);
  if ((r.flags & open_mask_) != 0) contacts_.Insert(FcrIndex::TagOf(r.contact), seq);
  for (unsigned b = r.flags & open_mask_; b != 0; b &= b - 1) ++open_[std::countr_zero(b)];
}

// ---- Settlement ------------------------------------------------------------------------------

void FcrTracker::EnsureQueue(std::uint32_t q) {
  if (q < queues_.size()) return;
  queues_.resize(q + 1);
  buckets_.resize(static_cast<std::size_t>(q + 1) * kPeriodBuckets);
}

void FcrTracker::SetQueueGroup(state::QueueId q, std::uint32_t group) {
  if (q > 0xffff) return;
  while (group_of_.size() <= q) {
    group_of_.push_back(kOwnGroup | static_cast<std::uint32_t>(group_of_.size()));
  }
  group_of_[q] = group & ~kOwnGroup;
}

void FcrTracker::Settle(const FcrRecord& r, std::uint16_t bits, FcrOutcome outcome, UnixMs t) {
  FcrQueueCounts& counts = queues_[r.queue];
  const std::int64_t number = FloorDiv(t, bucket_ms_);
  FcrPeriodBucket& bucket = buckets_[std::size_t{r.queue} * kPeriodBuckets + BucketSlot(number)];
  bool in_period = true;
  if (bucket.number < number) {
    bucket.number = number;
    bucket.settled.fill(0);
  } else if (bucket.number > number) {
    in_period = false;  // Older than the period already held: counters only.
  }
  for (unsigned b = bits & open_mask_; b != 0; b &= b - 1) {
    const int cell = std::countr_zero(b) * kFcrOutcomeCount + static_cast<int>(outcome);
    ++counts.settled[static_cast<std::size_t>(cell)];
    if (in_period) ++bucket.settled[static_cast<std::size_t>(cell)];
  }
}

void FcrTracker::ClearBits(std::uint32_t seq, std::uint16_t bits) {
  FcrRecord& r = At(seq);
  const auto clear = static_cast<std::uint16_t>(r.flags & bits);
  if (clear == 0) return;
  const bool had_open = (r.flags & open_mask_) != 0;
  for (unsigned b = clear & open_mask_; b != 0; b &= b - 1) --open_[std::countr_zero(b)];
  r.flags = static_cast<std::uint16_t>(r.flags & ~clear);
  if (had_open && (r.flags & open_mask_) == 0) EraseEntry(&contacts_, r.contact, seq);
  if (r.flags == 0) {
    EraseEntry(&callers_, r.caller, seq);
    if (!HasCaller(r.caller)) --caller_count_;
  }
}

// ---- Facts -----------------------------------------------------------------------------------

void FcrTracker::OnHandled(std::uint64_t caller, std::uint64_t contact, state::QueueId q,
                           UnixMs t) {
  if (q > 0xffff || open_mask_ == 0) {
    ++dropped_;
    return;
  }
  EnsureQueue(q);
  if (tracked_contacts() >= max_records_) {
    PopSettled();
    if (tracked_contacts() >= max_records_) {
      DropOldest();
      PopSettled();
    }
  }
  FcrRecord r;
  r.caller = caller;
  r.contact = contact;
  r.end_s = EndSeconds(t);
  r.queue = static_cast<std::uint16_t>(q);
  r.flags = all_mask_;
  Link(Append(r));
}

void FcrTracker::OnHandoff(std::uint64_t contact) {
  std::uint32_t seq = 0;
  if (FindContact(contact, &seq)) ClearBits(seq, all_mask_);
}

void FcrTracker::OnNotResolved(std::uint64_t contact, UnixMs t) {
  std::uint32_t seq = 0;
  if (!FindContact(contact, &seq)) return;
  const FcrRecord& r = At(seq);
  const auto open = static_cast<std::uint16_t>(r.flags & open_mask_);
  Settle(r, open, FcrOutcome::kUnresolved, t);
  ClearBits(seq, open);
}

void FcrTracker::OnContact(std::uint64_t caller, state::QueueId q, UnixMs t) {
  scratch_.clear();
  callers_.ForEachTagged(FcrIndex::TagOf(caller), [&](const FcrIndex::Slot& s) {
    if (At(s.seq).caller == caller) scratch_.push_back(s.seq);
  });
  if (scratch_.empty()) return;
  EnsureQueue(q);
  const std::uint32_t group = GroupOf(q);
  unsigned hits = 0;
  for (const std::uint32_t seq : scratch_) {
    const FcrRecord& r = At(seq);
    const bool same_group = GroupOf(r.queue) == group;
    const UnixMs end = EndMs(r);
    std::uint16_t mask = 0;
    for (int w = 0; w < window_count(); ++w) {
      if (t > end + windows_ms_[static_cast<std::size_t>(w)]) continue;
      mask |= OpenBit(w, static_cast<int>(FcrScope::kGlobal));
      if (same_group) mask |= OpenBit(w, static_cast<int>(FcrScope::kGroup));
    }
    const auto follow = static_cast<std::uint16_t>(mask << 8);
    hits |= static_cast<unsigned>(r.flags & follow) >> 8;
    const auto settle = static_cast<std::uint16_t>(r.flags & mask);
    if (settle != 0) Settle(r, settle, FcrOutcome::kRepeat, t);
    ClearBits(seq, static_cast<std::uint16_t>(mask | follow));
  }
  FcrQueueCounts& counts = queues_[q];
  for (; hits != 0; hits &= hits - 1) ++counts.repeat_contacts[std::countr_zero(hits)];
}

void FcrTracker::Advance(UnixMs now) {
  if (now <= advanced_ms_) return;
  advanced_ms_ = now;
  for (int w = 0; w < window_count(); ++w) {
    const std::int64_t window = windows_ms_[static_cast<std::size_t>(w)];
    const auto open_w = static_cast<std::uint16_t>(OpenBit(w, 0) | OpenBit(w, 1));
    const auto clear = static_cast<std::uint16_t>(open_w | (open_w << 8));
    std::uint32_t& cursor = cursors_[static_cast<std::size_t>(w)];
    while (cursor != tail_) {
      FcrRecord& r = At(cursor);
      const UnixMs due = EndMs(r) + window;
      if (due >= now) break;
      if ((r.flags & clear) != 0) {
        Settle(r, static_cast<std::uint16_t>(r.flags & open_w), FcrOutcome::kResolved, due);
        ClearBits(cursor, clear);
      }
      ++cursor;
    }
  }
  PopSettled();
  callers_.Shrink();
  contacts_.Shrink();
}

// ---- Readers ---------------------------------------------------------------------------------

std::uint64_t FcrTracker::settled(state::QueueId q, int w, FcrScope scope,
                                  FcrOutcome outcome) const {
  if (q >= queues_.size() || w < 0 || w >= window_count()) return 0;
  return queues_[q].settled[static_cast<std::size_t>(CellOf(w, static_cast<int>(scope), outcome))];
}

std::uint64_t FcrTracker::settled_in_period(state::QueueId q, int w, FcrScope scope,
                                            FcrOutcome outcome, UnixMs now) const {
  if (q >= queues_.size() || w < 0 || w >= window_count()) return 0;
  const std::int64_t newest = FloorDiv(now, bucket_ms_);
  const auto cell = static_cast<std::size_t>(CellOf(w, static_cast<int>(scope), outcome));
  std::uint64_t sum = 0;
  for (int i = 0; i < kPeriodBuckets; ++i) {
    const FcrPeriodBucket& b =
        buckets_[std::size_t{q} * kPeriodBuckets + static_cast<std::size_t>(i)];
    if (b.number <= newest && b.number > newest - kPeriodBuckets) sum += b.settled[cell];
  }
  return sum;
}

std::uint64_t FcrTracker::repeat_contacts(state::QueueId q, int w, FcrScope scope) const {
  if (q >= queues_.size() || w < 0 || w >= window_count()) return 0;
  return queues_[q]
      .repeat_contacts[static_cast<std::size_t>(w * kFcrScopeCount + static_cast<int>(scope))];
}

std::size_t FcrTracker::record_bytes() const {
  return (blocks_.size() + (spare_ != nullptr ? 1 : 0)) * kBlockRecords * sizeof(FcrRecord) +
         blocks_.size() * sizeof(Block);
}

std::size_t FcrTracker::memory_bytes() const {
  return record_bytes() + callers_.bytes() + contacts_.bytes() +
         queues_.capacity() * sizeof(FcrQueueCounts) +
         buckets_.capacity() * sizeof(FcrPeriodBucket) +
         group_of_.capacity() * sizeof(std::uint32_t);
}

// ---- Checkpoints -----------------------------------------------------------------------------

void FcrTracker::Save(FcrSnapshot* out) const {
  out->windows_ms = windows_ms_;
  out->ratio_bucket_ms = bucket_ms_;
  out->advanced_ms = advanced_ms_;
  out->head_seq = head_;
  out->records.clear();
  out->records.reserve(tracked_contacts());
  for (std::uint32_t seq = head_; seq != tail_; ++seq) out->records.push_back(At(seq));
  out->cursor_offsets.fill(0);
  for (int w = 0; w < window_count(); ++w) {
    out->cursor_offsets[static_cast<std::size_t>(w)] =
        cursors_[static_cast<std::size_t>(w)] - head_;
  }
  out->queues = queues_;
  out->buckets = buckets_;
  out->dropped = dropped_;
}

bool FcrTracker::Restore(const FcrSnapshot& in) {
  if (in.windows_ms != windows_ms_ || in.records.size() > max_records_) return false;
  for (int w = 0; w < window_count(); ++w) {
    if (in.cursor_offsets[static_cast<std::size_t>(w)] > in.records.size()) return false;
  }
  const bool buckets_valid =
      in.ratio_bucket_ms == bucket_ms_ && in.buckets.size() == in.queues.size() * kPeriodBuckets;
  if (in.queues.size() > 0x10000) return false;

  blocks_.clear();
  spare_.reset();
  callers_.Clear();
  contacts_.Clear();
  caller_count_ = 0;
  open_.fill(0);
  block0_ = head_ = tail_ = in.head_seq;
  advanced_ms_ = in.advanced_ms;
  dropped_ = in.dropped;
  queues_ = in.queues;
  if (buckets_valid) {
    buckets_ = in.buckets;
  } else {
    buckets_.assign(queues_.size() * kPeriodBuckets, FcrPeriodBucket{});
  }

  for (FcrRecord r : in.records) {
    r.flags &= all_mask_;
    EnsureQueue(r.queue);
    const std::uint32_t seq = Append(r);
    if (r.flags != 0) Link(seq);
  }
  cursors_.fill(head_);
  for (int w = 0; w < window_count(); ++w) {
    cursors_[static_cast<std::size_t>(w)] = head_ + in.cursor_offsets[static_cast<std::size_t>(w)];
  }
  PopSettled();
  return true;
}

}  // namespace ccmon::collectors
