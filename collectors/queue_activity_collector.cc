#include "collectors/queue_activity_collector.h"

#include "collectors/exposition.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;
using state::FactType;

constexpr std::string_view kTransferPhases[2] = {"before_answer", "after_answer"};
constexpr std::string_view kEvictionPhases[2] = {"waiting", "after_outcome"};

}  // namespace

QueueActivityCollector::QueueActivityCollector(const state::Model& model)
    : model_(model), queues_(model.queues.size()) {}

const QueueActivityCollector::Counts& QueueActivityCollector::counts(state::QueueId q,
                                                                     state::Channel c) const {
  static const Counts kZero{};
  return q < queues_.size() ? queues_[q].by_channel[static_cast<int>(c)] : kZero;
}

void QueueActivityCollector::OnFact(const state::Fact& fact) {
  const state::QueueId q = fact.queue;
  // Facts without a queue (agent states, surveys of unknown queues) are not ours; an id beyond the
  // registry would be a bug upstream and is ignored rather than trusted with an allocation.
  if (q >= model_.queues.size()) return;
  if (q >= queues_.size()) queues_.resize(model_.queues.size());
  const auto channel = static_cast<unsigned>(fact.channel);
  if (channel >= static_cast<unsigned>(state::kChannelCount)) return;
  PerQueue& pq = queues_[q];
  Counts& c = pq.by_channel[channel];

  switch (fact.type) {
    case FactType::kOffered:
      ++c.offered;
      if (fact.transferred_in) ++c.transferred_in;
      break;
    case FactType::kAnswered:
      ++c.answered;
      break;
    case FactType::kAbandoned:
      ++c.abandoned;
      if (fact.short_abandon) ++c.short_abandoned;
      break;
    case FactType::kExited: {
      const auto reason = static_cast<unsigned>(fact.exit_reason);
      ++c.exited[reason < c.exited.size() ? reason : 0];
      if (fact.exit_reason == state::ExitReason::kCallback) ++c.callbacks_requested;
      break;
    }
    case FactType::kTransferredOut:
      ++c.transferred_out[fact.before_answer ? 0 : 1];
      break;
    case FactType::kEvicted:
      ++c.evicted[fact.was_waiting ? 0 : 1];
      break;
    case FactType::kRingTimeout:
      ++c.ring_timeouts;
      break;
    default:
      return;  // Not counted here; the channel is not "seen" by it either.
  }
  pq.channels_seen |= 1u << channel;
}

void QueueActivityCollector::Collect(const CollectContext& ctx,
                                     std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  // Index of each family in *out (references would dangle as *out grows).
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_contacts_offered_total",
            "Contacts that entered the queue, transfers in included.", MetricType::Counter);
  AddFamily(out, "callcenter_contacts_answered_total", "Contacts an agent answered in the queue.",
            MetricType::Counter);
  AddFamily(out, "callcenter_contacts_abandoned_total",
            "Contacts whose caller hung up while waiting in the queue, short abandons included.",
            MetricType::Counter);
  AddFamily(out, "callcenter_contacts_short_abandoned_total",
            "Abandons at or below the queue's short-abandon threshold.", MetricType::Counter);
  AddFamily(out, "callcenter_contacts_exited_total",
            "Contacts that left the queue unanswered for another reason than abandon or transfer, "
            "by reason (callback requests included).",
            MetricType::Counter);
  AddFamily(out, "callcenter_contacts_transferred_in_total",
            "Contacts offered to the queue by a transfer from another queue.", MetricType::Counter);
  AddFamily(out, "callcenter_contacts_transferred_out_total",
            "Contacts transferred out of the queue, before or after an agent answered.",
            MetricType::Counter);
  AddFamily(out, "callcenter_callbacks_requested_total",
            "Waiting contacts whose caller chose a callback (also in "
            "callcenter_contacts_exited_total{reason=\"callback\"}).",
            MetricType::Counter);
  AddFamily(out, "callcenter_contacts_evicted_total",
            "Contacts dropped after max_contact_age without events, while waiting (their outcome) "
            "or after their outcome.",
            MetricType::Counter);
  AddFamily(out, "callcenter_ring_timeouts_total",
            "Offers of a contact to an agent that the agent did not take (RONA).",
            MetricType::Counter);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  static const Counts kZero{};
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    std::uint32_t channels = q < queues_.size() ? queues_[q].channels_seen : 0;
    if (registry.declared(q)) channels |= 1u << static_cast<unsigned>(registry.Settings(q).channel);
    const std::string_view queue = registry.Name(q);
    for (int ch = 0; ch < state::kChannelCount; ++ch) {
      if ((channels & (1u << ch)) == 0) continue;
      const Counts& c = q < queues_.size() ? queues_[q].by_channel[ch] : kZero;
      const std::string_view channel = state::ChannelName(static_cast<state::Channel>(ch));
      const LabelPairs labels = {{"queue", queue}, {"channel", channel}};
      AddSample(family(0), labels, static_cast<double>(c.offered));
      AddSample(family(1), labels, static_cast<double>(c.answered));
      AddSample(family(2), labels, static_cast<double>(c.abandoned));
      AddSample(family(3), labels, static_cast<double>(c.short_abandoned));
      for (int r = 0; r < state::kExitReasonCount; ++r) {
        AddSample(family(4),
                  {{"queue", queue},
                   {"channel", channel},
                   {"reason", state::ExitReasonName(static_cast<state::ExitReason>(r))}},
                  static_cast<double>(c.exited[static_cast<std::size_t>(r)]));
      }
      AddSample(family(5), labels, static_cast<double>(c.transferred_in));
      for (int p = 0; p < 2; ++p) {
        AddSample(family(6),
                  {{"queue", queue}, {"channel", channel}, {"phase", kTransferPhases[p]}},
                  static_cast<double>(c.transferred_out[static_cast<std::size_t>(p)]));
      }
      AddSample(family(7), labels, static_cast<double>(c.callbacks_requested));
      for (int p = 0; p < 2; ++p) {
        AddSample(family(8),
                  {{"queue", queue}, {"channel", channel}, {"phase", kEvictionPhases[p]}},
                  static_cast<double>(c.evicted[static_cast<std::size_t>(p)]));
      }
      AddSample(family(9), labels, static_cast<double>(c.ring_timeouts));
    }
  }
}

}  // namespace ccmon::collectors
