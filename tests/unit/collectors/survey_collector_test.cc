// SurveyCollector from hand-written survey facts (expected values computed by hand in the
// comments): responses, the CSAT histogram, self-reported resolution, and the window mean and
// satisfied ratio.
#include "collectors/survey_collector.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::FindMetric;
using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::Fact;
using state::Resolution;

constexpr UnixMs kSec = 1000;
constexpr UnixMs kT0 = 1'700'000'000 * kSec;  // A whole second.

std::uint64_t Bucket(const prometheus::ClientMetric& m, double le) {
  for (const auto& b : m.histogram.bucket) {
    if (b.upper_bound == le) return b.cumulative_count;
  }
  ADD_FAILURE() << "no bucket le=" << le;
  return 0;
}

class Survey : public ::testing::Test {
 protected:
  Survey() : model_(state::QueueRegistryOptions{}) {
    sales_ = model_.queues.Declare("sales", state::QueueSettings{});
    model_.queues.Declare("support", state::QueueSettings{});
  }

  Fact Completed(UnixMs at, std::uint8_t csat, Resolution resolution) {
    Fact f;
    f.type = state::FactType::kSurveyCompleted;
    f.queue = sales_;
    f.time_ms = at;
    f.csat = csat;
    f.resolution = resolution;
    return f;
  }

  // The scenario, all in sales (times from T0; scraped at T0 + 600 s):
  //   s1 at  10 s: CSAT 5, resolved
  //   s2 at 400 s: CSAT 4, resolution not given
  //   s3 at 500 s: CSAT 2, not resolved
  //   s4 at 550 s: no score, resolved
  void FeedScenario(SurveyCollector* c) {
    c->OnFact(Completed(kT0 + 10 * kSec, 5, Resolution::kResolved));
    c->OnFact(Completed(kT0 + 400 * kSec, 4, Resolution::kUnspecified));
    c->OnFact(Completed(kT0 + 500 * kSec, 2, Resolution::kNotResolved));
    c->OnFact(Completed(kT0 + 550 * kSec, 0, Resolution::kResolved));
    c->OnAdvance(kT0 + 600 * kSec);
  }

  state::Model model_;
  state::QueueId sales_;
};

TEST_F(Survey, EverySurveyIsAResponseAndOnlyScoredOnesEnterTheCsatHistogram) {
  SurveyCollector collector(model_);
  FeedScenario(&collector);
  const auto families = Scrape(collector, model_, kT0 + 600 * kSec);
  EXPECT_EQ(Value(families, "callcenter_survey_responses_total", {{"queue", "sales"}}), 4.0);
  const auto* csat = FindMetric(families, "callcenter_survey_csat", {{"queue", "sales"}});
  ASSERT_NE(csat, nullptr);
  // Scores 5, 4, 2: ≤1: 0; ≤2: 1; ≤3: 1; ≤4: 2; ≤5: 3; sum 11.
  EXPECT_EQ(Bucket(*csat, 1), 0u);
  EXPECT_EQ(Bucket(*csat, 2), 1u);
  EXPECT_EQ(Bucket(*csat, 3), 1u);
  EXPECT_EQ(Bucket(*csat, 4), 2u);
  EXPECT_EQ(Bucket(*csat, 5), 3u);
  EXPECT_EQ(Bucket(*csat, std::numeric_limits<double>::infinity()), 3u);
  EXPECT_EQ(csat->histogram.sample_count, 3u);
  EXPECT_DOUBLE_EQ(csat->histogram.sample_sum, 11.0);
}

TEST_F(Survey, SelfReportedResolutionIsCountedPerAnswer) {
  SurveyCollector collector(model_);
  FeedScenario(&collector);
  const auto families = Scrape(collector, model_, kT0 + 600 * kSec);
  auto resolved = [&](const char* queue, const char* answer) {
    return Value(families, "callcenter_survey_resolution_total",
                 {{"queue", queue}, {"resolved", answer}});
  };
  // s1 and s4 resolved; s3 not; s2 did not say.
  EXPECT_EQ(resolved("sales", "yes"), 2.0);
  EXPECT_EQ(resolved("sales", "no"), 1.0);
  EXPECT_EQ(resolved("sales", "unspecified"), 1.0);
  // A queue without surveys has every series at 0.
  EXPECT_EQ(resolved("support", "yes"), 0.0);
  EXPECT_EQ(resolved("support", "no"), 0.0);
  EXPECT_EQ(resolved("support", "unspecified"), 0.0);
  EXPECT_EQ(Value(families, "callcenter_survey_responses_total", {{"queue", "support"}}), 0.0);
  EXPECT_EQ(FindMetric(families, "callcenter_survey_csat", {{"queue", "support"}})
                ->histogram.sample_count,
            0u);
}

TEST_F(Survey, WindowMeanAndSatisfiedRatioCoverScoredSurveysOfTheWindow) {
  SurveyCollector collector(model_);
  FeedScenario(&collector);
  const auto families = Scrape(collector, model_, kT0 + 600 * kSec);
  auto window = [&](const char* name, const char* w) {
    return Value(families, name, {{"queue", "sales"}, {"window", w}});
  };
  // 5m = (T0 + 300 s, T0 + 600 s]: scored s2 (4), s3 (2) → mean 3, satisfied (≥ 4) 1 of 2.
  EXPECT_DOUBLE_EQ(*window("callcenter_queue_survey_csat_average", "5m"), 3.0);
  EXPECT_DOUBLE_EQ(*window("callcenter_queue_survey_satisfied_ratio", "5m"), 0.5);
  // 15m holds s1 too: (5 + 4 + 2) / 3; satisfied 2 of 3.
  EXPECT_DOUBLE_EQ(*window("callcenter_queue_survey_csat_average", "15m"), 11.0 / 3);
  EXPECT_DOUBLE_EQ(*window("callcenter_queue_survey_satisfied_ratio", "15m"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(*window("callcenter_queue_survey_csat_average", "1h"), 11.0 / 3);
  // No scored survey in support: no window series at all.
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_survey_csat_average"), 3u);
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_survey_satisfied_ratio"), 3u);
}

TEST_F(Survey, WindowWithOnlyUnscoredSurveysHasNoMean) {
  SurveyCollector collector(model_);
  collector.OnFact(Completed(kT0, 0, Resolution::kResolved));
  collector.OnAdvance(kT0);
  const auto families = Scrape(collector, model_, kT0);
  EXPECT_EQ(Value(families, "callcenter_survey_responses_total", {{"queue", "sales"}}), 1.0);
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_survey_csat_average"), 0u);
}

}  // namespace
}  // namespace ccmon::collectors
