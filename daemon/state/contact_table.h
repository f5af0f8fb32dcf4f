// ContactTable: every live contact (waiting, in conversation, in after-contact work, or between
// queues during a transfer), looked up by (source, contact id), plus one list per queue of the
// contacts waiting there, ordered by the time they entered the queue (oldest first).
//
// Contacts live in a slab addressed by Slot; slots are reused after Remove, and each reuse bumps
// the slot's generation so stale references (service-level deadlines) can be recognised.
//
// Mutated only on the engine thread (by the Lifecycle); collectors read it at scrape time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/state/types.h"

namespace ccmon::state {

enum class ContactPhase : std::uint8_t {
  kWaiting = 0,   // In a queue, not answered (possibly ringing an agent).
  kTalking,       // Connected to an agent.
  kHeld,          // Connected, on hold.
  kWrapUp,        // Conversation ended; after-contact work under way.
  kTransferring,  // Transferred to another queue; its ContactQueued there is awaited.
};

using ContactSlot = std::uint32_t;
inline constexpr ContactSlot kNoSlot = std::numeric_limits<ContactSlot>::max();

struct Contact {
  std::string id;
  SourceId source = kNoSource;
  std::uint32_t generation = 0;
  ContactPhase phase = ContactPhase::kWaiting;
  QueueId queue = kNoQueue;
  Channel channel = Channel::kVoice;
  bool transferred_in = false;
  bool ringing = false;
  std::int32_t priority = 0;
  std::uint32_t breached_mask = 0;  // Thresholds of `queue` passed while waiting.
  std::uint32_t hold_count = 0;
  AgentId agent = kNoAgent;
  UnixMs enqueue_ms = 0;     // Entered the current queue.
  UnixMs answer_ms = 0;      // Answered in the current queue (0 = not answered).
  UnixMs hold_start_ms = 0;  // Current hold began.
  UnixMs ended_ms = 0;       // Conversation ended (wrap-up start).
  UnixMs last_event_ms = 0;  // For eviction of stale contacts.
  std::int64_t hold_ms = 0;  // Hold time of the current leg.
  std::int64_t talk_ms = 0;  // Talk time of the last ended leg.
  std::string caller_key;
  std::string segment;
  // Intrusive links of the queue's waiting list.
  ContactSlot prev = kNoSlot;
  ContactSlot next = kNoSlot;
};

class ContactTable {
 public:
  ContactTable() = default;

  // Slot of (source, id), or kNoSlot.
  ContactSlot Find(SourceId source, std::string_view id) const;
  // Creates a contact (phase kWaiting, nothing else set). Precondition: not present.
  ContactSlot Insert(SourceId source, std::string_view id);
  // Removes a contact (taking it off its waiting list first).
  void Remove(ContactSlot slot);

  Contact& at(ContactSlot slot) { return slots_[slot]; }
  const Contact& at(ContactSlot slot) const { return slots_[slot]; }
  bool live(ContactSlot slot) const { return slot < slots_.size() && live_[slot]; }
  std::size_t size() const { return index_.size(); }

  // Puts the contact on the waiting list of its queue, ordered by enqueue_ms (ties: arrival
  // order). Precondition: not on a list.
  void AddWaiting(ContactSlot slot);
  // Takes the contact off its queue's waiting list. No-op if not on one.
  void RemoveWaiting(ContactSlot slot);

  std::size_t WaitingCount(QueueId q) const { return q < lists_.size() ? lists_[q].count : 0; }
  // The contact that has waited longest in q, or nullptr.
  const Contact* OldestWaiting(QueueId q) const {
    return q < lists_.size() && lists_[q].head != kNoSlot ? &slots_[lists_[q].head] : nullptr;
  }
  // Calls fn(const Contact&) for each contact waiting in q, oldest first.
  template <typename Fn>
  void ForEachWaiting(QueueId q, Fn&& fn) const {
    if (q >= lists_.size()) return;
    for (ContactSlot s = lists_[q].head; s != kNoSlot; s = slots_[s].next) fn(slots_[s]);
  }
  // Calls fn(ContactSlot) for every live contact. fn must not insert; it may not remove either
  // (collect slots first).
  template <typename Fn>
  void ForEachSlot(Fn&& fn) const {
    for (ContactSlot s = 0; s < slots_.size(); ++s) {
      if (live_[s]) fn(s);
    }
  }

 private:
  struct Key {
    SourceId source;
    std::string id;
  };
  struct KeyView {
    SourceId source;
    std::string_view id;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const Key& k) const { return Hash(k.source, k.id); }
    std::size_t operator()(const KeyView& k) const { return Hash(k.source, k.id); }
    static std::size_t Hash(SourceId s, std::string_view id) {
      return std::hash<std::string_view>{}(id) ^
             (static_cast<std::size_t>(s) * 0x9e3779b97f4a7c15ULL);
    }
  };
  struct KeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a.source == b.source && std::string_view(a.id) == std::string_view(b.id);
    }
  };
  struct WaitingList {
    ContactSlot head = kNoSlot;
    ContactSlot tail = kNoSlot;
    std::size_t count = 0;
  };

  std::unordered_map<Key, ContactSlot, KeyHash, KeyEq> index_;
  std::vector<Contact> slots_;
  std::vector<bool> live_;
  std::vector<bool> on_list_;
  std::vector<ContactSlot> free_;
  std::vector<WaitingList> lists_;
};

}  // namespace ccmon::state
