#include "daemon/app/reload.h"

#include <tuple>

namespace ccmon::app {

namespace {

// The caps of the queue registry (its defaults are applied by a reload).
bool SameQueueCaps(const state::QueueRegistryOptions& a, const state::QueueRegistryOptions& b) {
  return a.max_queues == b.max_queues && a.max_name_length == b.max_name_length;
}

}  // namespace

ReloadPlan PlanReload(const config::Config& running, const config::Config& next) {
  ReloadPlan plan;
  auto restart = [&](bool same, const char* key) {
    if (!same) plan.restart_required.emplace_back(key);
  };
  restart(running.listen_address == next.listen_address, "web.listen_address");
  restart(running.subscriptions == next.subscriptions, "subscriptions");
  restart(std::tie(running.rcvhwm, running.max_frame_bytes, running.max_string_bytes) ==
              std::tie(next.rcvhwm, next.max_frame_bytes, next.max_string_bytes),
          "ingest");
  restart(SameQueueCaps(running.queue_options, next.queue_options) &&
              running.max_agents == next.max_agents && running.max_sources == next.max_sources,
          "limits (max_queues, max_label_length, max_agents, max_sources)");
  const collectors::CollectorOptions& a = running.collectors;
  const collectors::CollectorOptions& b = next.collectors;
  restart(std::tie(a.sl_formula, a.breach_horizon_ms, a.wait_buckets_s) ==
              std::tie(b.sl_formula, b.breach_horizon_ms, b.wait_buckets_s),
          "service_level (formula, breach_horizon, wait_buckets)");
  restart(a.windows == b.windows, "windows");
  restart(a.handle_time == b.handle_time, "handle_time");
  restart(a.agents == b.agents, "agents");
  restart(a.fcr == b.fcr, "first_contact_resolution");
  restart(a.staffing == b.staffing, "staffing");

  auto applied = [&](bool same, const char* key) {
    if (!same) plan.applied.emplace_back(key);
  };
  applied(running.log_level == next.log_level, "log.level");
  applied(running.log_format == next.log_format, "log.format");
  applied(running.queues == next.queues, "queues");
  applied(running.queue_options.defaults == next.queue_options.defaults,
          "service_level (thresholds, target, short_abandon)");
  applied(running.lifecycle == next.lifecycle, "lifecycle");
  return plan;
}

config::Config MergeReload(const config::Config& running, const config::Config& next) {
  config::Config merged = running;
  merged.source_path = next.source_path;
  merged.log_level = next.log_level;
  merged.log_format = next.log_format;
  merged.queues = next.queues;
  merged.queue_options.defaults = next.queue_options.defaults;
  merged.lifecycle = next.lifecycle;
  return merged;
}

}  // namespace ccmon::app
