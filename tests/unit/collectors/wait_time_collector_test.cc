// WaitTimeCollector from hand-written outcome facts: bucket bounds include every threshold, a wait
// of exactly T lands in the T bucket, one histogram per {queue, outcome}.
#include "collectors/wait_time_collector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::FindMetric;
using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using state::Fact;
using state::FactType;

constexpr UnixMs kT0 = 1'700'000'000'000;

class WaitTime : public ::testing::Test {
 protected:
  WaitTime() : model_(state::QueueRegistryOptions{}) {
    state::QueueSettings settings;
    settings.sl_thresholds_ms = {500, 20'000, 25'000};
    sales_ = model_.queues.Declare("sales", settings);
    options_.wait_buckets_s = {1, 10, 20, 60};
  }

  Fact Outcome(FactType type, std::int64_t wait_ms) {
    Fact f;
    f.type = type;
    f.time_ms = kT0 + wait_ms;
    f.enqueue_ms = kT0;
    f.queue = sales_;
    f.wait_ms = wait_ms;
    return f;
  }

  // Cumulative count of the bucket with upper bound `le` (seconds) of sales/outcome.
  static std::uint64_t Bucket(const prometheus::ClientMetric& m, double le) {
    for (const auto& b : m.histogram.bucket) {
      if (b.upper_bound == le) return b.cumulative_count;
    }
    ADD_FAILURE() << "no bucket le=" << le;
    return 0;
  }

  state::Model model_;
  state::QueueId sales_;
  CollectorOptions options_;
};

TEST_F(WaitTime, BucketBoundsAreTheConfiguredOnesPlusEveryThreshold) {
  WaitTimeCollector collector(options_, model_);
  // {1, 10, 20, 60} s ∪ {0.5, 20, 25} s (sales) ∪ {20} s (registry defaults), in ms.
  EXPECT_EQ(collector.bounds_ms(),
            (std::vector<std::int64_t>{500, 1'000, 10'000, 20'000, 25'000, 60'000}));
}

TEST_F(WaitTime, WaitOfExactlyTheThresholdLandsInItsBucket) {
  WaitTimeCollector collector(options_, model_);
  // Answered waits: 0.5 s, 20 s, 20.001 s, 70 s.
  collector.OnFact(Outcome(FactType::kAnswered, 500));
  collector.OnFact(Outcome(FactType::kAnswered, 20'000));
  collector.OnFact(Outcome(FactType::kAnswered, 20'001));
  collector.OnFact(Outcome(FactType::kAnswered, 70'000));
  const auto families = Scrape(collector, model_, kT0);
  const auto* m = FindMetric(families, "callcenter_contact_wait_seconds",
                             {{"queue", "sales"}, {"outcome", "answered"}});
  ASSERT_NE(m, nullptr);
  // Cumulative: ≤0.5 → 1; ≤1 → 1; ≤10 → 1; ≤20 → 2; ≤25 → 3; ≤60 → 3; +Inf → 4.
  EXPECT_EQ(Bucket(*m, 0.5), 1u);
  EXPECT_EQ(Bucket(*m, 1), 1u);
  EXPECT_EQ(Bucket(*m, 10), 1u);
  EXPECT_EQ(Bucket(*m, 20), 2u);
  EXPECT_EQ(Bucket(*m, 25), 3u);
  EXPECT_EQ(Bucket(*m, 60), 3u);
  EXPECT_EQ(Bucket(*m, std::numeric_limits<double>::infinity()), 4u);
  EXPECT_EQ(m->histogram.sample_count, 4u);
  // 0.5 + 20 + 20.001 + 70 = 110.501 s.
  EXPECT_DOUBLE_EQ(m->histogram.sample_sum, 110.501);
}

TEST_F(WaitTime, EachOutcomeHasItsOwnHistogramAndAnsweredThenTransferredIsNotAFlowOut) {
  WaitTimeCollector collector(options_, model_);
  collector.OnFact(Outcome(FactType::kAbandoned, 3'000));
  collector.OnFact(Outcome(FactType::kExited, 12'000));
  Fact flow_out = Outcome(FactType::kTransferredOut, 8'000);
  flow_out.before_answer = true;
  collector.OnFact(flow_out);
  Fact after_answer = Outcome(FactType::kTransferredOut, 8'000);
  after_answer.before_answer = false;
  collector.OnFact(after_answer);
  Fact evicted = Outcome(FactType::kEvicted, 40'000);
  evicted.was_waiting = true;
  collector.OnFact(evicted);  // Not observed: no outcome.

  const auto families = Scrape(collector, model_, kT0);
  // One queue × four outcomes.
  EXPECT_EQ(SeriesCount(families, "callcenter_contact_wait_seconds"), 4u);
  auto count = [&](const char* outcome) {
    const auto* m = FindMetric(families, "callcenter_contact_wait_seconds",
                               {{"queue", "sales"}, {"outcome", outcome}});
    return m == nullptr ? ~0ull : m->histogram.sample_count;
  };
  EXPECT_EQ(count("answered"), 0u);
  EXPECT_EQ(count("abandoned"), 1u);
  EXPECT_EQ(count("exited"), 1u);
  EXPECT_EQ(count("transferred"), 1u);
  const auto* abandoned = FindMetric(families, "callcenter_contact_wait_seconds",
                                     {{"queue", "sales"}, {"outcome", "abandoned"}});
  // 3 s: first bucket ≥ 3 s is 10 s.
  EXPECT_EQ(Bucket(*abandoned, 1), 0u);
  EXPECT_EQ(Bucket(*abandoned, 10), 1u);
}

TEST_F(WaitTime, QueueFirstSeenInEventsGetsItsHistograms) {
  WaitTimeCollector collector(options_, model_);
  const state::QueueId billing = model_.queues.Resolve("billing");
  Fact f = Outcome(FactType::kAnswered, 2'000);
  f.queue = billing;
  collector.OnFact(f);
  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(SeriesCount(families, "callcenter_contact_wait_seconds"), 8u);
  const auto* m = FindMetric(families, "callcenter_contact_wait_seconds",
                             {{"queue", "billing"}, {"outcome", "answered"}});
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(m->histogram.sample_sum, 2.0);
}

TEST_F(WaitTime, NegativeWaitIsObservedAsZero) {
  WaitTimeCollector collector(options_, model_);
  collector.OnFact(Outcome(FactType::kAnswered, -1'500));
  const auto families = Scrape(collector, model_, kT0);
  const auto* m = FindMetric(families, "callcenter_contact_wait_seconds",
                             {{"queue", "sales"}, {"outcome", "answered"}});
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(Bucket(*m, 0.5), 1u);
  EXPECT_EQ(m->histogram.sample_sum, 0.0);
}

}  // namespace
}  // namespace ccmon::collectors
