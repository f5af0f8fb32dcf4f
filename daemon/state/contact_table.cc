#include "daemon/state/contact_table.h"

#include <cassert>

namespace ccmon::state {

ContactSlot ContactTable::Find(SourceId source, std::string_view id) const {
  auto it = index_.find(KeyView{source, id});
  return it == index_.end() ? kNoSlot : it->second;
}

ContactSlot ContactTable::Insert(SourceId source, std::string_view id) {
  ContactSlot slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
    const std::uint32_t generation = slots_[slot].generation + 1;
    slots_[slot] = Contact{};
    slots_[slot].generation = generation;
  } else {
    slot = static_cast<ContactSlot>(slots_.size());
    slots_.emplace_back();
    live_.push_back(false);
    on_list_.push_back(false);
  }
  Contact& c = slots_[slot];
  c.id.assign(id);
  c.source = source;
  live_[slot] = true;
  index_.emplace(Key{source, std::string(id)}, slot);
  return slot;
}

void ContactTable::Remove(ContactSlot slot) {
  assert(live(slot) && "ContactTable::Remove of a slot that is not live");
  RemoveWaiting(slot);
  Contact& c = slots_[slot];
  index_.erase(index_.find(KeyView{c.source, c.id}));
  live_[slot] = false;
  ++c.generation;
  // Release the strings' memory now rather than at reuse.
  c.id = std::string();
  c.caller_key = std::string();
  c.segment = std::string();
  free_.push_back(slot);
}

void ContactTable::AddWaiting(ContactSlot slot) {
  assert(!on_list_[slot] && "AddWaiting: contact already on a waiting list");
  Contact& c = slots_[slot];
  if (c.queue >= lists_.size()) lists_.resize(c.queue + 1);
  WaitingList& list = lists_[c.queue];
  // Walk back from the tail to the last contact that entered no later than this one. Events
  // arrive nearly in time order, so this is O(1) in practice.
  ContactSlot after = list.tail;
  while (after != kNoSlot && slots_[after].enqueue_ms > c.enqueue_ms) after = slots_[after].prev;
  c.prev = after;
  c.next = after == kNoSlot ? list.head : slots_[after].next;
  if (c.prev != kNoSlot)
    slots_[c.prev].next = slot;
  else
    list.head = slot;
  if (c.next != kNoSlot)
    slots_[c.next].prev = slot;
  else
    list.tail = slot;
  ++list.count;
  on_list_[slot] = true;
}

void ContactTable::RemoveWaiting(ContactSlot slot) {
  if (!on_list_[slot]) return;
  Contact& c = slots_[slot];
  WaitingList& list = lists_[c.queue];
  if (c.prev != kNoSlot)
    slots_[c.prev].next = c.next;
  else
    list.head = c.next;
  if (c.next != kNoSlot)
    slots_[c.next].prev = c.prev;
  else
    list.tail = c.prev;
  c.prev = c.next = kNoSlot;
  --list.count;
  on_list_[slot] = false;
}

}  // namespace ccmon::state
