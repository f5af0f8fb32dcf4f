#include "bridges/runtime.h"

#include <gtest/gtest.h>

namespace ccmon::bridges {
namespace {

TEST(Duration, UnitsAreMillisecondsSecondsMinutesHoursDays) {
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("90s"), 90'000);
  EXPECT_EQ(*ParseDurationMs("30m"), 1'800'000);
  EXPECT_EQ(*ParseDurationMs("8h"), 28'800'000);
  EXPECT_EQ(*ParseDurationMs("2d"), 172'800'000);
}

TEST(Duration, PartsAddUpAndFractionsWork) {
  EXPECT_EQ(*ParseDurationMs("1h30m"), 5'400'000);
  EXPECT_EQ(*ParseDurationMs("2.5h"), 9'000'000);
}

TEST(Duration, BareNumberIsSeconds) { EXPECT_EQ(*ParseDurationMs("45"), 45'000); }

TEST(Duration, MalformedTextIsRejectedAndQuoted) {
  for (const char* bad : {"", "h", "5x", "1h30", "-5s", "1..5s"}) {
    auto d = ParseDurationMs(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_NE(d.status().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

TEST(StopRequest, RequestStopIsSeen) {
  EXPECT_FALSE(StopRequested());
  RequestStop();
  EXPECT_TRUE(StopRequested());
}

}  // namespace
}  // namespace ccmon::bridges
