#include "collectors/fcr_collector.h"

#include <algorithm>

#include "collectors/exposition.h"
#include "collectors/fcr_key.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;
using state::FactType;

constexpr std::array<FcrScope, kFcrScopeCount> kScopes{FcrScope::kGroup, FcrScope::kGlobal};
constexpr std::array<FcrOutcome, kFcrOutcomeCount> kOutcomes{
    FcrOutcome::kResolved, FcrOutcome::kRepeat, FcrOutcome::kUnresolved};

}  // namespace

std::string FcrCollector::WindowLabel(std::int64_t ms) {
  constexpr std::int64_t kHour = 3600'000;
  constexpr std::int64_t kDay = 24 * kHour;
  if (ms >= 7 * kDay && ms % kDay == 0) return std::to_string(ms / kDay) + "d";
  if (ms % kHour == 0) return std::to_string(ms / kHour) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  return std::to_string(ms / 1000) + "s";
}

FcrCollector::FcrCollector(const CollectorOptions& options, const state::Model& model)
    : model_(model), tracker_(options.fcr) {
  for (int w = 0; w < tracker_.window_count(); ++w) {
    window_labels_.push_back(WindowLabel(tracker_.window_ms(w)));
  }
  // Group ids in order of first mention; a queue listed twice keeps its first group.
  std::vector<std::string> groups;
  for (const auto& [queue, group] : options.fcr.queue_groups) {
    auto it = std::find(groups.begin(), groups.end(), group);
    const auto id = static_cast<std::uint32_t>(it - groups.begin());
    if (it == groups.end()) groups.push_back(group);
    group_of_name_.emplace_back(queue, id);
  }
  std::stable_sort(group_of_name_.begin(), group_of_name_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  group_of_name_.erase(std::unique(group_of_name_.begin(), group_of_name_.end(),
                                   [](const auto& a, const auto& b) { return a.first == b.first; }),
                       group_of_name_.end());
  SyncGroups();
}

void FcrCollector::SyncGroups() {
  const std::size_t n = model_.queues.size();
  for (; groups_synced_ < n; ++groups_synced_) {
    const auto q = static_cast<state::QueueId>(groups_synced_);
    const std::string_view name = model_.queues.Name(q);
    auto it =
        std::lower_bound(group_of_name_.begin(), group_of_name_.end(), name,
                         [](const auto& entry, std::string_view v) { return entry.first < v; });
    if (it != group_of_name_.end() && it->first == name) tracker_.SetQueueGroup(q, it->second);
  }
}

void FcrCollector::OnFact(const state::Fact& fact) {
  switch (fact.type) {
    case FactType::kOffered:
      if (fact.caller_key.empty() || fact.transferred_in ||
          fact.channel == state::Channel::kCallback) {
        return;
      }
      if (fact.queue >= groups_synced_) SyncGroups();
      tracker_.OnContact(FcrCallerHash(fact.caller_key), fact.queue, fact.time_ms);
      return;
    case FactType::kConversationEnded:
      if (fact.caller_key.empty() || fact.queue == state::kNoQueue) return;
      if (fact.queue >= groups_synced_) SyncGroups();
      tracker_.OnHandled(FcrCallerHash(fact.caller_key),
                         FcrContactHash(fact.source, fact.contact_id), fact.queue, fact.time_ms);
      return;
    case FactType::kTransferredOut:
      // After answer into a queue: the lifecycle keeps the contact for its next ContactQueued.
      if (fact.before_answer || fact.target_queue == state::kNoQueue || fact.caller_key.empty()) {
        return;
      }
      tracker_.OnHandoff(FcrContactHash(fact.source, fact.contact_id));
      return;
    case FactType::kWrapUpEnded:
    case FactType::kSurveyCompleted:
      if (fact.resolution != state::Resolution::kNotResolved || fact.contact_id.empty()) return;
      tracker_.OnNotResolved(FcrContactHash(fact.source, fact.contact_id), fact.time_ms);
      return;
    default:
      return;
  }
}

void FcrCollector::OnAdvance(UnixMs now_ms) { tracker_.Advance(now_ms); }

void FcrCollector::Collect(const CollectContext& ctx,
                           std::vector<prometheus::MetricFamily>* out) const {
  const std::size_t first = out->size();
  AddFamily(out, "callcenter_fcr_settled_total",
            "Handled contacts (conversation ended, known caller) settled for first-contact "
            "resolution in the window and scope, by the queue that handled them: repeat (the "
            "caller came back within the window), unresolved (a disposition or survey said so), "
            "resolved (the window passed without either).",
            MetricType::Counter);
  AddFamily(out, "callcenter_fcr_repeat_contacts_total",
            "Contacts into the queue that came within the window after a handled contact of the "
            "same caller (in the scope) that no earlier contact had followed.",
            MetricType::Counter);
  AddFamily(out, "callcenter_fcr_ratio",
            "First-contact resolution (0-1): resolved / settled over the contacts settled in the "
            "trailing ratio period (default 24 h) of event time; lags the contacts by the "
            "window. Absent when none was settled in the period.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_fcr_open_contacts",
            "Handled contacts not yet settled in the window and scope.", MetricType::Gauge);
  AddFamily(out, "ccmond_fcr_tracked_callers",
            "Callers with a handled contact that still has something to settle.",
            MetricType::Gauge);
  AddFamily(out, "ccmond_fcr_tracked_contacts",
            "Handled contacts held in the first-contact-resolution ring (bounded by "
            "max_tracked_contacts).",
            MetricType::Gauge);
  AddFamily(out, "ccmond_fcr_memory_bytes",
            "Bytes held by first-contact resolution: contact records, the caller and contact "
            "indexes, per-queue counters.",
            MetricType::Gauge);
  AddFamily(out, "ccmond_fcr_contacts_dropped_total",
            "Handled contacts dropped before they were settled because max_tracked_contacts "
            "was reached.",
            MetricType::Counter);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  const state::QueueRegistry& registry = ctx.model.queues;
  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    for (int w = 0; w < tracker_.window_count(); ++w) {
      const std::string& window = window_labels_[static_cast<std::size_t>(w)];
      for (FcrScope scope : kScopes) {
        const std::string_view scope_name = FcrScopeName(scope);
        for (FcrOutcome outcome : kOutcomes) {
          AddSample(family(0),
                    {{"queue", queue},
                     {"window", window},
                     {"scope", scope_name},
                     {"outcome", FcrOutcomeName(outcome)}},
                    static_cast<double>(tracker_.settled(q, w, scope, outcome)));
        }
        const LabelPairs labels = {{"queue", queue}, {"window", window}, {"scope", scope_name}};
        AddSample(family(1), labels, static_cast<double>(tracker_.repeat_contacts(q, w, scope)));
        const auto in_period = [&](FcrOutcome outcome) {
          return tracker_.settled_in_period(q, w, scope, outcome, ctx.event_now_ms);
        };
        const std::uint64_t resolved = in_period(FcrOutcome::kResolved);
        const std::uint64_t settled =
            resolved + in_period(FcrOutcome::kRepeat) + in_period(FcrOutcome::kUnresolved);
        if (settled > 0) {
          AddSample(family(2), labels,
                    static_cast<double>(resolved) / static_cast<double>(settled));
        }
      }
    }
  }
  for (int w = 0; w < tracker_.window_count(); ++w) {
    for (FcrScope scope : kScopes) {
      AddSample(
          family(3),
          {{"window", window_labels_[static_cast<std::size_t>(w)]}, {"scope", FcrScopeName(scope)}},
          static_cast<double>(tracker_.open_contacts(w, scope)));
    }
  }
  AddSample(family(4), {}, static_cast<double>(tracker_.tracked_callers()));
  AddSample(family(5), {}, static_cast<double>(tracker_.tracked_contacts()));
  AddSample(family(6), {}, static_cast<double>(tracker_.memory_bytes()));
  AddSample(family(7), {}, static_cast<double>(tracker_.dropped()));
}

}  // namespace ccmon::collectors
