// QueueLiveCollector: the queues as they are now, read from the ContactTable at scrape time
// (docs/metrics.md "Queue live state"):
//
//   callcenter_queue_contacts_waiting{queue}
//   callcenter_queue_oldest_contact_enqueued_timestamp_seconds{queue}   (only while one waits)
//   callcenter_queue_oldest_contact_wait_seconds{queue}                 (0 when none waits)
//   callcenter_queue_contacts_past_threshold{queue,threshold}
//   callcenter_queue_contacts_breaching_soon{queue,threshold}
//   callcenter_queue_highest_waiting_priority{queue}                    (only while one waits)
//
// "Past threshold" counts waiting contacts whose breached_mask has the threshold's bit, i.e. the
// ones already counted in callcenter_service_level_breached_total, so the gauge and the counter
// agree exactly. "Breaching soon" counts waiting contacts without that bit whose crossing time
// enqueue + T is at most CollectorOptions::breach_horizon_ms after the event clock (a contact
// whose crossing is already due by the event clock, but not yet by its own source's clock, is
// "soon"). Both come from one pass over the waiting contacts, which the highest priority needs
// anyway: O(waiting contacts) per scrape, nothing on the fact path.
//
// Engine thread only (see Collector).
#pragma once

#include <cstdint>
#include <vector>

#include "collectors/collector.h"

namespace ccmon::collectors {

class QueueLiveCollector final : public Collector {
 public:
  explicit QueueLiveCollector(const CollectorOptions& options);

  std::string_view Name() const override { return "queue_live"; }
  bool ConsumesFacts() const override { return false; }
  void OnFact(const state::Fact& fact) override { (void)fact; }
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

 private:
  std::int64_t breach_horizon_ms_;
};

}  // namespace ccmon::collectors
