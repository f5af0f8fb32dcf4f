// What a reload applies at once and what it leaves for a restart (daemon/app/reload.h), and that
// the engine follows a reconfigured queue: new target and thresholds, a queue added, new defaults.
#include "daemon/app/reload.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "daemon/app/engine.h"

namespace ccmon::app {
namespace {

config::Config Base() {
  auto c = config::ParseConfig(R"(subscriptions:
  - endpoint: tcp://127.0.0.1:5556
queues:
  - name: sales
    thresholds: [20s]
    target: 0.8
)",
                               "base.yaml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return *c;
}

TEST(PlanReload, AnIdenticalFileChangesNothing) {
  const ReloadPlan plan = PlanReload(Base(), Base());
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.restart_required.empty());
}

TEST(PlanReload, LiveSettingsAreAppliedAndTheRestAreNamed) {
  config::Config next = Base();
  next.log_level = "debug";
  next.queues[0].settings.sl_target = 0.9;
  next.lifecycle.max_contact_age_ms = 3'600'000;
  next.queue_options.defaults.short_abandon_ms = 3'000;
  next.subscriptions[0].endpoint = "tcp://127.0.0.1:6000";
  next.collectors.windows.interval_minutes = 30;
  next.collectors.sl_formula = collectors::SlFormula::kAbandonsIgnored;
  next.max_agents = 10;
  const ReloadPlan plan = PlanReload(Base(), next);
  EXPECT_EQ(plan.applied, (std::vector<std::string>{
                              "log.level", "queues",
                              "service_level (thresholds, target, short_abandon)", "lifecycle"}));
  EXPECT_EQ(plan.restart_required,
            (std::vector<std::string>{
                "subscriptions", "limits (max_queues, max_label_length, max_agents, max_sources)",
                "service_level (formula, breach_horizon, wait_buckets)", "windows"}));

  const config::Config merged = MergeReload(Base(), next);
  EXPECT_EQ(merged.log_level, "debug");
  EXPECT_EQ(merged.queues[0].settings.sl_target, 0.9);
  EXPECT_EQ(merged.lifecycle.max_contact_age_ms, 3'600'000);
  EXPECT_EQ(merged.queue_options.defaults.short_abandon_ms, 3'000);
  // Restart-only settings keep their running values, so the plan against the merged
  // configuration still names them (the gauge stays up until a restart or a revert).
  EXPECT_EQ(merged.subscriptions[0].endpoint, "tcp://127.0.0.1:5556");
  EXPECT_EQ(merged.collectors.windows.interval_minutes, 15);
  EXPECT_EQ(merged.max_agents, Base().max_agents);
  EXPECT_EQ(PlanReload(merged, next).restart_required.size(), 4u);
  EXPECT_TRUE(PlanReload(merged, next).applied.empty());
}

TEST(EngineReconfigure, QueuesFollowTheNewSettings) {
  ManualClock clock(1'767'254'400'000);
  config::Config c = Base();
  Engine engine(c, &clock);
  const auto& queues = engine.model().queues;
  ASSERT_NE(queues.Find("sales"), state::kNoQueue);
  EXPECT_EQ(queues.Find("vip"), state::kNoQueue);

  config::QueueConfig vip;
  vip.name = "vip";
  vip.settings.sl_thresholds_ms = {10'000};
  vip.settings.sl_target = 0.95;
  c.queues.push_back(vip);
  c.queues[0].settings.sl_thresholds_ms = {20'000, 60'000};
  c.queues[0].settings.sl_target = 0.9;
  c.queue_options.defaults.sl_thresholds_ms = {30'000};
  c.lifecycle.max_contact_age_ms = 60'000;
  engine.Reconfigure(c);

  const state::QueueId sales = queues.Find("sales");
  EXPECT_EQ(queues.Settings(sales).sl_thresholds_ms, (std::vector<std::int64_t>{20'000, 60'000}));
  EXPECT_EQ(queues.Settings(sales).sl_target, 0.9);
  const state::QueueId v = queues.Find("vip");
  ASSERT_NE(v, state::kNoQueue);
  EXPECT_TRUE(queues.declared(v));
  EXPECT_EQ(queues.Settings(v).sl_target, 0.95);
  EXPECT_EQ(queues.options().defaults.sl_thresholds_ms, (std::vector<std::int64_t>{30'000}));

  // The exported target and threshold series follow at once.
  bool saw_vip_target = false;
  for (const auto& f : engine.Collect()) {
    if (f.name != "callcenter_service_level_target_ratio") continue;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        if (l.name == "queue" && l.value == "vip") {
          saw_vip_target = true;
          EXPECT_EQ(m.gauge.value, 0.95);
        }
      }
    }
  }
  EXPECT_TRUE(saw_vip_target);
}

}  // namespace
}  // namespace ccmon::app
