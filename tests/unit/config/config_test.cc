#include "daemon/config/config.h"

#include <gtest/gtest.h>

namespace ccmon::config {
namespace {

TEST(Config, EmptyFileGivesTheDocumentedDefaults) {
  auto c = ParseConfig("", "test.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->listen_address, ":9464");
  EXPECT_EQ(c->queue_options.defaults.sl_thresholds_ms, (std::vector<std::int64_t>{20'000}));
  EXPECT_EQ(c->queue_options.defaults.short_abandon_ms, 5'000);
  EXPECT_EQ(c->lifecycle.max_contact_age_ms, 12LL * 3600 * 1000);
}

TEST(Config, FullExampleIsReadIntoEveryField) {
  auto c = ParseConfig(R"(
log: {level: debug, format: logfmt}
web: {listen_address: "127.0.0.1:0"}
subscriptions:
  - endpoint: tcp://127.0.0.1:5556
    topics: ["v1.acme."]
  - endpoint: ipc:///tmp/x
    bind: true
limits: {max_queues: 50, max_label_length: 32, max_agents: 100, max_contacts: 1000}
lifecycle: {max_contact_age: 6h, wrap_up_timeout: 30m, reorder_hold: 90s}
service_level:
  thresholds: [20s, 30s]
  target: 0.9
  target_threshold: 30s
  short_abandon: 4s
  formula: abandons_positive
queues:
  - name: sales
    thresholds: [10s, 60s]
  - name: chat
    channel: chat
)",
                       "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->listen_address, "127.0.0.1:0");
  ASSERT_EQ(c->subscriptions.size(), 2u);
  EXPECT_EQ(c->subscriptions[0].topics, (std::vector<std::string>{"v1.acme."}));
  EXPECT_FALSE(c->subscriptions[0].bind);
  EXPECT_TRUE(c->subscriptions[1].bind);
  EXPECT_EQ(c->subscriptions[1].topics, (std::vector<std::string>{"v1."}));
  EXPECT_EQ(c->queue_options.max_queues, 50u);
  EXPECT_EQ(c->lifecycle.max_contact_age_ms, 6 * 3600'000);
  EXPECT_EQ(c->lifecycle.pending_ttl_ms, 90'000);
  EXPECT_EQ(c->queue_options.defaults.sl_target_index, 1u);
  EXPECT_DOUBLE_EQ(c->queue_options.defaults.sl_target, 0.9);
  EXPECT_EQ(c->collectors.sl_formula, collectors::SlFormula::kAbandonsPositive);
  ASSERT_EQ(c->queues.size(), 2u);
  EXPECT_EQ(c->queues[0].settings.sl_thresholds_ms, (std::vector<std::int64_t>{10'000, 60'000}));
  EXPECT_EQ(c->queues[0].settings.short_abandon_ms, 4'000);  // Inherited from service_level.
  EXPECT_EQ(c->queues[1].settings.channel, state::Channel::kChat);
}

struct BadCase {
  const char* yaml;
  const char* expected_fragment;
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, BadConfigIsRejectedWithAMessageNamingTheKey) {
  auto c = ParseConfig(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(GetParam().expected_fragment), std::string::npos)
      << c.status().message();
  EXPECT_EQ(c.status().message().rfind("bad.yaml", 0), 0u) << c.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigErrors,
    ::testing::Values(BadCase{"lgo: {}", "lgo: unknown key"},
                      BadCase{"queues: [{name: a, thresholds: [20x]}]", "queues[0].thresholds[0]"},
                      BadCase{"queues: [{name: a}, {name: a}]", "duplicate queue"},
                      BadCase{"queues: [{name: a, channel: fax}]", "unknown channel"},
                      BadCase{"queues: [{name: a, target: 1.5}]", "queues[0].target"},
                      BadCase{"queues: [{name: a, thresholds: [20s], target_threshold: 30s}]",
                              "not one of the thresholds"},
                      BadCase{"queues: [{name: _other}]", "not a usable queue name"},
                      BadCase{"subscriptions: [{endpoint: localhost}]", "ZeroMQ endpoint"},
                      BadCase{"subscriptions: [{topics: [v1.]}]", "endpoint is required"},
                      BadCase{"service_level: {formula: magic}", "unknown formula"},
                      BadCase{"limits: {max_queues: -1}", "limits.max_queues"},
                      BadCase{"log: {level: loud}", "log.level"},
                      BadCase{"queues: [unclosed", "line"}, BadCase{"[1, 2]", "expected a mapping"},
                      BadCase{"service_level: {thresholds: [20s, 20s]}", "duplicate threshold"}));

TEST(Duration, UnitsAndPlainSeconds) {
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("20s"), 20'000);
  EXPECT_EQ(*ParseDurationMs("20"), 20'000);
  EXPECT_EQ(*ParseDurationMs("1.5m"), 90'000);
  EXPECT_EQ(*ParseDurationMs("7d"), 7 * 86'400'000LL);
  EXPECT_FALSE(ParseDurationMs("-1s").ok());
  EXPECT_FALSE(ParseDurationMs("s").ok());
  EXPECT_FALSE(ParseDurationMs("1e300h").ok());
}

TEST(Config, MissingFileIsNotFound) {
  auto c = LoadConfigFile("/nonexistent/ccmond.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ccmon::config

namespace ccmon::config {
namespace {

TEST(Config, AnalyticsOptionsAreRead) {
  auto c = ParseConfig(R"(
windows: {time_zone: Europe/Berlin, interval: 30m}
handle_time: {short_answer: 8s, duration_buckets: [10, 60, 300]}
agents: {per_agent: true, max_per_agent_series: 50, state_duration_buckets: [60, 600]}
first_contact_resolution:
  windows: [24h, 7d]
  queue_groups: {sales: retail, support: retail}
  max_tracked_contacts: 100000
  ratio_period: 7d
staffing: {estimation_window: 30m, ewt_error_buckets: [-60, 0, 60]}
)",
                       "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto& o = c->collectors;
  EXPECT_EQ(o.windows.time_zone, "Europe/Berlin");
  EXPECT_EQ(o.windows.interval_minutes, 30);
  EXPECT_EQ(o.handle_time.short_answer_ms, 8'000);
  EXPECT_TRUE(o.agents.per_agent);
  EXPECT_EQ(o.agents.max_per_agent_series, 50u);
  EXPECT_EQ(o.fcr.windows_ms, (std::vector<std::int64_t>{24 * 3600'000LL, 7 * 24 * 3600'000LL}));
  ASSERT_EQ(o.fcr.queue_groups.size(), 2u);
  EXPECT_EQ(o.fcr.queue_groups[0], (std::pair<std::string, std::string>{"sales", "retail"}));
  EXPECT_EQ(o.staffing.estimation_window_ms, 30 * 60'000);
  EXPECT_EQ(o.handle_time.duration_buckets_s, (std::vector<double>{10, 60, 300}));
  EXPECT_EQ(o.agents.state_duration_buckets_s, (std::vector<double>{60, 600}));
  EXPECT_EQ(o.fcr.ratio_period_ms, 7 * 86'400'000LL);
  EXPECT_EQ(o.staffing.ewt_error_buckets_s, (std::vector<double>{-60, 0, 60}));
}

TEST(Config, BucketListsMustBeAscendingNumbers) {
  auto a = ParseConfig("handle_time: {duration_buckets: [10, 5]}", "b.yaml");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("strictly ascending"), std::string::npos);
  auto b = ParseConfig("agents: {state_duration_buckets: [-1]}", "b.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("agents.state_duration_buckets[0]"), std::string::npos);
  auto c = ParseConfig("staffing: {ewt_error_buckets: [x]}", "b.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("not a number"), std::string::npos);
}

TEST(Config, UnknownTimeZoneAndBadIntervalAreRejected) {
  auto tz = ParseConfig("windows: {time_zone: Mars/Olympus_Mons}", "a.yaml");
  ASSERT_FALSE(tz.ok());
  EXPECT_NE(tz.status().message().find("windows.time_zone"), std::string::npos);
  auto iv = ParseConfig("windows: {interval: 20m}", "a.yaml");
  ASSERT_FALSE(iv.ok());
  EXPECT_NE(iv.status().message().find("15m or 30m"), std::string::npos);
}

}  // namespace
}  // namespace ccmon::config
