#include "collectors/queue_live_collector.h"

#include <algorithm>
#include <array>

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {
using prometheus::MetricType;
}  // namespace

QueueLiveCollector::QueueLiveCollector(const CollectorOptions& options)
    : breach_horizon_ms_(std::max<std::int64_t>(options.breach_horizon_ms, 0)) {}

void QueueLiveCollector::Collect(const CollectContext& ctx,
                                 std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  const state::ContactTable& contacts = ctx.model.contacts;
  const UnixMs now = ctx.event_now_ms;

  const std::size_t first = out->size();
  AddFamily(out, "callcenter_queue_contacts_waiting", "Contacts waiting in the queue now.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_oldest_contact_enqueued_timestamp_seconds",
            "When the longest-waiting contact entered the queue (ACD clock); absent when none "
            "waits.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_oldest_contact_wait_seconds",
            "How long the longest-waiting contact has waited, by the event clock; 0 when none "
            "waits.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_contacts_past_threshold",
            "Contacts waiting now that have passed the service-level threshold.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_contacts_breaching_soon",
            "Contacts waiting now that have not passed the service-level threshold and will "
            "within the breach horizon.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_highest_waiting_priority",
            "Highest priority value among the contacts waiting now; absent when none waits.",
            MetricType::Gauge);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  std::array<std::uint64_t, state::kMaxThresholds> past{};
  std::array<std::uint64_t, state::kMaxThresholds> soon{};
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    const std::vector<std::int64_t>& thresholds = registry.Settings(q).sl_thresholds_ms;
    const std::size_t n = std::min(thresholds.size(), state::kMaxThresholds);

    past.fill(0);
    soon.fill(0);
    bool any = false;
    std::int32_t highest = 0;
    contacts.ForEachWaiting(q, [&](const state::Contact& c) {
      highest = any ? std::max(highest, c.priority) : c.priority;
      any = true;
      for (std::size_t i = 0; i < n; ++i) {
        if ((c.breached_mask >> i) & 1u) {
          ++past[i];
        } else if (c.enqueue_ms + thresholds[i] <= now + breach_horizon_ms_) {
          ++soon[i];
        }
      }
    });

    AddSample(family(0), {{"queue", queue}}, static_cast<double>(contacts.WaitingCount(q)));
    const state::Contact* oldest = contacts.OldestWaiting(q);
    if (oldest != nullptr) {
      AddSample(family(1), {{"queue", queue}}, Seconds(oldest->enqueue_ms));
    }
    AddSample(
        family(2), {{"queue", queue}},
        oldest == nullptr ? 0.0 : Seconds(std::max<std::int64_t>(now - oldest->enqueue_ms, 0)));
    for (std::size_t i = 0; i < n; ++i) {
      const std::string threshold = ThresholdLabel(thresholds[i]);
      AddSample(family(3), {{"queue", queue}, {"threshold", threshold}},
                static_cast<double>(past[i]));
      AddSample(family(4), {{"queue", queue}, {"threshold", threshold}},
                static_cast<double>(soon[i]));
    }
    if (any) AddSample(family(5), {{"queue", queue}}, static_cast<double>(highest));
  }
}

}  // namespace ccmon::collectors
