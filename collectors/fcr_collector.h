// FcrCollector: first-contact resolution (DESIGN §3 "First-contact resolution"; docs/metrics.md
// "First-contact resolution"). Turns lifecycle facts into FcrTracker calls and renders:
//
//   callcenter_fcr_settled_total{queue,window,scope,outcome}  handled contacts settled
//   callcenter_fcr_repeat_contacts_total{queue,window,scope}  contacts that were repeats
//   callcenter_fcr_ratio{queue,window,scope}                  resolved / settled, trailing period
//   callcenter_fcr_open_contacts{window,scope}                handled contacts awaiting a verdict
//   ccmond_fcr_tracked_callers, ccmond_fcr_tracked_contacts, ccmond_fcr_memory_bytes (gauges)
//   ccmond_fcr_contacts_dropped_total                         dropped unsettled (memory bound)
//
// window ∈ the configured windows ("24h", "72h", "7d"); scope ∈ "group" (the queue group of
// FcrOptions::queue_groups; an unlisted queue is its own group), "global" (anywhere in this
// daemon); outcome ∈ "resolved", "repeat", "unresolved".
//
// Facts used:
//   * kConversationEnded with a caller key — the contact was *handled* in that queue, at that
//     time: the handle moment is the end of the conversation, not the wrap-up, because several
//     platforms (Asterisk queue_log, FreeSWITCH mod_callcenter) never report a wrap-up end;
//   * kTransferredOut after answer into another queue — that conversation was a leg: forgotten,
//     the contact is handled (and counted) where its last conversation ends;
//   * kOffered with a caller key, not transferred in and not a callback — a new contact of the
//     caller: settles the caller's open contacts as repeats (a callback continues a contact the
//     caller already made; a transfer is the same contact);
//   * kWrapUpEnded and kSurveyCompleted with resolution "not resolved" — settle what is still open
//     of that contact as unresolved (surveys name the contact, not the caller).
// Anonymous contacts (empty caller key) are neither handled contacts nor repeats.
//
// Engine thread only (see Collector).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "collectors/collector.h"
#include "collectors/fcr_tracker.h"

namespace ccmon::collectors {

class FcrCollector final : public Collector {
 public:
  // `model` must outlive the collector.
  FcrCollector(const CollectorOptions& options, const state::Model& model);

  std::string_view Name() const override { return "fcr"; }
  void OnFact(const state::Fact& fact) override;
  void OnAdvance(UnixMs now_ms) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  // The state (for tests, the memory benchmark and checkpoints: tracker().Save(),
  // mutable_tracker()->Restore()).
  const FcrTracker& tracker() const { return tracker_; }
  FcrTracker* mutable_tracker() { return &tracker_; }

  // Label value of a window: whole days from 7 days on ("7d", "30d"), else whole hours ("24h",
  // "72h"), else minutes ("90m"), else seconds ("45s"; fractions rounded down).
  static std::string WindowLabel(std::int64_t ms);

 private:
  // Assigns queue groups to the queues registered since the last call.
  void SyncGroups();

  const state::Model& model_;
  FcrTracker tracker_;
  std::vector<std::string> window_labels_;
  std::vector<std::pair<std::string, std::uint32_t>> group_of_name_;  // Sorted by queue name.
  std::size_t groups_synced_ = 0;  // Queues [0, groups_synced_) have their group.
};

}  // namespace ccmon::collectors
