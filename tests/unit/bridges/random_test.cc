#include "bridges/simulate/random.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

namespace ccmon::simulate {
namespace {

constexpr int kDraws = 200'000;

TEST(SimulatorRandom, SameSeedGivesSameDraws) {
  Random a(42);
  Random b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Uniform01(), b.Uniform01());
}

TEST(SimulatorRandom, DrawsAreFixedForASeedOnThisPlatform) {
  // mt19937_64's sequence is fixed by the standard; our transforms over it are ours. A change
  // here changes every simulated stream, which is allowed but should be deliberate.
  Random r(1);
  EXPECT_DOUBLE_EQ(r.Uniform01(), static_cast<double>(std::mt19937_64(1)() >> 11) * 0x1.0p-53);
}

TEST(SimulatorRandom, UniformIndexStaysInRange) {
  Random r(1);
  std::array<int, 7> seen{};
  for (int i = 0; i < 10'000; ++i) ++seen[r.UniformIndex(7)];
  for (int n : seen) EXPECT_GT(n, 1200);
}

TEST(SimulatorRandom, ExponentialHasTheRequestedMean) {
  Random r(7);
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) sum += r.Exponential(120);
  EXPECT_NEAR(sum / kDraws, 120, 120 * 0.02);
}

TEST(SimulatorRandom, LognormalHasTheRequestedMeanAndDeviation) {
  Random r(11);
  std::vector<double> xs;
  for (int i = 0; i < kDraws; ++i) xs.push_back(r.LognormalByMoments(180, 120));
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= kDraws;
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean);
  const double sd = std::sqrt(var / (kDraws - 1));
  EXPECT_NEAR(mean, 180, 180 * 0.02);
  EXPECT_NEAR(sd, 120, 120 * 0.05);
  for (double x : xs) ASSERT_GT(x, 0);
}

TEST(SimulatorRandom, LognormalWithoutDeviationIsTheMean) {
  Random r(1);
  EXPECT_EQ(r.LognormalByMoments(30, 0), 30);
}

TEST(SimulatorRandom, WeightedFollowsTheWeights) {
  Random r(3);
  const std::array<double, 4> weights{1, 0, 3, 6};
  std::array<int, 4> seen{};
  for (int i = 0; i < kDraws; ++i) ++seen[r.Weighted(weights)];
  EXPECT_EQ(seen[1], 0);
  EXPECT_NEAR(seen[0] / double(kDraws), 0.1, 0.01);
  EXPECT_NEAR(seen[2] / double(kDraws), 0.3, 0.01);
  EXPECT_NEAR(seen[3] / double(kDraws), 0.6, 0.01);
}

TEST(SimulatorRandom, BernoulliExtremesConsumeNoDraw) {
  Random a(5);
  Random b(5);
  EXPECT_FALSE(a.Bernoulli(0));
  EXPECT_TRUE(a.Bernoulli(1));
  EXPECT_EQ(a.Uniform01(), b.Uniform01());
}

}  // namespace
}  // namespace ccmon::simulate
