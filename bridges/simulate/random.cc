#include "bridges/simulate/random.h"

#include <cmath>
#include <numbers>

namespace ccmon::simulate {

std::uint64_t Random::UniformIndex(std::uint64_t n) {
  // Rejection keeps the result unbiased: drop the 2^64 mod n lowest raw values.
  const std::uint64_t threshold = (0 - n) % n;
  std::uint64_t x = engine_();
  while (x < threshold) x = engine_();
  return x % n;
}

bool Random::Bernoulli(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return Uniform01() < p;
}

double Random::Exponential(double mean) { return -mean * std::log1p(-Uniform01()); }

double Random::StandardNormal() {
  const double u1 = 1.0 - Uniform01();  // (0, 1]: log(u1) is finite.
  const double u2 = Uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Random::LognormalByMoments(double mean, double sd) {
  if (sd <= 0) return mean;
  const double sigma2 = std::log1p((sd * sd) / (mean * mean));
  const double mu = std::log(mean) - sigma2 / 2;
  return std::exp(mu + std::sqrt(sigma2) * StandardNormal());
}

std::size_t Random::Weighted(std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = Uniform01() * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  // Rounding can leave x just above the last bucket: return the last index with weight.
  for (std::size_t i = weights.size(); i-- > 0;) {
    if (weights[i] > 0) return i;
  }
  return 0;
}

}  // namespace ccmon::simulate
