// Exposition helpers: threshold label values and sample construction.
#include "collectors/exposition.h"

#include <gtest/gtest.h>

namespace ccmon::collectors {
namespace {

TEST(Exposition, ThresholdLabelIsSecondsWithoutTrailingZeros) {
  EXPECT_EQ(ThresholdLabel(20'000), "20");
  EXPECT_EQ(ThresholdLabel(500), "0.5");
  EXPECT_EQ(ThresholdLabel(1'250), "1.25");
  EXPECT_EQ(ThresholdLabel(1), "0.001");
  EXPECT_EQ(ThresholdLabel(120'010), "120.01");
  EXPECT_EQ(ThresholdLabel(0), "0");
  EXPECT_EQ(ThresholdLabel(604'800'000), "604800");
}

TEST(Exposition, SampleValueGoesWhereTheFamilyTypeSays) {
  std::vector<prometheus::MetricFamily> out;
  auto& counter = AddFamily(&out, "x_total", "help", prometheus::MetricType::Counter);
  AddSample(&counter, {{"queue", "q"}, {"channel", "voice"}}, 3);
  ASSERT_EQ(out[0].metric.size(), 1u);
  EXPECT_EQ(out[0].metric[0].counter.value, 3.0);
  ASSERT_EQ(out[0].metric[0].label.size(), 2u);
  EXPECT_EQ(out[0].metric[0].label[1].name, "channel");
  EXPECT_EQ(out[0].metric[0].label[1].value, "voice");
  auto& gauge = AddFamily(&out, "y", "help", prometheus::MetricType::Gauge);
  AddSample(&gauge, {}, 0.25);
  EXPECT_EQ(out[1].metric[0].gauge.value, 0.25);
}

}  // namespace
}  // namespace ccmon::collectors
