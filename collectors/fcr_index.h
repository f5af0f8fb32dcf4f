// FcrIndex: a compact open-addressing hash multimap from 64-bit key hashes to the 32-bit
// sequence numbers of records held elsewhere. FcrTracker (collectors/fcr_tracker.h) uses two:
// caller → each of the caller's records that still has something to settle, and contact → its
// record (for dispositions and surveys).
//
// A slot is 8 bytes: a tag — the key's high 32 bits, never 0 (0 marks an empty slot) — and a
// sequence number. The tag alone chooses the home slot (⌊tag·capacity / 2³²⌋), so the index
// grows, shrinks and deletes without looking at the records; the key's low 32 bits live only in
// the record, and the owner confirms a candidate by comparing them (Find's `match`). Several
// slots may carry the same tag; the owner's check tells them apart.
//
// Linear probing; any capacity works, so the table grows by half (×1.5) when 80 % full: after a
// growth the load is 53 %, and the index costs 8/0.8 … 8/0.53 = 10 … 15 bytes per key. Deletion
// shifts the following run back (no tombstones), so the load is always exactly size/capacity.
// Shrink() gives memory back after a peak.
//
// Not thread-safe: one writer (the engine thread). Slot pointers returned by Find are valid until
// the next Insert, Erase or Shrink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ccmon::collectors {

class FcrIndex {
 public:
  struct Slot {
    std::uint32_t tag = 0;  // 0 = empty.
    std::uint32_t seq = 0;
  };
  static_assert(sizeof(Slot) == 8);

  // The tag of a key: its high 32 bits, 1 if those are 0.
  static constexpr std::uint32_t TagOf(std::uint64_t key) {
    const auto tag = static_cast<std::uint32_t>(key >> 32);
    return tag == 0 ? 1 : tag;
  }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

  // Calls match(slot) for each slot tagged `tag`, in probe order, and returns the first slot for
  // which it returns true, or nullptr.
  template <typename Match>
  Slot* Find(std::uint32_t tag, Match&& match) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = Home(tag);; i = Next(i)) {
      Slot& s = slots_[i];
      if (s.tag == 0) return nullptr;
      if (s.tag == tag && match(s)) return &s;
    }
  }

  // Calls f(slot) for every slot tagged `tag`.
  template <typename F>
  void ForEachTagged(std::uint32_t tag, F&& f) const {
    if (size_ == 0) return;
    for (std::size_t i = Home(tag);; i = Next(i)) {
      const Slot& s = slots_[i];
      if (s.tag == 0) return;
      if (s.tag == tag) f(s);
    }
  }

  // The slot holding (tag, seq), or nullptr.
  Slot* FindSeq(std::uint32_t tag, std::uint32_t seq) {
    return Find(tag, [seq](const Slot& s) { return s.seq == seq; });
  }

  // Adds (tag, seq), tag ≠ 0. Grows the table first when it would pass 80 % load.
  void Insert(std::uint32_t tag, std::uint32_t seq) {
    if ((size_ + 1) * 5 > slots_.size() * 4) {
      Rebuild(slots_.size() < kMinCapacity ? kMinCapacity : slots_.size() + slots_.size() / 2);
    }
    Place(Slot{tag, seq});
    ++size_;
  }

  // Removes `slot` (from Find), moving later slots of its run back.
  void Erase(Slot* slot) {
    std::size_t i = static_cast<std::size_t>(slot - slots_.data());
    for (std::size_t j = Next(i);; j = Next(j)) {
      const Slot& s = slots_[j];
      if (s.tag == 0) break;
      const std::size_t k = Home(s.tag);
      // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      slots_[i] = s;
      i = j;
    }
    slots_[i] = Slot{};
    --size_;
  }

  // When the table is under 20 % full (and larger than the minimum), rebuilds it at 50 % load.
  // Returns true if it did.
  bool Shrink() {
    if (slots_.size() <= kMinCapacity || size_ * 5 >= slots_.size()) return false;
    Rebuild(size_ * 2 < kMinCapacity ? kMinCapacity : size_ * 2);
    return true;
  }

  // Rebuilds the table with `capacity` slots (> size()). Allocates.
  void Rebuild(std::size_t capacity) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    for (const Slot& s : old) {
      if (s.tag != 0) Place(s);
    }
  }

  // Removes every entry and frees the memory.
  void Clear() {
    std::vector<Slot>().swap(slots_);
    size_ = 0;
  }

  // Calls f(slot) for every occupied slot (for tests and checkpoints).
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.tag != 0) f(s);
    }
  }

 private:
  static constexpr std::size_t kMinCapacity = 16;

  std::size_t Home(std::uint32_t tag) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(tag) * slots_.size()) >> 32);
  }
  std::size_t Next(std::size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  void Place(Slot slot) {
    std::size_t i = Home(slot.tag);
    while (slots_[i].tag != 0) i = Next(i);
    slots_[i] = slot;
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace ccmon::collectors
