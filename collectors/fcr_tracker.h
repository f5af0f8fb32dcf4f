// FcrTracker: the state of first-contact resolution (DESIGN §3; docs/metrics.md "First-contact
// resolution"): which handled contacts still wait for their verdict, and how many were settled,
// per queue, window, scope and outcome. FcrCollector feeds it from lifecycle facts and renders
// it; the memory benchmark (tests/bench/fcr_memory.cc) drives it directly.
//
// The rule. A handled contact of a known caller, ended at time e in queue q, is *open* for every
// window W (e.g. 24 h, 72 h, 7 d) in two scopes: `group` (q's queue group) and `global`
// (anywhere in this daemon). In each (W, scope) it is settled exactly once:
//   * repeat      — the same caller contacts again at t ≤ e + W (in the scope) before a verdict;
//   * unresolved  — a disposition or survey says "not resolved" before a verdict;
//   * resolved    — the event clock passes e + W with neither.
// A new contact is a *repeat contact* for (W, scope) when it comes within W of the end of a
// handled contact of the same caller (in the scope) that no earlier contact followed yet; it is
// counted once per (W, scope) however many earlier contacts it follows. Times are whole seconds:
// e is the conversation end rounded down to the second.
//
// Storage (all plain data, see FcrSnapshot):
//   * records — one 24-byte FcrRecord per handled contact, in a ring of 4096-record blocks in
//     arrival order, addressed by a 32-bit sequence number. A record lives until every (W, scope)
//     of it is settled and every older record is gone too (the ring frees from its head).
//   * a caller index (FcrIndex multimap, 10–15 bytes per entry): caller → each of its *linked*
//     records, those with anything left to settle (usually one per caller; at most one per queue
//     group, plus contacts that overlapped).
//   * a contact index (10–15 bytes per open contact): contact → its record, for dispositions
//     and surveys, which name the contact and not the caller.
//   * per queue: monotonic counters and, for the ratio, settlements in 24 buckets of
//     ratio_period/24 (a period of 24 h gives hourly buckets).
// Per tracked caller with one open contact that is 24 + 2 × (10 … 15) ≈ 44 … 54 bytes
// (docs/benchmarks.md has the measured figure). Records settled early (repeats) wait in the ring
// until the records before them are settled too, so in a steady state the ring holds
// 1/(1 − repeat share) records per tracked caller.
//
// Cost: OnHandled, OnHandoff, OnNotResolved O(1) expected; OnContact O(the caller's linked
// records); Advance O(records whose window passed). No allocation except amortised
// growth (ring blocks, index growth, a new queue's counters).
//
// Bounds: at most FcrOptions::max_tracked_contacts records; beyond, the oldest record is dropped
// with whatever it had left to settle (counted by dropped()). Queue ids above 65535 are not
// tracked (dropped too; the queue registry's cap is far lower).
//
// Order: facts arrive in event-time order per source; records are settled as resolved when the
// event clock passes e + W in arrival order, so a record that arrived late (another source's
// clock behind) settles when the records before it have — late by at most the sources' skew.
//
// Not thread-safe: one writer (the engine thread); the const readers may run concurrently with
// each other but not with a writer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "collectors/analytics_options.h"
#include "collectors/fcr_index.h"
#include "common/clock.h"
#include "daemon/state/types.h"

namespace ccmon::collectors {

enum class FcrScope : std::uint8_t { kGroup = 0, kGlobal = 1 };
inline constexpr int kFcrScopeCount = 2;
// Label value of a scope ("group", "global").
std::string_view FcrScopeName(FcrScope scope);

enum class FcrOutcome : std::uint8_t { kResolved = 0, kRepeat, kUnresolved };
inline constexpr int kFcrOutcomeCount = 3;
// Label value of an outcome ("resolved", "repeat", "unresolved").
std::string_view FcrOutcomeName(FcrOutcome outcome);

// Windows beyond this many are ignored (each needs 4 flag bits in a 16-bit field).
inline constexpr int kFcrMaxWindows = 4;
// Counters per queue: window × scope × outcome.
inline constexpr int kFcrSettledCells = kFcrMaxWindows * kFcrScopeCount * kFcrOutcomeCount;

// One handled contact. Plain data, 24 bytes; checkpoints copy it as is.
struct FcrRecord {
  std::uint64_t caller = 0;   // Caller key hash (collectors/fcr_key.h).
  std::uint64_t contact = 0;  // Contact hash (collectors/fcr_key.h).
  std::uint32_t end_s = 0;    // Conversation end, Unix seconds, rounded down.
  std::uint16_t queue = 0;    // Where it was handled (QueueId).
  // Bit 2w + scope: still open in (window w, scope). Bit 8 + 2w + scope: no contact has followed
  // it within window w in that scope yet. 0 = nothing left: the record is unlinked (in no index).
  std::uint16_t flags = 0;
};
static_assert(sizeof(FcrRecord) == 24);

// Monotonic counts of one queue.
struct FcrQueueCounts {
  // Handled contacts of this queue settled, at (w · 2 + scope) · 3 + outcome.
  std::array<std::uint64_t, kFcrSettledCells> settled{};
  // Repeat contacts that came into this queue, at w · 2 + scope.
  std::array<std::uint64_t, kFcrMaxWindows * kFcrScopeCount> repeat_contacts{};
};

// Settlements of one queue in one bucket of the ratio period (by the time they were settled).
struct FcrPeriodBucket {
  std::int64_t number = std::numeric_limits<std::int64_t>::min();  // ⌊t / bucket_ms⌋.
  std::array<std::uint32_t, kFcrSettledCells> settled{};
};

// Everything FcrTracker needs to continue after a restart; the checkpoint module serialises it.
// Queue ids are the QueueRegistry's, so the registry must be restored with the same ids.
struct FcrSnapshot {
  std::vector<std::int64_t> windows_ms;  // Must equal the tracker's windows to restore.
  std::int64_t ratio_bucket_ms = 0;      // Buckets are dropped if this changed.
  UnixMs advanced_ms = 0;
  std::uint32_t head_seq = 0;
  // Ring order, oldest first; record i has seq head_seq + i. Both indexes are rebuilt from them.
  std::vector<FcrRecord> records;
  std::array<std::uint32_t, kFcrMaxWindows> cursor_offsets{};  // Per window, from head_seq.
  std::vector<FcrQueueCounts> queues;                          // By QueueId.
  std::vector<FcrPeriodBucket> buckets;  // queues.size() × FcrTracker::kPeriodBuckets.
  std::uint64_t dropped = 0;
};

class FcrTracker {
 public:
  static constexpr int kPeriodBuckets = 24;
  static constexpr std::size_t kBlockRecords = 4096;

  // Uses options.windows_ms (positive values, sorted, duplicates and values beyond
  // kFcrMaxWindows dropped), max_tracked_contacts (capped at 2³⁰) and ratio_period_ms.
  explicit FcrTracker(const FcrOptions& options);

  FcrTracker(const FcrTracker&) = delete;
  FcrTracker& operator=(const FcrTracker&) = delete;

  // Puts queue q into queue group `group` (< 2³¹) for the group scope. Queues never assigned
  // form a group of their own. Applies to records settled from now on.
  void SetQueueGroup(state::QueueId q, std::uint32_t group);

  // A contact of caller `caller` was handled in queue q: its conversation ended at t. Opens it in
  // every (window, scope).
  void OnHandled(std::uint64_t caller, std::uint64_t contact, state::QueueId q, UnixMs t);

  // The latest handled conversation of `contact` was only a leg: the contact moved on to another
  // queue (a transfer after answer) and will be handled there. Forgets it without a verdict.
  void OnHandoff(std::uint64_t contact);

  // Caller `caller` contacted queue q at t (a new contact, not a transfer or a callback). Settles
  // the caller's open contacts within each window as repeats (group scope: same group only).
  void OnContact(std::uint64_t caller, state::QueueId q, UnixMs t);

  // A disposition or survey at t says `contact` was not resolved: settles what is still open of
  // its newest record as unresolved. Unknown or fully settled contacts are ignored.
  void OnNotResolved(std::uint64_t contact, UnixMs t);

  // The event clock moved to `now`: settles as resolved every (window, scope) whose end + W < now.
  // Earlier times than a previous call are ignored.
  void Advance(UnixMs now);

  // ---- Readers ----------------------------------------------------------------------------
  int window_count() const { return static_cast<int>(windows_ms_.size()); }
  std::int64_t window_ms(int w) const { return windows_ms_[static_cast<std::size_t>(w)]; }
  std::int64_t ratio_bucket_ms() const { return bucket_ms_; }

  // Settled contacts of queue q (0 for unknown queues).
  std::uint64_t settled(state::QueueId q, int w, FcrScope scope, FcrOutcome outcome) const;
  // Settled contacts of queue q whose settlement time falls in the ratio period ending at `now`:
  // the kPeriodBuckets buckets up to and including the one holding `now` (so between
  // ratio_period − bucket and ratio_period of history).
  std::uint64_t settled_in_period(state::QueueId q, int w, FcrScope scope, FcrOutcome outcome,
                                  UnixMs now) const;
  // Repeat contacts that came into queue q.
  std::uint64_t repeat_contacts(state::QueueId q, int w, FcrScope scope) const;
  // Handled contacts still open in (w, scope).
  std::uint64_t open_contacts(int w, FcrScope scope) const {
    return open_[static_cast<std::size_t>(w * kFcrScopeCount + static_cast<int>(scope))];
  }
  // Callers with at least one linked record.
  std::size_t tracked_callers() const { return caller_count_; }
  // Linked records (entries of the caller index).
  std::size_t linked_records() const { return callers_.size(); }
  // Records held in the ring (linked ones and settled ones not yet freed).
  std::size_t tracked_contacts() const { return static_cast<std::size_t>(tail_ - head_); }
  // Contacts that can still be settled unresolved (entries of the contact index).
  std::size_t open_records() const { return contacts_.size(); }
  // Handled contacts dropped before they were fully settled (cap, queue id).
  std::uint64_t dropped() const { return dropped_; }
  // Bytes held: ring blocks, both indexes, per-queue counters and buckets.
  std::size_t memory_bytes() const;
  // Bytes of the parts that grow with callers: ring blocks and the two indexes.
  std::size_t record_bytes() const;
  std::size_t caller_index_bytes() const { return callers_.bytes(); }
  std::size_t contact_index_bytes() const { return contacts_.bytes(); }

  // ---- Checkpoints --------------------------------------------------------------------------
  // Copies the whole state into *out.
  void Save(FcrSnapshot* out) const;
  // Replaces the whole state with `in`. Returns false, and keeps the current state, when the
  // snapshot's windows differ from this tracker's or it is inconsistent (cursor offsets beyond
  // the records, bucket count not queues × kPeriodBuckets). Queue groups are not part of it.
  bool Restore(const FcrSnapshot& in);

 private:
  using Block = std::unique_ptr<FcrRecord[]>;

  static constexpr std::uint16_t OpenBit(int w, int scope) {
    return static_cast<std::uint16_t>(1u << (w * kFcrScopeCount + scope));
  }
  static constexpr int CellOf(int w, int scope, FcrOutcome o) {
    return (w * kFcrScopeCount + scope) * kFcrOutcomeCount + static_cast<int>(o);
  }
  static UnixMs EndMs(const FcrRecord& r) { return static_cast<UnixMs>(r.end_s) * 1000; }

  FcrRecord& At(std::uint32_t seq) {
    const std::uint32_t off = seq - block0_;
    return blocks_[off / kBlockRecords][off % kBlockRecords];
  }
  const FcrRecord& At(std::uint32_t seq) const {
    const std::uint32_t off = seq - block0_;
    return blocks_[off / kBlockRecords][off % kBlockRecords];
  }
  std::uint32_t Append(const FcrRecord& r);
  void PopFront();
  void PopSettled();
  void DropOldest();

  std::uint32_t GroupOf(std::uint32_t queue) const {
    return queue < group_of_.size() ? group_of_[queue] : kOwnGroup | queue;
  }
  void EnsureQueue(std::uint32_t q);
  // Counts the (w, scope) cells of `bits` (open bits of r) as settled with `outcome` at t.
  void Settle(const FcrRecord& r, std::uint16_t bits, FcrOutcome outcome, UnixMs t);
  // Clears `bits` of record seq, keeping the indexes and the open gauges in step: the contact
  // entry goes when nothing is open, the caller entry when nothing is left.
  void ClearBits(std::uint32_t seq, std::uint16_t bits);
  // Adds record seq (just appended or restored, flags set) to the indexes and the open gauges.
  void Link(std::uint32_t seq);
  // Finds the newest record of `contact` in the contact index; false if there is none.
  bool FindContact(std::uint64_t contact, std::uint32_t* seq) const;
  bool HasCaller(std::uint64_t caller) const;
  // Removes the entry (key, seq) from `index`, if there.
  static void EraseEntry(FcrIndex* index, std::uint64_t key, std::uint32_t seq);

  static constexpr std::uint32_t kOwnGroup = 0x80000000u;

  std::vector<std::int64_t> windows_ms_;
  std::uint16_t open_mask_ = 0;  // Every open bit in use.
  std::uint16_t all_mask_ = 0;   // Every open and follow bit in use.
  std::size_t max_records_;
  std::int64_t bucket_ms_;

  // The ring: records [head_, tail_) live in blocks_, whose first slot has seq block0_.
  std::deque<Block> blocks_;
  Block spare_;
  std::uint32_t block0_ = 0;
  std::uint32_t head_ = 0;
  std::uint32_t tail_ = 0;
  // cursors_[w]: the oldest record whose window w has not yet passed (head_ ≤ it ≤ tail_).
  std::array<std::uint32_t, kFcrMaxWindows> cursors_{};
  UnixMs advanced_ms_ = std::numeric_limits<UnixMs>::min();

  FcrIndex callers_;
  FcrIndex contacts_;
  std::size_t caller_count_ = 0;        // Distinct callers in callers_.
  std::vector<std::uint32_t> scratch_;  // OnContact's list of the caller's records (reused).

  std::vector<std::uint32_t> group_of_;
  std::vector<FcrQueueCounts> queues_;
  std::vector<FcrPeriodBucket> buckets_;  // queues_.size() × kPeriodBuckets.
  std::array<std::uint64_t, kFcrMaxWindows * kFcrScopeCount> open_{};
  std::uint64_t dropped_ = 0;
};

}  // namespace ccmon::collectors
